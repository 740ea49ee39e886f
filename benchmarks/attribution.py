"""Attribution speed and memory at 1M, 5M and 20M journeys (~3.5 touches each).

Usage: python benchmarks/attribution.py [SIZES ...] [--reference-max N]
(default sizes 1000000 5000000 20000000; ChannelAttribution runs up to --reference-max journeys,
default 20M). Prints, per size, wall time, CPU time and peak memory of

* crmroi's rule-based set (all ten rules: table per rule, no intervals),
* crmroi ``markov`` alone (order 1, exact removal effects, no intervals): the counterpart of
  the reference below,
* crmroi ``markov`` + ``data_driven`` with 200 bootstrap replicates each,
* ChannelAttribution 2.2.5 ``markov_model`` (order 1, its default simulation) on the same
  journeys aggregated to distinct paths (the only input it takes), if it is installed.

Memory, two figures per step, both as the OS counts resident memory (Linux /proc/self/status).
"RSS peak": the process's high-water mark during the step (VmHWM, reset before each step), so
the journeys held, what earlier steps cached, interpreter and libraries included; the goal
"peak memory <= 4 GB" is about this figure. "Own peak": how far the step pushed the process's
resident memory above where it started (RSS peak minus RSS before the step); a step that
reuses memory freed by an earlier one counts less than it allocated. The simulation is measured
as a step too, and the size of the journeys' arrays is printed. The last lines give the highest
RSS peak of the run (the process's overall peak) and the load average.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from crmroi.attribution import attribute_journeys
from crmroi.attribution.models import get
from crmroi.attribution.paths import Journeys
from crmroi.attribution.rules import RULES
from crmroi.attribution.worlds import simulate

_RESET_HWM = Path("/proc/self/clear_refs")
_STATUS = Path("/proc/self/status")
_CHUNK = 2_000_000


class Figures(NamedTuple):
    """One step's measurements."""

    wall: float
    cpu: float
    own_peak: float
    rss_peak: float
    result: Any


def _status_gb(field: str) -> float:
    """A memory line of /proc/self/status (VmRSS, VmHWM) in GB, NaN where there is none."""
    if _STATUS.exists():
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024 / 1e9
    return float("nan")


def measure(step: Callable[[], Any]) -> Figures:
    """Wall and CPU seconds, own peak GB and RSS peak GB of one step.

    CPU seconds (user + system of this process) are reported beside wall time because the
    machine is shared: under load, wall time stretches while CPU time does not. Memory is read
    from the OS, not traced: tracing NumPy's allocations added a third to the rules' time.
    """
    gc.collect()
    before = _status_gb("VmRSS")
    if _RESET_HWM.exists():
        _RESET_HWM.write_text("5")  # a new high-water mark (VmHWM), Linux >= 4.0
    start, cpu = time.perf_counter(), time.process_time()
    result = step()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = _status_gb("VmHWM")
    return Figures(seconds, cpu, peak - before, peak, result)


def rules_step(journeys: Journeys) -> None:
    for rule_id in RULES:
        model = get(rule_id)
        model.allocate(model.prepare(journeys))


def markov_step(journeys: Journeys) -> object:
    return attribute_journeys(journeys, models=("markov",), bootstrap=0)


def data_driven_step(journeys: Journeys) -> object:
    return attribute_journeys(journeys, models=("markov", "data_driven"), bootstrap=200)


def aggregate_paths(journeys: Journeys) -> pd.DataFrame:
    """Distinct paths as 'a > b > c' strings with conversions, value and nulls (reference input).

    Journeys are grouped by a 64-bit hash of their channel sequence, 2M journeys at a time (so
    the temporaries stay in the tens of MB), and only the distinct paths become strings.
    """
    weights = np.random.default_rng(0).integers(1, 2**61, size=64)
    n = journeys.n_journeys
    parts = [_chunk_paths(journeys, i, min(n, i + _CHUNK), weights) for i in range(0, n, _CHUNK)]
    tags = np.concatenate([p[0] for p in parts])
    _, first, inverse = np.unique(tags, return_index=True, return_inverse=True)
    rows = np.concatenate([p[1] for p in parts])[first]
    sums = np.concatenate([p[2] for p in parts], axis=1)
    names = np.array(journeys.keys, dtype=object)
    offsets, codes = journeys.offsets, journeys.codes
    paths = [" > ".join(names[codes[offsets[r] : offsets[r + 1]]]) for r in rows]
    columns = ("total_conversions", "total_conversion_value", "total_null")
    totals = {c: np.bincount(inverse, sums[i], first.shape[0]) for i, c in enumerate(columns)}
    return pd.DataFrame({"path": paths, **totals})


def _chunk_paths(
    journeys: Journeys, start: int, stop: int, weights: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Distinct path hashes of journeys start:stop, a journey of each, and their totals."""
    lengths = np.diff(journeys.offsets[start : stop + 1])
    keep = lengths > 0
    if not keep.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((3, 0))
    lo, hi = journeys.offsets[start], journeys.offsets[stop]
    first_touch = journeys.offsets[start:stop] - lo
    pos = np.arange(hi - lo) - np.repeat(first_touch, lengths)
    # integer overflow wraps: this is a hash, as in patterns.py
    mix = (journeys.codes[lo:hi].astype(np.int64) + 1) * weights[pos % 64]
    tag = np.add.reduceat(mix, first_touch[keep]) * 64 + np.minimum(lengths[keep], 63)
    unique, first, inverse = np.unique(tag, return_index=True, return_inverse=True)
    amounts = (journeys.conversions, journeys.value, journeys.nulls)
    sums = [np.bincount(inverse, a[start:stop][keep], unique.shape[0]) for a in amounts]
    return unique, np.flatnonzero(keep)[first] + start, np.stack(sums)


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
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| journeys | touches | step | wall s | CPU s | own peak GB | RSS peak GB |")
    print("|---|---|---|---|---|---|---|")
    overall = max(run_size(n, have_reference and n <= args.reference_max) for n in args.sizes)
    print(f"process peak RSS over the whole run (highest step): {overall:.2f} GB")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def run_size(n: int, reference: bool) -> float:
    """Print the rows of one size; return the highest RSS peak among them."""
    peaks: list[float] = []
    simulated = measure(lambda: simulate("noisy_or", n, seed=0, truth=False).journeys)
    journeys: Journeys = simulated.result
    touches = journeys.codes.shape[0]

    def row(label: str, figures: Figures) -> None:
        wall, cpu, own, rss = figures[:4]
        peaks.append(rss)
        print(
            f"| {n:,} | {touches:,} | {label} | {wall:.2f} | {cpu:.2f} | {own:.2f} | {rss:.2f} |",
            flush=True,
        )

    row(f"(simulate; the journeys hold {held_gb(journeys):.2f} GB)", simulated)
    row("crmroi rule-based set (10 rules)", measure(lambda: rules_step(journeys)))
    row("crmroi markov alone (no intervals)", measure(lambda: markov_step(journeys)))
    row(
        "crmroi markov + data_driven, 200 bootstrap each",
        measure(lambda: data_driven_step(journeys)),
    )
    if reference:
        aggregated = measure(lambda: aggregate_paths(journeys))
        paths = aggregated.result
        row(f"(aggregate to {len(paths):,} distinct path strings for the reference)", aggregated)
        row("ChannelAttribution markov_model (order 1)", measure(lambda: reference_step(paths)))
    return max(peaks)


def held_gb(journeys: Journeys) -> float:
    """Bytes of the journeys' arrays (what every step starts from)."""
    arrays = (journeys.offsets, journeys.codes, journeys.conversions, journeys.nulls)
    extra = (journeys.value, journeys.days, journeys.lead_pos, journeys.opp_pos)
    return sum(a.nbytes for a in (*arrays, *extra) if a is not None) / 1e9


if __name__ == "__main__":
    main()
