"""Marketing-mix fit speed and memory: 3 years weekly × 20 channels (issue 13 point 4).

Usage: python benchmarks/mmm_speed.py [--channels 20] [--weeks 156] [--bootstrap 500]

Prints wall time, CPU time and the process's resident-memory high-water mark (Linux VmHWM,
reset before each step) for

* the point fit alone (no bootstrap): grid × coordinate descent + bounded least squares,
* the full fit with the bootstrap intervals (the default of `crmroi mmm`),
* the reference in the same run: the same point fit on 4 channels, the size the recovery
  worlds have, so a slower machine shows as a slower reference too.

PyMC-Marketing, the library this model was chosen over, is not run here (it is not a
dependency); its figures are in docs/mmm.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from crmroi.mmm import fit_mmm
from crmroi.mmm.worlds import simulate_world

STATUS = Path("/proc/self/status")


def _hwm_mb() -> float:
    for line in STATUS.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_hwm() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def measure(label: str, step: Callable[[], object]) -> None:
    """Run ``step`` once and print its wall time, CPU time and RSS peak."""
    _reset_hwm()
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<44} wall {wall:7.2f} s   cpu {cpu:7.2f} s   RSS peak {_hwm_mb():6.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--bootstrap", type=int, default=500)
    args = parser.parse_args()
    world = simulate_world(0, weeks=args.weeks, channels=args.channels)
    small = simulate_world(0, weeks=args.weeks, channels=4)
    print(f"{args.weeks} weeks × {args.channels} channels; load average {os.getloadavg()[0]:.1f}")
    measure(
        "reference: point fit, 4 channels", lambda: fit_mmm(small.spend, small.outcome, bootstrap=0)
    )
    measure(
        f"point fit, {args.channels} channels",
        lambda: fit_mmm(world.spend, world.outcome, bootstrap=0),
    )
    measure(
        f"fit + {args.bootstrap} bootstrap, {args.channels} channels",
        lambda: fit_mmm(world.spend, world.outcome, bootstrap=args.bootstrap),
    )


if __name__ == "__main__":
    main()
