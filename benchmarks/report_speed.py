"""The full report of the medium simulated company (HTML, PDF and XLSX), as a whole process.

Usage: python benchmarks/report_speed.py [--workspace DIR] [--runs N] (default 3).
Without ``--workspace`` the medium company is built first with ``crmroi demo --size medium``
into a temporary folder (not timed). Each command then runs N times in a fresh process,
interleaved so that all see the same load:

* ``report html+pdf+xlsx``: ``crmroi report -f html -f pdf -f xlsx``, the goal (under 20 s);
* ``report html``: the same report written as HTML only (the PDF and XLSX writers' share is
  the difference);
* ``roi`` and ``findings``: the two analyses the report's first page needs, as references.

Per command it prints the median wall time, the fastest and slowest, CPU time (user + system
of the child, from ``os.wait4``), peak RSS and the ratio to the ``roi`` reference; the load
average is printed because the figures move with it (the machine has 2 cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

GOAL_S = 20.0


class Run(NamedTuple):
    wall: float
    cpu: float
    rss_mb: float


def crmroi_command() -> list[str]:
    """The installed ``crmroi`` script beside this interpreter, else ``python -m crmroi``."""
    script = Path(sys.executable).with_name("crmroi")
    return [str(script)] if script.exists() else [sys.executable, "-m", "crmroi"]


def measure(argv: list[str], cwd: Path) -> Run:
    """One whole process: wall clock around it, its CPU time and peak memory from wait4."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        error = child.stderr.read().decode() if child.stderr else ""
        raise SystemExit(f"{' '.join(argv)} failed:\n{error}")
    if child.stderr:
        child.stderr.close()
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def medium_company(folder: Path) -> Path:
    """Build the medium simulated company with ``crmroi demo``; return its folder."""
    subprocess.run(
        [*crmroi_command(), "demo", "--size", "medium", "--out", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="a demo folder (crmroi.duckdb inside)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.workspace or medium_company(Path(tmp) / "medium")
        ws = str(folder / "crmroi.duckdb")
        out = str(Path(tmp) / "report.html")
        crmroi = [*crmroi_command(), "-w", ws]
        formats = ["-f", "html", "-f", "pdf", "-f", "xlsx"]
        commands = {
            "report html+pdf+xlsx": [*crmroi, "report", "-o", out, *formats],
            "report html": [*crmroi, "report", "-o", out, "-f", "html"],
            "roi (reference)": [*crmroi, "roi"],
            "findings (reference)": [*crmroi, "findings"],
        }
        measure(commands["roi (reference)"], folder)  # warm the file cache once; not counted
        runs: dict[str, list[Run]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                runs[name].append(measure(argv, folder))
    reference = statistics.median(r.wall for r in runs["roi (reference)"])
    print(f"{args.runs} runs each, interleaved; load average {os.getloadavg()[0]:.2f}")
    print(f"{'command':<24}{'wall':>8}{'min':>8}{'max':>8}{'CPU':>8}{'RSS MB':>8}{'× roi':>7}")
    for name, measured in runs.items():
        wall = statistics.median(r.wall for r in measured)
        print(
            f"{name:<24}{wall:>7.1f}s{min(r.wall for r in measured):>7.1f}s"
            f"{max(r.wall for r in measured):>7.1f}s"
            f"{statistics.median(r.cpu for r in measured):>7.1f}s"
            f"{statistics.median(r.rss_mb for r in measured):>8.0f}{wall / reference:>7.2f}"
        )
    full = statistics.median(r.wall for r in runs["report html+pdf+xlsx"])
    verdict = "meets" if full < GOAL_S else "misses"
    print(f"full report {full:.1f} s: {verdict} the goal of {GOAL_S:.0f} s")


if __name__ == "__main__":
    main()
