"""Removal effects from one inverse equal the removed chain solved on its own."""

from __future__ import annotations

import numpy as np
import pytest

from crmroi.attribution.markov import _effects_dense


def _removed_directly(
    q: np.ndarray, reward: np.ndarray, members: np.ndarray, n_keys: int
) -> np.ndarray:
    """Each channel's states sent to null and the chain's system solved again (the definition)."""
    size = q.shape[0]
    full = np.linalg.solve(np.eye(size) - q, reward)[0]
    effects = np.zeros((n_keys, reward.shape[1]))
    for key in range(n_keys):
        kept = (~(members == key).any(axis=1)).astype(float)[:, None]
        removed = np.linalg.solve(np.eye(size) - kept * q, reward * kept)[0]
        effects[key] = 1 - removed / full
    return effects


def _random_chain(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Transient moves and conversion rewards of a chain where every state can leave."""
    q = rng.random((size, size)) * (rng.random((size, size)) < 0.4)
    np.fill_diagonal(q, 0.0)
    exits = rng.uniform(0.1, 0.5, size)
    q *= ((1 - exits) / np.maximum(q.sum(axis=1), 1e-12))[:, None]
    reward = np.column_stack([exits * rng.uniform(0.1, 0.9, size), rng.uniform(0, 50, size)])
    reward[:, 1] *= reward[:, 0]
    return q, reward


@pytest.mark.parametrize("order", [1, 2])
def test_effects_from_one_inverse_match_the_removed_chains(order: int) -> None:
    """Order 1: state s is channel s − 1; order 2: states hold two channels (−1: none)."""
    rng = np.random.default_rng(order)
    n_keys = 5
    if order == 1:
        members = np.arange(-1, n_keys)[:, None]
    else:
        pairs = [(-1, -1)] + [(a, b) for a in range(n_keys) for b in range(-1, n_keys) if a != b]
        members = np.array(pairs[:18])
    size = members.shape[0]
    q, reward = _random_chain(rng, size)
    src, dst = np.nonzero(q)
    conv, value, p_full, v_full = _effects_dense(
        size, src, dst, q[src, dst], reward, members, n_keys
    )
    expected = _removed_directly(q, reward, members, n_keys)
    assert conv == pytest.approx(expected[:, 0], rel=1e-10, abs=1e-12)
    assert value == pytest.approx(expected[:, 1], rel=1e-10, abs=1e-12)
    assert p_full == pytest.approx(np.linalg.solve(np.eye(size) - q, reward)[0, 0])
    assert v_full == pytest.approx(np.linalg.solve(np.eye(size) - q, reward)[0, 1])
