"""Errors go to stderr; with `--format json` stdout is always one JSON document.

Each case runs the real CLI in a subprocess, so stdout and stderr are seen apart.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from crmroi import open_workspace


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    open_workspace(path).close()
    return path


def crmroi(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crmroi", "-w", str(path), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=path.parent,
    )


def test_a_lock_error_is_a_json_error_object(ws_path: Path) -> None:
    """Another process holds the workspace past the wait: stdout is the error object, stderr
    the waiting notice and the error line."""
    (ws_path.parent / "crmroi.toml").write_text("[workspace]\nlock_wait_seconds = 0.5\n")
    holder = duckdb.connect(str(ws_path))  # DuckDB locks the file against other processes
    try:
        run = crmroi(ws_path, "kpis", "--format", "json")
    finally:
        holder.close()
    assert run.returncode == 2
    error = json.loads(run.stdout)["error"]
    assert error["type"] == "WorkspaceError"
    assert "in use by another process" in error["message"]
    assert "gave up after 0.5 s" in error["message"]
    assert error["exit_code"] == 2
    waiting, failed = run.stderr.strip().splitlines()[-2:]
    assert "waiting up to 0.5 s" in waiting
    assert failed.startswith("error: ") and "gave up after 0.5 s" in failed


@pytest.mark.parametrize("spelling", [["--format", "json"], ["--format=json"], ["-f", "json"]])
def test_a_bad_option_value_is_a_json_error_object(ws_path: Path, spelling: list[str]) -> None:
    run = crmroi(ws_path, "kpis", *spelling, "--grain", "fortnight")
    assert run.returncode == 2
    assert json.loads(run.stdout) == {
        "error": {
            "type": "InputError",
            "message": "--grain 'fortnight': choose one of day, week, month, quarter, year",
            "exit_code": 2,
        }
    }
    assert "error: --grain 'fortnight'" in run.stderr


def test_a_usage_error_is_a_json_error_object(ws_path: Path) -> None:
    run = crmroi(ws_path, "kpis", "--format", "json", "--no-such-option")
    assert run.returncode == 2
    error = json.loads(run.stdout)["error"]
    assert error["type"] == "UsageError"
    assert "--no-such-option" in error["message"]
    assert "--no-such-option" in run.stderr


def test_success_is_one_json_document_and_a_quiet_stderr(ws_path: Path) -> None:
    run = crmroi(ws_path, "kpis", "--list", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert {"id", "label", "unit"} <= set(json.loads(run.stdout)[0])
    assert "error" not in run.stderr


def test_without_json_the_error_is_on_stderr_only(ws_path: Path) -> None:
    run = crmroi(ws_path, "kpis", "--grain", "fortnight")
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.strip() == (
        "error: --grain 'fortnight': choose one of day, week, month, quarter, year"
    )
