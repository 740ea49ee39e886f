"""Nested data-driven intervals: the nested one-step bootstrap against its delta-method limit.

Usage: python benchmarks/nested_intervals.py WORKSPACE [--level campaign] [--replicates 200]

On a workspace's journeys at campaign (or workflow) level, prints the CPU seconds of the nested
fit (every level's patterns and v(S)), of ``--replicates`` bootstrap replicates (what the
intervals cost before) and of the delta method (what they cost now), and how far the delta
method's standard deviations lie from the bootstrap's (median and range over the keys whose
share is at least 0.5 %: a key whose credit sits at 0 is clipped, where the delta method is an
approximation). One process, one after the other; the load average is printed because the
figures move with it.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from crmroi.attribution.delta import nested_share_sd
from crmroi.attribution.journeys import build_journeys
from crmroi.attribution.models import ShapleyModel, get
from crmroi.workspace import open_workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace")
    parser.add_argument("--level", default="campaign", choices=("campaign", "workflow"))
    parser.add_argument("--replicates", type=int, default=200)
    args = parser.parse_args()
    print(f"load average at start {os.getloadavg()[0]:.1f}")
    journeys = build_journeys(open_workspace(args.workspace), level=args.level)
    model = get("data_driven")
    assert isinstance(model, ShapleyModel)
    start = time.process_time()
    stats = model.prepare(journeys)
    fit = time.process_time() - start
    assert stats.nesting is not None
    start = time.process_time()
    boot = model.bootstrap(stats, args.replicates, np.random.default_rng(0)).std(axis=0, ddof=1)
    replicates = time.process_time() - start
    start = time.process_time()
    steps = [s for s in stats.nesting.one_steps(model.settings) if s is not None]
    sd = nested_share_sd(stats.nesting, stats.patterns, steps)
    delta = time.process_time() - start
    share = model.allocate(stats).shares()
    kept = (share >= 0.005) & (boot > 0)
    ratio = sd[kept] / boot[kept]
    print(
        "| level | keys | patterns | splits | fit CPU s "
        f"| bootstrap {args.replicates} CPU s | delta CPU s "
        "| SD delta ÷ bootstrap (median, range; keys ≥ 0.5 %) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    print(
        f"| {args.level} | {journeys.n_keys} | {stats.patterns.n_patterns:,} "
        f"| {len(stats.nesting.splits)} | {fit:.2f} | {replicates:.2f} | {delta:.2f} "
        f"| {np.median(ratio):.2f} ({ratio.min():.2f}–{ratio.max():.2f}; {kept.sum()} keys) |"
    )


if __name__ == "__main__":
    main()
