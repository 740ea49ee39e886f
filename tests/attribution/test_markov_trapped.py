"""Markov chains whose resampled transitions trap walks in a cycle stay solvable."""

from __future__ import annotations

import numpy as np

from crmroi.attribution.markov import _drop_trapped


def test_cycles_without_exit_are_cut_and_zero_moves_are_no_exit() -> None:
    """States: 0 start → 1 (p 0.5, the rest converts); 1 → 2 → 3 → 2 is a closed cycle.

    A zero-probability move 3 → 0 (a transition resampled to count 0) must not count as a
    way out, so 1, 2 and 3 all lose their moves; only 0 → 1 stays.
    """
    src = np.array([0, 1, 2, 3, 3])
    dst = np.array([1, 2, 3, 2, 0])
    probability = np.array([0.5, 1.0, 1.0, 1.0, 0.0])
    kept_src, kept_dst, kept_p = _drop_trapped(5, src, dst, probability)
    assert kept_src.tolist() == [0] and kept_dst.tolist() == [1] and kept_p.tolist() == [0.5]
    size = 5
    q = np.zeros((size, size))
    q[kept_src, kept_dst] = kept_p
    assert np.linalg.matrix_rank(np.eye(size) - q) == size


def test_states_that_reach_an_exit_keep_their_moves() -> None:
    src = np.array([0, 1, 2])
    dst = np.array([1, 2, 1])
    probability = np.array([1.0, 1.0, 0.4])  # 2 exits with 0.6, so 1 → 2 → exit is open
    kept_src, _, _ = _drop_trapped(4, src, dst, probability)
    assert kept_src.tolist() == [0, 1, 2]
