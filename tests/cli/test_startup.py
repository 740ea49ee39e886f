"""`crmroi --help` and `--version` start without the analysis stack (pandas, Ibis, DuckDB).

Start-up time itself is measured by ``benchmarks/startup.py`` (figures in docs/benchmarks.md);
here the cause is held: what those two commands import.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import typer

from crmroi.cli.commands import COMMAND_MODULES, COMMANDS

HEAVY = ("pandas", "ibis", "duckdb", "scipy", "numpy", "pyarrow")


def imported_modules(*args: str, code: int = 0) -> tuple[set[str], str]:
    """Top-level packages imported by ``python -m crmroi ARGS`` (from ``-X importtime``)."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "crmroi", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == code, run.stderr[-2000:]
    names = {
        line.split("|")[-1].strip().split(".")[0]
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return names, run.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--version",), 0),
        (("--help",), 0),
        ((), 2),  # no arguments: the help, as a usage error
        (("attribution", "--help"), 0),  # a command's own help: its options, not its models
        (("import", "--help"), 0),
    ],
)
def test_help_and_version_leave_the_analysis_stack_alone(args: tuple[str, ...], code: int) -> None:
    names, out = imported_modules(*args, code=code)
    assert "crmroi" in names and "typer" in names  # the parse above found the imports
    assert not names & set(HEAVY), f"{args} imported {sorted(names & set(HEAVY))}"
    assert "crmroi" in out


def test_help_lists_every_command_with_its_own_first_help_line() -> None:
    """The static table in commands.py is what `--help` lists: it must match the commands."""
    registered: dict[str, str] = {}
    for module_name in COMMAND_MODULES:
        sub = typer.Typer()
        __import__(module_name, fromlist=["register"]).register(sub)
        for info in sub.registered_commands:
            assert info.callback is not None and info.callback.__doc__
            registered[str(info.name)] = " ".join(info.callback.__doc__.split("\n\n")[0].split())
    assert {name: help_line for name, (_, help_line) in COMMANDS.items()} == registered


def test_a_command_still_runs_its_own_help() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "crmroi", "forecast", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert run.returncode == 0, run.stderr
    assert "--as-of" in run.stdout


def test_an_unknown_command_is_a_usage_error() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "crmroi", "kpi"], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2
    assert "No such command" in run.stderr
    assert run.stdout == ""


def test_reading_settings_leaves_the_findings_and_roi_stack_alone() -> None:
    """Every command reads ``crmroi.config``; it holds the findings' settings, but the
    detectors (and the ROI analysis and statsmodels behind them) load only when findings run:
    an import does not pay for them."""
    code = "import sys, crmroi.config; print(sorted(m for m in sys.modules if m.startswith(("
    code += "'crmroi.insights.run', 'crmroi.roi.analysis', 'statsmodels'))))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[]"
