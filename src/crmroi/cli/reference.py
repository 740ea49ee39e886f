"""Generate ``docs/cli.md`` from the commands' own ``--help``, so the reference cannot drift."""

from __future__ import annotations

import os
from pathlib import Path

from typer.testing import CliRunner

from crmroi.cli.app import app
from crmroi.cli.commands import COMMANDS

WIDTH = "100"


def _help(args: list[str]) -> str:
    env = {**os.environ, "COLUMNS": WIDTH, "TERMINAL_WIDTH": WIDTH, "NO_COLOR": "1"}
    result = CliRunner().invoke(app, [*args, "--help"], env=env, color=False)
    return result.output.rstrip()


def command_names() -> list[str]:
    """Names of the top-level commands, in listing order."""
    return list(COMMANDS)


def cli_reference() -> str:
    """The Markdown reference: the main help, then each command's help."""
    parts = [
        "# Command-line reference",
        "",
        "Generated from `crmroi … --help` by `python -m crmroi.cli.reference`; do not edit.",
        "",
        "## crmroi",
        "",
        "```text",
        _help([]),
        "```",
    ]
    for name in command_names():
        parts += ["", f"## crmroi {name}", "", "```text", _help([name]), "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":  # pragma: no cover - regenerates the docs
    Path("docs/cli.md").write_text(cli_reference(), encoding="utf-8")
