"""Attribution speed and memory at 1M, 5M and 20M journeys (~3.5 touches each).

Usage: python benchmarks/attribution.py [SIZES ...] [--reference-max N]
(default sizes 1000000 5000000 20000000; ChannelAttribution runs up to --reference-max journeys,
default 20M). Prints, per size, wall time and peak memory of

* crmroi's rule-based set (all ten rules: table per rule, no intervals),
* crmroi ``markov`` + ``data_driven`` with 200 bootstrap replicates each,
* ChannelAttribution 2.2.5 ``markov_model`` (order 1, its default simulation) on the same
  journeys aggregated to distinct paths (the only input it takes), if it is installed.

Peak memory: the tracemalloc peak of NumPy/Python allocations during the step (on top of the
journeys already in memory), and the process's peak RSS at the end of the step.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import time
import tracemalloc
from collections.abc import Callable
from contextlib import redirect_stdout
from typing import Any

import numpy as np
import pandas as pd

from crmroi.attribution import attribute_journeys
from crmroi.attribution.models import get
from crmroi.attribution.paths import Journeys
from crmroi.attribution.rules import RULES
from crmroi.attribution.worlds import simulate


def measure(step: Callable[[], Any]) -> tuple[float, float, float, float, Any]:
    """(wall seconds, CPU seconds, tracemalloc peak GB, process peak RSS GB, result).

    CPU seconds (user + system of this process) are reported beside wall time because the
    machine is shared: under load, wall time stretches while CPU time does not.
    """
    tracemalloc.start()
    tracemalloc.reset_peak()
    start, cpu = time.perf_counter(), time.process_time()
    result = step()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] / 1e9
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    return seconds, cpu, peak, rss, result


def rules_step(journeys: Journeys) -> None:
    for rule_id in RULES:
        model = get(rule_id)
        model.allocate(model.prepare(journeys))


def data_driven_step(journeys: Journeys) -> object:
    return attribute_journeys(journeys, models=("markov", "data_driven"), bootstrap=200)


def aggregate_paths(journeys: Journeys) -> pd.DataFrame:
    """Distinct paths as 'a > b > c' strings with conversions, value and nulls (reference input)."""
    lengths = journeys.lengths
    keep = lengths > 0
    weights = np.random.default_rng(0).integers(1, 2**61, size=64)
    pos = journeys.touch_position() % 64
    mix = (journeys.codes.astype(np.int64) + 1) * weights[pos]
    tag = np.zeros(journeys.n_journeys, dtype=np.int64)
    tag[keep] = np.add.reduceat(mix, journeys.offsets[:-1][keep])
    tag = tag * 64 + np.minimum(lengths, 63)
    unique, first, inverse = np.unique(tag[keep], return_index=True, return_inverse=True)
    rows = np.flatnonzero(keep)[first]
    names = np.array(journeys.keys, dtype=object)
    paths = [
        " > ".join(names[journeys.codes[journeys.offsets[r] : journeys.offsets[r + 1]]])
        for r in rows
    ]
    size = unique.shape[0]
    return pd.DataFrame(
        {
            "path": paths,
            "total_conversions": np.bincount(inverse, journeys.conversions[keep], size),
            "total_conversion_value": np.bincount(inverse, journeys.value[keep], size),
            "total_null": np.bincount(inverse, journeys.nulls[keep], size),
        }
    )


def reference_step(paths: pd.DataFrame) -> object:
    os.environ.setdefault("MPLBACKEND", "Agg")
    import ChannelAttribution as ca  # noqa: N813

    with redirect_stdout(io.StringIO()):
        return ca.markov_model(
            paths,
            "path",
            "total_conversions",
            var_value="total_conversion_value",
            var_null="total_null",
            verbose=0,
            flg_pro=False,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000_000, 5_000_000, 20_000_000])
    parser.add_argument("--reference-max", type=int, default=20_000_000)
    args = parser.parse_args()
    try:
        with redirect_stdout(io.StringIO()):
            import ChannelAttribution  # noqa: F401
        have_reference = True
    except ImportError:
        have_reference = False
    print(f"cores: {os.cpu_count()}, ChannelAttribution installed: {have_reference}")
    print("| journeys | touches | step | wall s | CPU s | step peak GB | process peak RSS GB |")
    print("|---|---|---|---|---|---|---|")
    for n in args.sizes:
        run_size(n, have_reference and n <= args.reference_max)


def run_size(n: int, reference: bool) -> None:
    journeys = simulate("noisy_or", n, seed=0, truth=False).journeys
    touches = journeys.codes.shape[0]

    def row(label: str, figures: tuple[float, float, float, float, Any]) -> None:
        wall, cpu, peak, rss, _ = figures
        print(
            f"| {n:,} | {touches:,} | {label} | {wall:.2f} | {cpu:.2f} | {peak:.2f} | {rss:.2f} |",
            flush=True,
        )

    row("crmroi rule-based set (10 rules)", measure(lambda: rules_step(journeys)))
    row(
        "crmroi markov + data_driven, 200 bootstrap each",
        measure(lambda: data_driven_step(journeys)),
    )
    if reference:
        aggregated = measure(lambda: aggregate_paths(journeys))
        paths = aggregated[-1]
        row(f"(aggregate to {len(paths):,} distinct path strings for the reference)", aggregated)
        row("ChannelAttribution markov_model (order 1)", measure(lambda: reference_step(paths)))


if __name__ == "__main__":
    main()
