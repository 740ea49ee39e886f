"""Data-driven intervals: the one-step bootstrap against its delta-method limit, by channel count.

Usage: python benchmarks/intervals.py [N_JOURNEYS] [--channels 6 10 16 30] [--replicates 200]

Per channel count, on a simulated additive world (``worlds.wide_world``; 6 channels: the
``additive`` world), prints the CPU seconds of the fit (patterns + v(S)), of ``--replicates``
bootstrap replicates (what ``--bootstrap 200`` cost before) and of the delta method (what it
costs now), the ratio of the two, and how far the delta method's standard deviations lie from
the bootstrap's (median and worst ratio over the shares of channels with an effect). All in
one process, one after the other; the load average is printed because the figures move with it.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from crmroi.attribution.conversion_model import OneStep
from crmroi.attribution.delta import share_sd
from crmroi.attribution.models import ShapleyModel, get
from crmroi.attribution.worlds import WORLDS, simulate, wide_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--channels", nargs="+", type=int, default=[6, 10, 16, 30])
    parser.add_argument("--replicates", type=int, default=200)
    args = parser.parse_args()
    print(f"{args.n:,} journeys; load average at start {os.getloadavg()[0]:.1f}")
    print(
        f"| channels | patterns | fit CPU s | bootstrap {args.replicates} CPU s "
        "| delta CPU s | bootstrap ÷ delta | SD delta ÷ bootstrap (median, range) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|")
    model = get("data_driven")
    assert isinstance(model, ShapleyModel)
    for k in args.channels:
        world = WORLDS["additive"] if k == 6 else wide_world(k)
        sim = simulate(world, args.n, seed=0, truth=False)
        started = time.process_time()
        stats = model.prepare(sim.journeys)
        fit_s = time.process_time() - started
        assert stats.fitted is not None
        started = time.process_time()
        boot = model.bootstrap(stats, args.replicates, np.random.default_rng(0))
        boot_s = time.process_time() - started
        started = time.process_time()
        sd = share_sd(stats.patterns, OneStep.prepare(stats.patterns, stats.fitted, model.settings))
        delta_s = time.process_time() - started
        effective = np.append(world.effects > 0, True)
        ratio = sd[effective] / boot.std(axis=0, ddof=1)[effective]
        print(
            f"| {k} | {stats.patterns.n_patterns:,} | {fit_s:.2f} | {boot_s:.2f} | {delta_s:.2f} "
            f"| {boot_s / delta_s:.1f} | {np.median(ratio):.2f} "
            f"({ratio.min():.2f}–{ratio.max():.2f}) |",
            flush=True,
        )
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
