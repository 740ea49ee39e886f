"""Shapley attribution: split each journey's conversion over the channels it touched.

For a journey with channel set S and a value function v on the subsets of S, channel i gets

    φ_i = Σ_{T ⊆ S∖{i}} |T|! (|S|−|T|−1)! / |S|! · (v(T ∪ {i}) − v(T))      (Shapley 1953)

and v(∅) stays a baseline: φ_i + … + v(∅) = v(S). A converted journey is credited φ_i / v(S) to
channel i and v(∅) / v(S) to the ``(baseline)`` bucket. The sum runs over the 2^|S| subsets of
the journey's own channels (exact up to ``EXACT_MAX`` channels in one journey, Monte Carlo over
permutations beyond), so the total number of channels K can be large.

Three value functions:

* ``shapley_simplified`` (Zhao, Mahboobi & Bagheri 2018, "Shapley value methods for attribution
  modeling in online advertising", eq. 9): v(T) = conversions of journeys whose set is inside T;
  the Shapley value then reduces to an equal split over the distinct channels, baseline 0.
* ``shapley_empirical``: v(T) = conversion rate of the journeys whose channel set is exactly T,
  for every observed set (no truncation to top channels); an unobserved T takes the best rate of
  its subsets (monotone closure). v(∅) is the rate of untouched journeys (0 if there are none).
* ``data_driven``: v = the fitted conversion model of ``conversion_model.py`` evaluated on the
  journey's own touch counts with other channels switched off. Negative Shapley values (and a
  negative v(∅)) are set to 0 before the journey's fractions are formed, so every credit lies in
  [0, 1] of the deal: a linear v fitted far from a journey's data can dip below 0, and dividing
  by such a v(S) would give unbounded credit. On the validation worlds this moves the error by
  at most 0.3 share points (docs/attribution.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import numpy as np
from numpy.typing import NDArray

from crmroi.attribution.conversion_model import ConversionModel
from crmroi.attribution.patterns import Patterns
from crmroi.attribution.shapley_map import ShapleyMap

F64 = NDArray[np.float64]

EXACT_MAX = 16
"""Journeys with more distinct channels than this are valued by sampled permutations."""
PERMUTATIONS = 2_000
_CELLS = 4_000_000  # patterns x subsets per block, bounds memory


@dataclass(frozen=True, eq=False)
class PatternCredit:
    """Fraction of each pattern's conversion per member (aligned with ``Patterns.codes``)."""

    member: F64
    baseline: F64


def _bits(s: int) -> NDArray[np.float64]:
    masks = np.arange(1 << s)
    return ((masks[:, None] >> np.arange(s)) & 1).astype(np.float64)


def _weights(s: int) -> F64:
    popcount = _bits(s).sum(axis=1).astype(int)
    table = np.array([factorial(t) * factorial(s - t - 1) / factorial(s) for t in range(s)])
    return np.asarray(table[np.minimum(popcount, s - 1)], dtype=np.float64)


def lattice_shapley(values: F64, s: int) -> F64:
    """Shapley values (P, s) from lattice values (P, 2^s) indexed by member bit masks."""
    masks = np.arange(1 << s)
    weights = _weights(s)
    phi = np.empty((values.shape[0], s))
    for i in range(s):
        without = masks[((masks >> i) & 1) == 0]
        phi[:, i] = (values[:, without | (1 << i)] - values[:, without]) @ weights[without]
    return phi


def _groups(patterns: Patterns) -> list[tuple[int, NDArray[np.int64]]]:
    sizes = patterns.sizes
    return [(int(s), np.flatnonzero(sizes == s)) for s in np.unique(sizes) if s > 0]


def _finish(
    patterns: Patterns, member_phi: F64, empty: F64, total: F64, *, clip: bool = False
) -> PatternCredit:
    """Turn Shapley values and v(∅), v(S) per pattern into fractions summing to 1.

    With ``clip`` negative parts are set to 0 before dividing by what is left: a fitted v that
    dips below 0 somewhere on a journey's lattice (a linear model far from its data) would
    otherwise give unbounded fractions. In a world the model fits, the clipped parts are noise
    around 0 and the result is unchanged.
    """
    if clip:
        member_phi = np.maximum(member_phi, 0.0)
        empty = np.maximum(empty, 0.0)
        rows = np.repeat(np.arange(patterns.n_patterns), patterns.sizes)
        total = empty + np.bincount(rows, member_phi, patterns.n_patterns)
    safe = np.where(np.abs(total) > 1e-15, total, np.nan)
    baseline = np.where(patterns.sizes == 0, 1.0, empty / safe)
    member = member_phi / np.repeat(safe, patterns.sizes)
    # a pattern whose fitted v(S) is 0 has no information: equal split, no baseline
    flat = np.isnan(baseline)
    baseline = np.where(flat, 0.0, baseline)
    equal = 1.0 / np.repeat(np.maximum(patterns.sizes, 1), patterns.sizes)
    member = np.where(np.isnan(member), equal, member)
    return PatternCredit(member=member, baseline=baseline)


def simplified(patterns: Patterns) -> PatternCredit:
    """Equal split over the distinct channels of each journey (Zhao et al. 2018)."""
    sizes = patterns.sizes
    member = 1.0 / np.repeat(np.maximum(sizes, 1), sizes).astype(np.float64)
    return PatternCredit(member=member, baseline=(sizes == 0).astype(np.float64))


def model_driven(patterns: Patterns, model: ConversionModel, *, clip: bool = True) -> PatternCredit:
    """Shapley values of the fitted conversion model on every pattern's own lattice.

    For the identity link on the patterns it was fitted on, the closed form is applied on the
    fit's design (``shapley_map``); v(S) = v(∅) + Σ φ there, the efficiency of Shapley values.
    """
    basis = model.fitted_on
    if model.link == "identity" and basis is not None and basis.serves(patterns, model.pair_keys):
        return _on_design(patterns, model, ShapleyMap.of(basis), clip)
    phi = np.zeros(patterns.codes.shape[0])
    link = model.inverse_link
    empty = np.full(patterns.n_patterns, float(link(np.array(model.intercept))))
    total = empty.copy()
    for s, which in _groups(patterns):
        idx = patterns.offsets[which][:, None] + np.arange(s)
        codes, counts = patterns.codes[idx], patterns.counts[idx]
        main = model.member_effect(codes, counts)
        pair = model.pair[codes[:, :, None], codes[:, None, :]]
        if model.link == "identity":
            # v is linear with pairwise terms: φ_i = m_i + ½ Σ_j g_ij exactly (the lattice sum
            # gives the same; this is its closed form, cheap enough for every bootstrap replicate)
            phi[idx] = main + 0.5 * pair.sum(axis=2)
        elif s > EXACT_MAX:
            phi[idx] = _sampled(model, main, pair)
        else:
            phi[idx] = _exact_model(model, main, pair, s)
        total[which] = link(model.intercept + main.sum(1) + np.triu(pair, 1).sum((1, 2)))
    return _finish(patterns, phi, empty, total, clip=clip)


def _on_design(
    patterns: Patterns, model: ConversionModel, shapley_map: ShapleyMap, clip: bool
) -> PatternCredit:
    """The identity link's closed form applied on the fit's design; v(S) = v(∅) + Σ φ."""
    phi = shapley_map.apply(model.coefficients)
    rows = np.repeat(np.arange(patterns.n_patterns), patterns.sizes)
    empty = np.full(patterns.n_patterns, model.intercept, dtype=np.float64)
    total = empty + np.bincount(rows, phi, patterns.n_patterns)
    return _finish(patterns, phi, empty, total, clip=clip)


def _exact_model(model: ConversionModel, main: F64, pair: F64, s: int) -> F64:
    bits = _bits(s)
    pair_bits = (bits[:, :, None] * bits[:, None, :]).reshape(1 << s, s * s).T
    block = max(1, _CELLS >> s)
    out = np.empty(main.shape)
    for start in range(0, main.shape[0], block):
        m = main[start : start + block]
        g = pair[start : start + block].reshape(m.shape[0], s * s)
        values = model.inverse_link(model.intercept + m @ bits.T + 0.5 * (g @ pair_bits))
        out[start : start + block] = lattice_shapley(values, s)
    return out


def _sampled(model: ConversionModel, main: F64, pair: F64, seed: int = 0) -> F64:
    """Monte Carlo Shapley over random orders, for journeys with very many channels."""
    rng = np.random.default_rng(seed)
    p, s = main.shape
    out = np.zeros((p, s))
    for row in range(p):
        orders = np.argsort(rng.random((PERMUTATIONS, s)), axis=1)
        m = main[row][orders]
        g = pair[row][orders[:, :, None], orders[:, None, :]]
        step = m + np.triu(g, 1).sum(axis=1)
        values = model.inverse_link(model.intercept + np.cumsum(step, axis=1))
        gains = np.diff(values, axis=1, prepend=model.inverse_link(np.array(model.intercept)))
        np.add.at(out[row], orders.ravel(), gains.ravel() / PERMUTATIONS)
    return out


def empirical(patterns: Patterns) -> PatternCredit:
    """Shapley values of the observed conversion rate of every channel set.

    ``patterns`` must be built with ``cap=1`` (sets, not counts).
    """
    tags = np.random.default_rng(7).integers(1, 2**62, size=max(patterns.n_keys, 1))
    set_tag = np.zeros(patterns.n_patterns, dtype=np.int64)
    nonempty = patterns.sizes > 0
    if patterns.codes.size:
        set_tag[nonempty] = np.add.reduceat(tags[patterns.codes], patterns.offsets[:-1][nonempty])
    order = np.argsort(set_tag)
    sorted_tags = set_tag[order]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(patterns.journeys > 0, patterns.conversions / patterns.journeys, 0.0)
    rate_sorted = rate[order]
    empty_rate = float(rate[~nonempty][0]) if (~nonempty).any() else 0.0
    phi = np.zeros(patterns.codes.shape[0])
    total = np.full(patterns.n_patterns, empty_rate)
    for s, which in _groups(patterns):
        idx = patterns.offsets[which][:, None] + np.arange(s)
        if s > EXACT_MAX:
            phi[idx] = rate[which][:, None] / s
            total[which] = rate[which] + empty_rate
            continue
        bits = _bits(s).astype(np.int64)
        subset_tags = tags[patterns.codes[idx]] @ bits.T
        pos = np.minimum(np.searchsorted(sorted_tags, subset_tags), sorted_tags.shape[0] - 1)
        seen = sorted_tags[pos] == subset_tags
        values = np.where(seen, rate_sorted[pos], np.nan)
        values[:, 0] = empty_rate
        values = _monotone_fill(values, s)
        phi[idx] = lattice_shapley(values, s)
        total[which] = values[:, -1]
    return _finish(patterns, phi, np.full(patterns.n_patterns, empty_rate), total)


def _monotone_fill(values: F64, s: int) -> F64:
    """Unobserved sets take the best value of their subsets one channel smaller."""
    masks = np.arange(1 << s)
    popcount = _bits(s).sum(axis=1)
    for mask in masks[np.argsort(popcount, kind="stable")][1:]:
        column = values[:, mask]
        missing = np.isnan(column)
        if missing.any():
            below = [mask ^ (1 << i) for i in range(s) if (mask >> i) & 1]
            values[missing, mask] = np.max(values[np.ix_(missing, below)], axis=1)
    return values
