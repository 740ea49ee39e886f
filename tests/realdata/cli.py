"""Run the real `crmroi` CLI in-process, through the same `main()` the console script calls.

In-process because a fresh interpreter costs seconds per command on a loaded CI box, and these
tests run dozens of commands; `main()` is the one place that maps errors to exit codes (2 for a
clear error, 70 for an internal one), so going through it keeps those codes real.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmroi.cli.app import main

INTERNAL_ERROR = 70


@dataclass(frozen=True)
class Run:
    """One finished command: its arguments, exit code and output."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def command(self) -> str:
        return "crmroi " + " ".join(self.args)

    def json(self) -> Any:
        """The command's ``--format json`` output."""
        return json.loads(self.stdout)

    def assert_no_internal_error(self) -> None:
        """Exit code 70 and 'internal error' mean a crash, whatever the data."""
        text = self.stdout + self.stderr
        assert self.code != INTERNAL_ERROR and "internal error" not in text, (
            f"{self.command}: exit {self.code}: {self.stderr.strip()}"
        )

    def assert_ok(self) -> Run:
        self.assert_no_internal_error()
        assert self.code == 0, f"{self.command}: exit {self.code}: {self.stderr.strip()}"
        return self


def crmroi(workspace: Path, *args: str | Path) -> Run:
    """Run ``crmroi -w workspace ARGS`` and capture what it prints."""
    argv = ("-w", str(workspace), *(str(a) for a in args))
    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["crmroi", *argv]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved
    return Run(args=argv[2:], code=code, stdout=out.getvalue(), stderr=err.getvalue())


def imported(workspace: Path, *args: str | Path) -> list[dict[str, Any]]:
    """Import with ``--format json``; the per-file results (each read = loaded + quarantined)."""
    run = crmroi(workspace, "import", *args, "--format", "json").assert_ok()
    files: list[dict[str, Any]] = run.json()["files"]
    for f in files:
        assert f["rows_read"] == f["rows_loaded"] + f["rows_quarantined"], f
    return files


@dataclass(frozen=True)
class Loaded:
    """A workspace file and what importing the dataset into it reported, per file."""

    path: Path
    files: list[dict[str, Any]]


def load(path: Path, *imports: tuple[str | Path, ...]) -> Loaded:
    """A workspace at ``path`` with each ``(file, *options)`` imported in order."""
    files: list[dict[str, Any]] = []
    for args in imports:
        files += imported(path, *args)
    return Loaded(path, files)


KPI_COLUMNS = frozenset(
    ("kpi", "period_start", "period_end", "value", "unit", "previous", "target", "attainment")
)
"""The columns of `crmroi kpis --format json` that are not a --by dimension."""


def kpi_values(workspace: Path, *args: str) -> dict[tuple[str, ...], float | None]:
    """``crmroi kpis --format json ARGS`` as {(kpi, *dimension values): value}."""
    rows = crmroi(workspace, "kpis", *args, "--format", "json").assert_ok().json()
    out: dict[tuple[str, ...], float | None] = {}
    for row in rows:
        dims = tuple(str(v) for k, v in row.items() if k not in KPI_COLUMNS)
        out[(row["kpi"], *dims)] = row["value"]
    return out


def roi_error(workspace: Path) -> str:
    """`crmroi roi` on a workspace that holds no cost line: a clear error (exit 2), no crash."""
    run = crmroi(workspace, "roi", "--format", "json")
    run.assert_no_internal_error()
    assert run.code == 2, f"{run.command}: exit {run.code}: {run.stdout[:300]}"
    assert run.stderr.startswith("error:") and run.stderr.count("\n") == 1, run.stderr
    return run.stderr


def assert_roi_names_missing_costs(workspace: Path) -> None:
    """Without costs there is no ROI: the error names the costs and how to import them."""
    message = roi_error(workspace)
    assert re.search(r"\bcosts?\b", message, re.IGNORECASE), message
    assert "import" in message, message
