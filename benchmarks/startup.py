"""Start-up of `crmroi --help` and `crmroi --version`, as whole processes.

Usage: python benchmarks/startup.py [--runs N] (default 9). Each command runs N times in a fresh
process, interleaved with the reference ``python -c "import duckdb"`` so that all three see the
same load. Per command it prints the median wall time, CPU time (user + system of the child,
from ``os.wait4``) and peak RSS (the child's ``ru_maxrss``), the fastest and slowest wall time,
and the ratio of the median wall time to the reference's. The target is under 0.5 s wall on an
idle machine; the load average is printed because the figures move with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple


class Run(NamedTuple):
    wall: float
    cpu: float
    rss_mb: float


def crmroi_command() -> list[str]:
    """The installed ``crmroi`` script beside this interpreter, else ``python -m crmroi``."""
    script = Path(sys.executable).with_name("crmroi")
    return [str(script)] if script.exists() else [sys.executable, "-m", "crmroi"]


def measure(argv: list[str]) -> Run:
    """One whole process: wall clock around it, its CPU time and peak memory from wait4."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited with {child.returncode}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    crmroi = crmroi_command()
    commands = {
        "crmroi --help": [*crmroi, "--help"],
        "crmroi --version": [*crmroi, "--version"],
        'python -c "import duckdb"': [sys.executable, "-c", "import duckdb"],
    }
    for argv in commands.values():  # warm the file cache once; not counted
        measure(argv)
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, argv in commands.items():
            runs[name].append(measure(argv))
    reference = statistics.median(r.wall for r in runs['python -c "import duckdb"'])
    print(f"{args.runs} runs each, interleaved; load average {os.getloadavg()[0]:.2f}")
    print(f"{'command':<28}{'wall':>8}{'min':>8}{'max':>8}{'CPU':>8}{'RSS MB':>8}{'× ref':>7}")
    for name, measured in runs.items():
        wall = statistics.median(r.wall for r in measured)
        print(
            f"{name:<28}{wall:>7.3f}s{min(r.wall for r in measured):>7.3f}s"
            f"{max(r.wall for r in measured):>7.3f}s"
            f"{statistics.median(r.cpu for r in measured):>7.3f}s"
            f"{statistics.median(r.rss_mb for r in measured):>8.1f}{wall / reference:>7.2f}"
        )


if __name__ == "__main__":
    main()
