"""Concurrent runs and kill -9 during an import, on a real DuckDB file with real processes.

A DuckDB file has one writer process at a time and no reader beside it. So a command that finds
the workspace held (an import) waits, says once on stderr for whom, then reads the committed
state (16.14); after ``lock_wait_seconds`` it stops with one clear line. An import killed with
SIGKILL at any point leaves all or none of the file's rows, and the workspace reopens.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crmroi import open_workspace
from crmroi.ingest import import_file

CRMROI = str(Path(sys.executable).parent / "crmroi")
SRC = str(Path(__file__).resolve().parents[2] / "src")

HOLD = """
import sys, time
from pathlib import Path
from crmroi import open_workspace
from crmroi.ingest import import_file
ws = open_workspace(sys.argv[1])
import_file(ws, sys.argv[2])
print("holding", flush=True)
while not Path(sys.argv[3]).exists():
    time.sleep(0.05)
ws.close()
"""
"""Import a file, then keep the workspace open (as a long import would) until argv[3] exists."""

IMPORT = """
import sys
from crmroi import open_workspace
from crmroi.ingest import import_file
ws = open_workspace(sys.argv[1])
print("open", flush=True)
import_file(ws, sys.argv[2])
ws.close()
print("done", flush=True)
"""


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "200"}


def start(script: str, *args: str) -> subprocess.Popen[str]:
    """Run ``script`` in a new Python process and wait for its first line (it holds the file)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first.strip() in {"holding", "open"}, proc.stderr.read() if proc.stderr else ""
    return proc


def finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Wait for ``proc`` and close its pipes; its remaining stdout and stderr."""
    out, err = proc.communicate(timeout=300)
    return out, err


def won_deals_csv(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        f.write("deal_id,account_id,owner_id,status,amount,currency,created_at,closed_at\n")
        for i in range(n):
            f.write(f"D{i:07d},A{i % 97},U{i % 7},won,{100 + i % 900},EUR,2024-03-01,2024-04-02\n")
    return path


def crmroi(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CRMROI, "-w", "w.duckdb", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env(),
        timeout=300,
    )


def test_reader_waits_for_an_import_then_reads_what_it_committed(tmp_path: Path) -> None:
    """Three won deals held open until ``kpis`` says it waits: it names the PID, then counts 3."""
    deals = won_deals_csv(tmp_path / "deals.csv", 3)
    release = tmp_path / "release"
    holder = start(HOLD, str(tmp_path / "w.duckdb"), str(deals), str(release))
    reader = subprocess.Popen(
        [CRMROI, "-w", "w.duckdb", "kpis", "--kpi", "won_deals", "--format", "json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    assert reader.stderr is not None
    note = reader.stderr.readline()  # blocks until the reader reports that it waits
    release.touch()
    finish(holder)
    out, err = finish(reader)
    assert reader.returncode == 0, err
    assert note == (
        f"w.duckdb is in use by another process (PID {holder.pid}), e.g. an import; "
        "waiting up to 600 s for it to finish …\n"
    )
    rows = json.loads(out)
    assert [r["value"] for r in rows if r["kpi"] == "won_deals"] == [3]


def test_reader_gives_up_after_the_configured_wait(tmp_path: Path) -> None:
    (tmp_path / "crmroi.toml").write_text("[workspace]\nlock_wait_seconds = 1\n")
    deals = won_deals_csv(tmp_path / "deals.csv", 3)
    release = tmp_path / "release"
    holder = start(HOLD, str(tmp_path / "w.duckdb"), str(deals), str(release))
    try:
        done = crmroi(tmp_path, "kpis")
    finally:
        release.touch()
        finish(holder)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        f"error: w.duckdb is in use by another process (PID {holder.pid}), e.g. an import; "
        "gave up after 1 s: try again when it has finished"
    )


def test_two_imports_at_once_both_load(tmp_path: Path) -> None:
    """Two processes import different files into one new workspace: 40 + 60 rows, no error."""
    first = tmp_path / "a" / "deals.csv"
    second = tmp_path / "b" / "deals.csv"
    first.parent.mkdir()
    second.parent.mkdir()
    won_deals_csv(first, 40)
    with second.open("w", encoding="utf-8") as f:
        f.write("deal_id,status,amount,created_at\n")
        f.writelines(f"E{i},won,5,2024-03-01\n" for i in range(60))
    procs = [
        subprocess.Popen(
            [CRMROI, "-w", "w.duckdb", "import", str(path), "--format", "json"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
        )
        for path in (first, second)
    ]
    outcomes = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outcomes
    with open_workspace(tmp_path / "w.duckdb") as ws:
        assert ws.count("deals") == 100
        assert ws.count("imports") == 2


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.2, 0.6, 1.5, 3.0])
def test_kill_9_during_import_leaves_all_or_none(tmp_path: Path, delay: float) -> None:
    """SIGKILL ``delay`` s after the workspace is open: 0 or all 60,000 rows, never a part.

    The workspace reopens, its import log agrees with its rows, and importing the same file
    again completes with every row.
    """
    n = 60_000
    deals = won_deals_csv(tmp_path / "deals.csv", n)
    path = tmp_path / "w.duckdb"
    proc = start(IMPORT, str(path), str(deals))
    time.sleep(delay)
    was_running = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    finish(proc)
    with open_workspace(path, lock_wait=30) as ws:
        rows, imports = ws.count("deals"), ws.count("imports")
        assert (rows, imports) in {(0, 0), (n, 1)}, (rows, imports, was_running)
        assert ws.count("quarantine") == 0
        result = import_file(ws, deals)
        assert ws.count("deals") == n
        assert result.rows_read == result.rows_loaded + result.rows_quarantined == n
    if delay == 0.0:
        assert was_running and rows == 0  # the kill landed before the commit
