"""Markov-chain attribution with exact removal effects (no simulation).

Journeys are walks of an absorbing Markov chain: start → touch states → (conversion) or (null).
For order k a state is the last k channels (shorter at the start of a journey). Transition
probabilities are the observed transition counts normalised per state (the maximum-likelihood
estimate; Anderl, Becker, von Wangenheim & Schumann 2016, "Mapping the customer journey").

The probability of converting from the start, h(start), solves the linear system
(I − Q) h = r, with Q the transitions among transient states and r the one-step conversion
probabilities (Kemeny & Snell, absorbing chains). The removal effect of channel c is
RE_c = 1 − h_{−c}(start) / h(start), where h_{−c} sends every state containing c to null.
Conversions are credited in proportion to RE_c (``total · RE_c / Σ RE``), value likewise with the
value-weighted system (r_v(s) = conversion value leaving s per visit). ChannelAttribution estimates
the same quantities by simulating paths; here they are solved exactly, once per channel.

Conversions of journeys without touches cannot be removed by any channel: they go to the
``(baseline)`` bucket.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from crmroi.attribution.paths import Journeys
from crmroi.errors import AnalysisError

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

_DENSE_MAX = 1_500
_DENSE_PAIRS = 20_000_000  # (S + 3)² above this: count distinct keys, not every pair


@dataclass(frozen=True, eq=False)
class Transitions:
    """Sufficient statistics of the chain: weighted transition counts between states.

    States: 0 = start, 1..S = touch states, S+1 = conversion, S+2 = null. ``members[s]`` lists
    the channel codes in state s (−1 padded), used to remove a channel.
    """

    n_keys: int
    n_states: int
    source: I64
    target: I64
    count: F64
    value: F64
    members: NDArray[np.int64]
    baseline_conversions: float
    baseline_value: float

    def with_counts(
        self, count: F64, value: F64, base_conv: float, base_value: float
    ) -> Transitions:
        """The same chain with resampled counts (for the bootstrap)."""
        return Transitions(
            self.n_keys,
            self.n_states,
            self.source,
            self.target,
            count,
            value,
            self.members,
            base_conv,
            base_value,
        )


def transitions(journeys: Journeys, order: int = 1) -> Transitions:
    """Count the transitions of the order-``order`` chain over all journeys."""
    if not 1 <= order <= 4:
        raise AnalysisError(f"Markov order must be 1 to 4, not {order}")
    k = journeys.n_keys
    base: NDArray[np.signedinteger[Any]]
    if order == 1:
        unique = np.arange(1, k + 1, dtype=np.int64)
        base = journeys.codes  # the state of a touch is its channel: no array per touch
    else:
        unique, base = _higher_states(journeys, order)
    n_states = int(unique.shape[0])
    width = n_states + 3
    tally = _Tally(n_states, sparse=width * width > _DENSE_PAIRS)
    for a, b in _chunks(journeys.offsets, n_states):
        tally.add(journeys, base, a, b)
    pair, count, value = tally.result()
    return Transitions(
        n_keys=k,
        n_states=n_states,
        source=pair // width,
        target=pair % width,
        count=count,
        value=value,
        members=_decode(unique, k, order),
        baseline_conversions=float(tally.conv[n_states]),
        baseline_value=float(tally.value[n_states]),
    )


def _higher_states(journeys: Journeys, order: int) -> tuple[I64, I64]:
    """Distinct states of an order >= 2 chain (encoded last ``order`` codes) and each touch's."""
    k = journeys.n_keys
    codes = journeys.codes.astype(np.int64)
    pos = journeys.touch_position()
    state = codes + 1
    base = np.int64(k + 1)
    for lag in range(1, order):
        shifted = np.full(codes.shape[0], -1, dtype=np.int64)
        shifted[lag:] = codes[:-lag]
        shifted[pos < lag] = -1
        state = state + (shifted + 1) * base**lag
    unique, inverse = np.unique(state, return_inverse=True)
    return unique, inverse.ravel()


_JOURNEYS_PER_CHUNK = 1 << 16


def _chunks(offsets: I64, n_states: int) -> list[tuple[int, int]]:
    """Journey ranges of ~230k touches: every temporary of a chunk stays in the CPU cache.

    Fresh memory is the cost at scale (first touching a new 70 MB array takes ~0.2 s on a busy
    VM), so no array as long as all touches or all journeys is ever made while counting. A
    chunk has at least S² / 4 journeys, so its S × S count array does not outweigh it.
    """
    n = offsets.shape[0] - 1
    size = max(_JOURNEYS_PER_CHUNK, n_states * n_states // 4)
    return [(a, min(n, a + size)) for a in range(0, n, size)]


class _Tally:
    """Transition counts accumulated chunk by chunk.

    Moves between touch states are counted over all consecutive touches of a chunk with one
    key, ``from * S + to`` (state indices 0..S−1). That includes the pair straddling two
    journeys (last touch → next journey's first touch); straddling pairs are counted again per
    journey and subtracted, in integers, so the counts stay exact. The same per-journey count
    (touch before the journey, its first touch; row S when the chunk starts with the journey)
    gives the start moves. Journeys weighted other than one (aggregated paths) weight each pair
    instead, zero at a journey's first touch. Conversion and null moves are counted per journey
    from its last touch; empty journeys go to the extra bin S, which holds the baseline. A chain
    with too many states for dense ``S × S`` counts (``sparse``) keeps distinct keys per chunk.
    """

    def __init__(self, n_states: int, *, sparse: bool) -> None:
        self.n_states = n_states
        self.sparse = sparse
        square = 0 if sparse else n_states * n_states
        self.pairs = np.zeros(square, dtype=np.int64)
        self.weighted = np.zeros(square)
        self.sparse_parts: list[tuple[NDArray[Any], NDArray[Any]]] = []  # keys, sums
        # (touch before a journey, its first touch), rows 0..S; last bin: empty journeys
        self.edges = np.zeros(0 if sparse else (n_states + 1) * n_states + 1, dtype=np.int64)
        self.start = np.zeros(n_states + 1)
        self.conv = np.zeros(n_states + 1)
        self.null = np.zeros(n_states + 1)
        self.value = np.zeros(n_states + 1)

    def add(self, journeys: Journeys, base: NDArray[np.signedinteger[Any]], a: int, b: int) -> None:
        """Count journeys ``a:b`` (``base``: state index of every touch)."""
        s = self.n_states
        lo, hi = journeys.offsets[a:b], journeys.offsets[a + 1 : b + 1]
        t0, t1 = int(journeys.offsets[a]), int(journeys.offsets[b])
        empty = lo == hi
        conv, null = journeys.conversions[a:b], journeys.nulls[a:b]
        totals = conv + null
        unit = bool((totals == 1.0).all()) and not self.sparse
        if base.shape[0] == 0:  # no touch at all: every journey is empty
            base = np.zeros(1, dtype=base.dtype)
        head = np.take(base, lo, mode="clip")  # of an empty journey: the next one's first touch
        tail = np.take(base, hi - 1, mode="clip")  # of an empty journey: the previous one's last
        last = np.where(empty, np.int64(s), tail)
        self.conv += np.bincount(last, conv, s + 1)
        self.null += np.bincount(last, null, s + 1)
        self.value += np.bincount(last, journeys.value[a:b], s + 1)
        if unit:  # key (touch before the journey, or S: none in the chunk) * S + first touch
            edge = np.empty(b - a, dtype=np.int64)
            edge[1:] = tail[:-1]
            edge[: int(np.searchsorted(lo, t0, side="right"))] = s
            edge *= s
            edge += head
            np.copyto(edge, (s + 1) * s, where=empty)
            self.edges += np.bincount(edge, minlength=self.edges.shape[0])
        else:
            self.start += np.bincount(np.where(empty, s, head), totals, s + 1)
        if t1 - t0 < 2:
            return
        keys = np.multiply(base[t0 : t1 - 1], s, dtype=np.int64 if self.sparse else None)
        keys += base[t0 + 1 : t1]
        if unit:
            self.pairs += np.bincount(keys, minlength=self.pairs.shape[0])
            return
        weight = np.repeat(totals, hi - lo)
        weight[lo[~empty] - t0] = 0.0
        if self.sparse:
            distinct, inverse = np.unique(keys, return_inverse=True)
            self.sparse_parts.append((distinct, np.bincount(inverse.ravel(), weight[1:])))
        else:
            self.weighted += np.bincount(keys, weight[1:], self.weighted.shape[0])

    def result(self) -> tuple[I64, F64, F64]:
        """Keys ``from * (S + 3) + to`` with a positive count, their counts and values."""
        s = self.n_states
        width = s + 3
        start = self.start[:s]
        inner: NDArray[Any]
        if self.sparse:
            keys = np.concatenate([p[0] for p in self.sparse_parts] or [np.zeros(0, np.int64)])
            sums = np.concatenate([p[1] for p in self.sparse_parts] or [np.zeros(0)])
            inner_key, inverse = np.unique(keys, return_inverse=True)
            inner = np.bincount(inverse.ravel(), sums, inner_key.shape[0])
        else:
            edges = self.edges[:-1].reshape(s + 1, s)
            inner = (self.pairs - edges[:s].ravel()) + self.weighted
            inner_key = np.arange(s * s, dtype=np.int64)
            start = start + edges.sum(axis=0)
        states = np.arange(1, s + 1, dtype=np.int64)
        key = np.concatenate(
            [
                states,  # from start (row 0)
                (inner_key // max(s, 1) + 1) * width + inner_key % max(s, 1) + 1,
                states * width + s + 1,
                states * width + s + 2,
            ]
        )
        count = np.concatenate([start, inner, self.conv[:s], self.null[:s]])
        value = np.concatenate([np.zeros(s + inner.shape[0]), self.value[:s], np.zeros(s)])
        keep = count > 0
        key, count, value = key[keep], count[keep], value[keep]
        order = np.argsort(key, kind="stable")
        return key[order], count[order], value[order]


def _decode(unique: I64, k: int, order: int) -> NDArray[np.int64]:
    members = np.full((unique.shape[0] + 1, order), -1, dtype=np.int64)
    rest = unique.copy()
    for lag in range(order):
        members[1:, lag] = rest % (k + 1) - 1
        rest //= k + 1
    return members


def removal_effects(chain: Transitions) -> tuple[F64, F64, float, float]:
    """(RE per channel for conversions, RE for value, P(conversion), E[value]) of the chain."""
    size = chain.n_states + 1
    # self-loops change how long a walk stays, never where it ends: leave them out, so a state
    # whose only observed move is to itself (possible in a bootstrap replicate) ends in null
    moves = chain.source != chain.target
    chain = Transitions(
        chain.n_keys,
        chain.n_states,
        chain.source[moves],
        chain.target[moves],
        chain.count[moves],
        chain.value[moves],
        chain.members,
        chain.baseline_conversions,
        chain.baseline_value,
    )
    transient = chain.target < size
    out = np.bincount(chain.source, weights=chain.count, minlength=size)
    out = np.where(out > 0, out, 1.0)
    to_conv = chain.target == chain.n_states + 1
    reward = np.bincount(chain.source[to_conv], weights=chain.count[to_conv], minlength=size) / out
    reward_v = (
        np.bincount(chain.source[to_conv], weights=chain.value[to_conv], minlength=size) / out
    )
    probability = chain.count[transient] / out[chain.source[transient]]
    src, dst = chain.source[transient], chain.target[transient]
    src, dst, probability = _drop_trapped(size, src, dst, probability)
    both = np.column_stack([reward, reward_v])
    members = chain.members
    if size <= _DENSE_MAX:
        return _effects_dense(size, src, dst, probability, both, members, chain.n_keys)
    q = sp.csr_matrix((probability, (src, dst)), shape=(size, size))
    full = _solve(sp.identity(size, format="csr") - q, both)[0]
    effects = np.zeros((chain.n_keys, 2))
    for channel in range(chain.n_keys):
        removed = (members == channel).any(axis=1)
        if not removed.any():
            continue
        keep = sp.diags((~removed).astype(np.float64))
        solved = _solve(sp.identity(size, format="csr") - keep @ q, both * (~removed)[:, None])[0]
        effects[channel] = _ratio(solved, full)
    return effects[:, 0], effects[:, 1], float(full[0]), float(full[1])


def _drop_trapped(size: int, src: I64, dst: I64, probability: F64) -> tuple[I64, I64, F64]:
    """Cut the moves of states that can never leave the transient states.

    A bootstrap replicate (or a sparse higher-order chain) can keep a cycle such as A→B→A whose
    exits were all resampled away; I − Q is then singular. Such walks never convert, so their
    states are sent to null, which is what the observed data say about them.
    """
    moved = probability > 0  # a move resampled to zero count is no way out
    src, dst, probability = src[moved], dst[moved], probability[moved]
    leaves = np.bincount(src, weights=probability, minlength=size) < 1.0 - 1e-12
    exits = leaves.copy()
    while True:  # states that can reach a state with an exit, by reverse reachability
        grown = exits.copy()
        grown[src[exits[dst]]] = True
        if (grown == exits).all():
            break
        exits = grown
    keep = exits[src]
    return src[keep], dst[keep], probability[keep]


def _effects_dense(
    size: int,
    src: I64,
    dst: I64,
    probability: F64,
    both: F64,
    members: NDArray[np.int64],
    n_keys: int,
) -> tuple[F64, F64, float, float]:
    """The same removal effects from one inverse: small chains, e.g. every bootstrap replicate.

    With N = (I − Q)⁻¹ and h = N r, removing the states R of a channel gives
    h₋(start) = h(start) − N[start, R] N[R, R]⁻¹ h(R): a walk that reaches R first enters it
    at some state of R (with the probabilities N[start, R] N[R, R]⁻¹) and would have converted
    from there with h(R). This is the exact solution of the removed chain's system (the
    identity is checked against it in the tests); an order-1 chain removes one state per
    channel, so every channel's effect is one division.
    """
    q = np.bincount(src * size + dst, weights=probability, minlength=size * size)
    fundamental = np.linalg.inv(np.eye(size) - q.reshape(size, size))
    h = fundamental @ both
    full = h[0]
    effects = np.zeros((n_keys, 2))
    channel = members[:, 0]
    if members.shape[1] == 1:  # order 1: state s ≥ 1 is channel members[s, 0] alone
        states = np.arange(1, size)
        lost = fundamental[0, states, None] * h[states] / np.diag(fundamental)[states, None]
        effects[channel[states]] = lost
    else:
        for key in range(n_keys):
            removed = np.flatnonzero((members == key).any(axis=1))
            if removed.shape[0]:
                entry = np.linalg.solve(fundamental[np.ix_(removed, removed)], h[removed])
                effects[key] = fundamental[0, removed] @ entry
    with np.errstate(divide="ignore", invalid="ignore"):
        effects = np.where(full > 0, effects / full, 0.0)
    return effects[:, 0], effects[:, 1], float(full[0]), float(full[1])


def _ratio(solved: F64, full: F64) -> F64:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(full > 0, 1.0 - solved / full, 0.0), dtype=np.float64)


def _solve(system: sp.csr_matrix, rhs: F64) -> F64:
    if system.shape[0] <= _DENSE_MAX:
        return np.asarray(np.linalg.solve(system.toarray(), rhs))
    from scipy.sparse.linalg import splu  # large chains only: not imported at start-up

    return np.asarray(splu(system.tocsc()).solve(rhs))


def allocate(chain: Transitions) -> tuple[F64, F64]:
    """Conversions and value per channel plus the baseline bucket (last entry)."""
    effect, effect_v, _, _ = removal_effects(chain)
    to_conv = chain.target == chain.n_states + 1
    total = float(chain.count[to_conv].sum())
    total_v = float(chain.value[to_conv].sum())
    conversions = _spread(effect, total)
    value = _spread(effect_v, total_v)
    return (
        np.append(conversions, chain.baseline_conversions),
        np.append(value, chain.baseline_value),
    )


def _spread(effect: F64, total: float) -> F64:
    positive = np.maximum(effect, 0.0)
    mass = positive.sum()
    return positive / mass * total if mass > 0 else np.zeros_like(effect)


def poisson_resample(chain: Transitions, rng: np.random.Generator) -> Transitions:
    """One Poisson bootstrap replicate of the transition counts (sampling only).

    Transition counts are resampled independently, which ignores that the transitions of one
    journey travel together: an approximation that is labelled as such in the results.
    """
    count = rng.poisson(chain.count).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(chain.count > 0, chain.value / chain.count, 0.0) * count
    base = float(rng.poisson(chain.baseline_conversions))
    mean = chain.baseline_value / chain.baseline_conversions if chain.baseline_conversions else 0.0
    return chain.with_counts(count, value, base, base * mean)
