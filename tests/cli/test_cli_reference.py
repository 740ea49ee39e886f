"""The CLI reference in docs/ is generated from --help and must not drift."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crmroi.cli.reference import cli_reference, command_names

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == cli_reference(), (
        "docs/cli.md is stale: run `python -m crmroi.cli.reference`"
    )


def test_every_command_of_the_foundation_is_there() -> None:
    names = set(command_names())
    assert {"init", "import", "synth", "demo", "report"} <= names


def test_errors_are_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "crmroi", "-w", str(tmp_path / "w.duckdb"), "import", "nope.csv"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr + run.stdout
    assert "nope.csv: no such file" in run.stdout + run.stderr


def test_version() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "crmroi", "--version"], capture_output=True, text=True, check=True
    )
    assert run.stdout.strip().startswith("crmroi ")
