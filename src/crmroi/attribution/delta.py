"""Delta-method spread of the data-driven shares: the bootstrap's limit in one pass.

The Poisson bootstrap of ``data_driven`` (``ShapleyModel.replicate_shares``) redraws every
pattern's conversions y_p ~ Poisson(y_p) and non-converting journeys m_p ~ Poisson(m_p), refits
v(S) by one Newton step, takes its Shapley values and sums the shares. Every step is smooth in
(y, m), so to first order

    Var(s_k) = Σ_p (∂s_k/∂y_p)² y_p + (∂s_k/∂m_p)² m_p

with the derivatives taken at the data. For the identity link the chain is short:

* one Newton step: dβ = H⁻¹ Xᵀ (f ⊙ ((1 − μ) dy − μ dm)) (``OneStep``);
* Shapley values of a journey's members: φ = A β, A the linear map "main + dose·log k + half
  of every pair term" (``shapley.model_driven``'s closed form), applied on the design's own
  entries (:class:`ShapleyMap`); v(∅) = β₀;
* fractions φ⁺/t_p with t_p = v(∅)⁺ + Σ φ⁺ (negative parts clipped, as in ``shapley._finish``);
* revenue per key R_k = Σ fraction · y_p · (mean deal value of p), share s_k = R_k / Σ R.

The gradient of every share (K + 1 of them) is a few sparse products, so the cost no longer
grows with the number of replicates: it costs about what a few replicates cost. A clipped member
keeps derivative 0 (the clip is flat there), so for a channel whose credit sits at 0 the spread
is an approximation; the tests hold the spread to the bootstrap it replaces.

Nested levels (campaign, workflow; ``nested.py``) chain the same gradients: a key's revenue is
its channel's times its share of each split above it (:func:`nested_share_sd`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from crmroi.attribution.conversion_model import OneStep
from crmroi.attribution.patterns import Patterns
from crmroi.attribution.shapley_map import ShapleyMap

if TYPE_CHECKING:
    from crmroi.attribution.nested import Level, Nesting

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
_FLAT = 1e-15


@dataclass(frozen=True, eq=False)
class Gradient:
    """One level's credit per key (the baseline last) and how it moves with the outcomes.

    With ``unit`` the mean deal value of each pattern (1 when shares count conversions), for
    the patterns ``q`` asked: ∂R_k/∂y_q = ``through(q)[k]`` (1 − μ_q) + ``fraction(q)[k]`` · unit_q
    and ∂R_k/∂m_q = −``through(q)[k]`` μ_q. The unit is left to the caller, so a nested level
    can take the finer patterns' own mean values (the bootstrap scales each by its own draws).
    Both are computed per block of patterns: a dense keys × patterns array of every level of
    a nesting at once would take hundreds of MB.
    """

    revenue: F64
    mu: F64
    _x: sp.csr_matrix
    _factor: F64
    _by_coefficient: F64
    """∂R/∂β mapped through the Newton step: H⁻¹ gᵀ, one column per key and the baseline."""
    _fraction: sp.csr_matrix
    """Each pattern's fraction per key, the baseline last (patterns × keys + 1)."""

    def through(self, q: I64) -> F64:
        """∂R_k/∂(f ⊙ residual)_q: each key's (rows) derivative by the patterns ``q``."""
        rows = self._x[q] @ self._by_coefficient
        return np.asarray(rows.T * self._factor[q], dtype=np.float64)

    def fraction(self, q: I64) -> F64:
        """Each key's (rows) fraction of the patterns ``q``, the baseline last."""
        return np.asarray(self._fraction[q].toarray().T, dtype=np.float64)


def unit_value(patterns: Patterns, use_value: bool) -> F64:
    """Mean deal value per pattern (0 without conversions), or 1 when shares count deals."""
    if not use_value:
        return np.ones(patterns.n_patterns)
    y = patterns.conversions
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(y > 0, patterns.value / y, 0.0), dtype=np.float64)


def gradient(patterns: Patterns, step: OneStep, use_value: bool) -> Gradient:
    """Credit per key and its derivatives by every pattern's outcomes (module docstring)."""
    model = step.fitted
    k, p = patterns.n_keys, patterns.n_patterns
    sizes = patterns.sizes
    member_row = np.repeat(np.arange(p), sizes)
    a = ShapleyMap.of(step.basis)
    phi = a.apply(model.coefficients)
    mask = phi > 0
    empty = float(model.coefficients[0])
    empty_on = empty > 0
    total = max(empty, 0.0) + np.bincount(member_row, np.where(mask, phi, 0.0), p)
    flat = (sizes > 0) & (np.abs(total) <= _FLAT)
    live = (sizes > 0) & ~flat
    safe = np.where(live, total, 1.0)
    frac = np.where(mask, phi, 0.0) / safe[member_row]
    equal = 1.0 / np.maximum(sizes, 1)[member_row]
    frac = np.where(flat[member_row], equal, frac)
    base = np.where(sizes == 0, 1.0, np.where(live, max(empty, 0.0) / safe, 0.0))
    r = patterns.conversions * unit_value(patterns, use_value)
    omega = np.where(live, r / safe, 0.0)  # r_p / t_p
    omega_m = omega[member_row]
    # d t_p / dβ for every pattern: β₀ (when v(∅) > 0) plus its unclipped members' rows of A
    d_total = a.summed(mask.astype(np.float64), 1.0 if empty_on else 0.0)
    spread = sp.csr_matrix((omega_m * frac, patterns.codes, patterns.offsets), shape=(p, k))
    by_beta = np.empty((k + 1, a.x.shape[1]))
    by_beta[:k] = a.by_key(np.where(mask, omega_m, 0.0))
    by_beta[:k] -= (spread.T.tocsr() @ d_total).toarray()  # CSR @ CSR: no copy of d_total
    by_beta[k] = -(d_total.T @ (omega * base))
    if empty_on:
        by_beta[k, 0] += omega.sum()
    fraction = sp.csr_matrix(
        (
            np.concatenate([frac, base]),
            (np.concatenate([member_row, np.arange(p)]), np.append(patterns.codes, np.full(p, k))),
        ),
        shape=(p, k + 1),
    )
    revenue = np.append(np.bincount(patterns.codes, frac * r[member_row], k), (base * r).sum())
    # through the Newton step: ∂R_k/∂(f ⊙ residual) = X H⁻¹ g_k
    by_coefficient = step.hessian_inverse @ by_beta.T
    return Gradient(revenue, step.mu, step.x, step.factor, by_coefficient, fraction)


_BLOCK = 4096
"""Patterns per block of :func:`share_sd` and :func:`nested_share_sd` (keys × block arrays)."""


def share_sd(patterns: Patterns, step: OneStep, block: int = _BLOCK) -> F64:
    """Standard deviation of each share (keys, then the baseline) under Poisson resampling.

    The keys × patterns derivatives are built ``block`` patterns at a time and only their
    weighted squares kept: one dense array over every pattern takes ~40 MB per temporary at
    30 channels and 160k patterns, and the process's peak with it.
    """
    use_value = bool(patterns.value.sum() > 0)
    unit = unit_value(patterns, use_value)
    y = patterns.conversions
    total = float((y * unit).sum())
    if total <= 0:
        return np.zeros(patterns.n_keys + 1)
    g = gradient(patterns, step, use_value)
    share = g.revenue / total

    def derivatives(q: I64) -> tuple[F64, F64]:
        through, mu = g.through(q), g.mu[q]
        d_y = (through * (1.0 - mu) + (g.fraction(q) - share[:, None]) * unit[q]) / total
        return d_y, -(through * mu) / total

    nulls = np.maximum(patterns.journeys - y, 0.0)
    return _poisson_sd(patterns.n_keys + 1, y, nulls, derivatives, block)


def nested_share_sd(nesting: Nesting, leaf: Patterns, steps: Sequence[OneStep]) -> F64:
    """Standard deviation of each share of a nested allocation (finest keys, the baseline last).

    The nested bootstrap resamples the finest patterns and sums every level from them
    (``nested.py``). A key's revenue is its channel's R_c times its share of every split
    above it, W_k⁺ / Σ W⁺ over its siblings (each split's W from its own model), so to first
    order it moves by the channel's gradient and every split's, each level's taken at its own
    patterns and read at the finest pattern that feeds it (``patterns.inverse``). A level's
    revenue reacts to a finer pattern's draw at that pattern's own mean deal value, as in the
    bootstrap. ``steps``: the one-step bootstrap of every level, the top first.
    """
    use_value = bool(leaf.value.sum() > 0)
    unit = unit_value(leaf, use_value)
    y = leaf.conversions
    nulls = np.maximum(leaf.journeys - y, 0.0)
    total = float((y * unit).sum())
    if total <= 0:
        return np.zeros(leaf.n_keys + 1)
    levels = (nesting.top, *nesting.splits)
    grads = [
        gradient(level.patterns, step, use_value) for level, step in zip(levels, steps, strict=True)
    ]

    def derivatives(block: I64) -> tuple[F64, F64]:
        parts = [_block(v, g, block, unit[block]) for v, g in zip(levels, grads, strict=True)]
        value, d_y, d_m = _chain(nesting, parts)
        share = value / total
        return (d_y - share[:, None] * unit[block]) / total, d_m / total

    return _poisson_sd(leaf.n_keys + 1, y, nulls, derivatives, _BLOCK)


def _poisson_sd(
    n_out: int, y: F64, nulls: F64, derivatives: Callable[[I64], tuple[F64, F64]], block: int
) -> F64:
    """√(Σ d_y² y + d_m² nulls) over the patterns, ``block`` patterns at a time.

    Under Poisson resampling a pattern's conversions and non-conversions vary by their own
    counts; ``derivatives(q)`` gives each output's derivative by both (outputs × patterns q).
    Only the weighted squares are kept, never an outputs × all-patterns array.
    """
    var = np.zeros(n_out)
    for start in range(0, y.shape[0], block):
        q = np.arange(start, min(start + block, y.shape[0]))
        d_y, d_m = derivatives(q)
        var += (d_y**2) @ y[q] + (d_m**2) @ nulls[q]
    return np.asarray(np.sqrt(np.maximum(var, 0.0)), dtype=np.float64)


Part = tuple[F64, F64, F64]
"""A level's revenue per key, and its derivatives by the conversions and non-conversions of a
block of finest patterns (keys × block)."""


def _block(level: Level, g: Gradient, block: I64, unit: F64) -> Part:
    q = level.patterns.inverse[block]
    through = g.through(q)
    mu = g.mu[q]
    return g.revenue, through * (1.0 - mu) + g.fraction(q) * unit, -through * mu


def _chain(nesting: Nesting, parts: list[Part]) -> Part:
    """Revenue of every finest key and the baseline, and its derivatives.

    The product rule through the channel's revenue and each split's proportions, as
    ``Nesting.allocate`` combines them.
    """
    top, splits = parts[0], parts[1:]
    k = nesting.top.patterns.n_keys
    value, d_y, d_m = top[0][:k], top[1][:k], top[2][:k]
    for depth, up in enumerate(nesting.parent_of):
        width = d_y.shape[1]
        prop = np.ones(up.shape[0])
        p_y, p_m = np.zeros((up.shape[0], width)), np.zeros((up.shape[0], width))
        for level, (w, w_y, w_m) in zip(nesting.splits, splits, strict=True):
            if level.depth != depth:
                continue
            children = level.children
            n = children.shape[0]
            w, w_y, w_m = w[:n], w_y[:n], w_m[:n]
            positive = w > 0
            scale = float(w[positive].sum())
            if scale <= 0:  # every child at 0: equal shares, which do not move
                prop[children] = 1.0 / n
                continue
            share = np.where(positive, w / scale, 0.0)
            prop[children] = share
            on = positive[:, None]
            p_y[children] = (np.where(on, w_y, 0.0) - share[:, None] * w_y[positive].sum(0)) / scale
            p_m[children] = (np.where(on, w_m, 0.0) - share[:, None] * w_m[positive].sum(0)) / scale
        d_y = d_y[up] * prop[:, None] + value[up][:, None] * p_y
        d_m = d_m[up] * prop[:, None] + value[up][:, None] * p_m
        value = value[up] * prop
    return (
        np.append(value, top[0][k]),
        np.vstack([d_y, top[1][k : k + 1]]),
        np.vstack([d_m, top[2][k : k + 1]]),
    )
