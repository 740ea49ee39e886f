"""Markov transition counts equal a plain per-journey count, however the journeys are chunked.

``markov.transitions`` counts in chunks of journeys with pairs that straddle journeys subtracted
again (see ``_Tally``); this checks it against the definition, journey by journey, including
empty journeys (at the start, end and between others), repeated channels, weighted journeys
and the sparse counting used for very large chains.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from numpy.typing import NDArray

from crmroi.attribution import markov
from crmroi.attribution.paths import Journeys, from_sequences

Counts = dict[tuple[int, int], tuple[float, float]]


def _journeys(seed: int, weighted: bool) -> Journeys:
    rng = np.random.default_rng(seed)
    n = 60
    lengths = rng.integers(0, 7, size=n)
    lengths[[0, 1, 30, 31, 32, n - 1]] = 0  # empty runs at the start, middle and end
    sequences = [[str(c) for c in rng.choice(list("abcd"), size=int(m))] for m in lengths]
    conversions = rng.integers(0, 2, size=n).astype(np.float64)
    nulls = 1.0 - conversions
    if weighted:  # aggregated paths: any counts, fractions included
        conversions = rng.integers(0, 4, size=n) * rng.choice([1.0, 0.25], size=n)
        nulls = rng.integers(0, 3, size=n) * rng.choice([1.0, 0.5], size=n)
    value = conversions * rng.gamma(2.0, 50.0, size=n)
    return from_sequences(sequences, conversions, nulls, value)


def _reference(journeys: Journeys, chain: markov.Transitions, order: int) -> Counts:
    """Count every move of every journey by the definition of the order-``order`` chain."""
    index = {tuple(int(c) for c in row): s for s, row in enumerate(chain.members) if s > 0}
    conversion, null = chain.n_states + 1, chain.n_states + 2
    counts: defaultdict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for j in range(journeys.n_journeys):
        codes = journeys.codes[journeys.offsets[j] : journeys.offsets[j + 1]].tolist()
        if not codes:
            continue
        total = journeys.conversions[j] + journeys.nulls[j]
        states = [
            index[tuple(codes[i - lag] if i >= lag else -1 for lag in range(order))]
            for i in range(len(codes))
        ]
        for before, after in zip([0, *states], states, strict=False):
            counts[before, after][0] += total
        counts[states[-1], conversion][0] += journeys.conversions[j]
        counts[states[-1], conversion][1] += journeys.value[j]
        counts[states[-1], null][0] += journeys.nulls[j]
    return {move: (c, v) for move, (c, v) in counts.items() if c > 0}


def _counted(chain: markov.Transitions) -> Counts:
    moves = zip(chain.source.tolist(), chain.target.tolist(), strict=True)
    return {move: (c, v) for move, c, v in zip(moves, chain.count, chain.value, strict=True)}


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("chunk", [1, 2, 7, 1 << 16])
@pytest.mark.parametrize("sparse", [False, True])
def test_counts_match_a_per_journey_count(
    monkeypatch: pytest.MonkeyPatch, order: int, weighted: bool, chunk: int, sparse: bool
) -> None:
    def chunks(offsets: NDArray[np.int64], n_states: int) -> list[tuple[int, int]]:
        n = offsets.shape[0] - 1
        return [(a, min(n, a + chunk)) for a in range(0, n, chunk)]

    monkeypatch.setattr(markov, "_chunks", chunks)
    if sparse:
        monkeypatch.setattr(markov, "_DENSE_PAIRS", 0)
    for seed in range(3):
        journeys = _journeys(seed, weighted)
        chain = markov.transitions(journeys, order)
        expected = _reference(journeys, chain, order)
        got = _counted(chain)
        assert got.keys() == expected.keys()
        for move, (count, value) in expected.items():
            assert got[move] == pytest.approx((count, value), rel=1e-12, abs=1e-12)
        empty = journeys.lengths == 0
        assert chain.baseline_conversions == pytest.approx(journeys.conversions[empty].sum())
        assert chain.baseline_value == pytest.approx(journeys.value[empty].sum())
        assert (np.diff(chain.source * (chain.n_states + 3) + chain.target) > 0).all()


def test_journeys_without_any_touch() -> None:
    journeys = from_sequences([[], []], [1.0, 0.0], [0.0, 1.0], [5.0, 0.0])
    chain = markov.transitions(journeys, 1)
    assert chain.n_states == 0 and chain.count.shape == (0,)
    assert (chain.baseline_conversions, chain.baseline_value) == (1.0, 5.0)
