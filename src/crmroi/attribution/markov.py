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
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

from crmroi.attribution.paths import Journeys
from crmroi.errors import AnalysisError

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

_DENSE_MAX = 1_500


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
    if order == 1:
        unique = np.arange(1, k + 1, dtype=np.int64)
        state_id: NDArray[np.int64] | NDArray[np.int32] = journeys.codes + np.int32(1)
    else:
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
        state_id = inverse.ravel() + 1
    n_states = int(unique.shape[0])
    width = n_states + 3
    # small chains fit int32 keys: half the memory traffic over tens of millions of touches
    key_type: type[np.signedinteger[Any]] = np.int32 if width * width < 2**31 else np.int64
    previous: NDArray[np.signedinteger[Any]] = np.empty(state_id.shape[0], dtype=key_type)
    previous[1:] = state_id[:-1]
    previous[journeys.offsets[:-1][journeys.lengths > 0]] = 0
    nonempty = journeys.lengths > 0
    last_state = state_id[journeys.offsets[1:][nonempty] - 1].astype(np.int64)
    totals = journeys.conversions + journeys.nulls
    unit = bool(np.all(totals == 1.0))
    weight = None if unit else totals[journeys.touch_journey()]
    conv, null = journeys.conversions[nonempty], journeys.nulls[nonempty]
    np.multiply(previous, width, out=previous)
    np.add(previous, state_id.astype(key_type, copy=False), out=previous)
    del state_id  # 4 bytes per touch given back before counting
    key_inner = previous
    key_conv = last_state * width + n_states + 1
    key_null = last_state * width + n_states + 2
    if width * width <= 20_000_000:
        size = width * width
        count: NDArray[Any] = (
            _count(key_inner, weight, size)
            + np.bincount(key_conv, weights=conv, minlength=size)
            + np.bincount(key_null, weights=null, minlength=size)
        )
        value = np.bincount(key_conv, weights=journeys.value[nonempty], minlength=size)
        pair = np.flatnonzero(count > 0)
        count, value = count[pair], value[pair]
    else:
        keys = np.concatenate([key_inner, key_conv, key_null])
        pair, inverse = np.unique(keys, return_inverse=True)
        inverse = inverse.ravel()
        count = np.bincount(
            inverse,
            weights=np.concatenate(
                [np.ones(key_inner.shape[0]) if weight is None else weight, conv, null]
            ),
            minlength=pair.shape[0],
        )
        value = np.bincount(
            inverse[key_inner.shape[0] : key_inner.shape[0] + key_conv.shape[0]],
            weights=journeys.value[nonempty],
            minlength=pair.shape[0],
        )
    return Transitions(
        n_keys=k,
        n_states=n_states,
        source=pair // width,
        target=pair % width,
        count=np.asarray(count, dtype=np.float64),
        value=np.asarray(value, dtype=np.float64),
        members=_decode(unique, k, order),
        baseline_conversions=float(journeys.conversions[~nonempty].sum()),
        baseline_value=float(journeys.value[~nonempty].sum()),
    )


_SLICE = 1 << 23


def _count(keys: NDArray[np.signedinteger[Any]], weight: F64 | None, size: int) -> F64:
    """``bincount`` in slices: it casts its input to int64, 560 MB for 70M int32 keys at once."""
    out = np.zeros(size)
    for start in range(0, keys.shape[0], _SLICE):
        part = slice(start, start + _SLICE)
        out += np.bincount(keys[part], None if weight is None else weight[part], size)
    return out


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
    """The same solves with dense matrices: small chains, e.g. every bootstrap replicate."""
    q = np.bincount(src * size + dst, weights=probability, minlength=size * size)
    q = q.reshape(size, size)
    identity = np.eye(size)
    full = np.linalg.solve(identity - q, both)[0]
    effects = np.zeros((n_keys, 2))
    for channel in range(n_keys):
        removed = (members == channel).any(axis=1)
        if not removed.any():
            continue
        kept = (~removed).astype(np.float64)[:, None]
        solved = np.linalg.solve(identity - kept * q, both * kept)[0]
        effects[channel] = _ratio(solved, full)
    return effects[:, 0], effects[:, 1], float(full[0]), float(full[1])


def _ratio(solved: F64, full: F64) -> F64:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(full > 0, 1.0 - solved / full, 0.0), dtype=np.float64)


def _solve(system: sp.csr_matrix, rhs: F64) -> F64:
    if system.shape[0] <= _DENSE_MAX:
        return np.asarray(np.linalg.solve(system.toarray(), rhs))
    return np.asarray(spla.splu(system.tocsc()).solve(rhs))


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
