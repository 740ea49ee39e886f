"""Delta-method spread of the data-driven shares: the bootstrap's limit in one pass.

The Poisson bootstrap of ``data_driven`` (``ShapleyModel.replicate_shares``) redraws every
pattern's conversions y_p ~ Poisson(y_p) and non-converting journeys m_p ~ Poisson(m_p), refits
v(S) by one Newton step, takes its Shapley values and sums the shares. Every step is smooth in
(y, m), so to first order

    Var(s_k) = Σ_p (∂s_k/∂y_p)² y_p + (∂s_k/∂m_p)² m_p

with the derivatives taken at the data. For the identity link the chain is short:

* one Newton step: dβ = H⁻¹ Xᵀ (f ⊙ ((1 − μ) dy − μ dm)) (``OneStep``);
* Shapley values of a journey's members: φ = A β, A the sparse map "main + dose·log k + half of
  every pair term" (``shapley.model_driven``'s closed form); v(∅) = β₀;
* fractions φ⁺/t_p with t_p = v(∅)⁺ + Σ φ⁺ (negative parts clipped, as in ``shapley._finish``);
* revenue per key R_k = Σ fraction · y_p · (mean deal value of p), share s_k = R_k / Σ R.

The gradient of every share (K + 1 of them) is a few sparse products, so the cost no longer
grows with the number of replicates: it costs about what a few replicates cost. A clipped member
keeps derivative 0 (the clip is flat there), so for a channel whose credit sits at 0 the spread
is an approximation; the tests hold the spread to the bootstrap it replaces.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from crmroi.attribution.conversion_model import ConversionModel, OneStep
from crmroi.attribution.patterns import Patterns

F64 = NDArray[np.float64]
_FLAT = 1e-15


def shapley_map(patterns: Patterns, model: ConversionModel) -> sp.csr_matrix:
    """A with φ = A β: each member's Shapley value as a linear map of the coefficients."""
    k = patterns.n_keys
    m = patterns.codes.shape[0]
    rows = [np.arange(m), np.arange(m)]
    cols = [1 + patterns.codes.astype(np.int64), 1 + k + patterns.codes.astype(np.int64)]
    data = [np.ones(m), np.log(np.maximum(patterns.counts, 1)).astype(np.float64)]
    keys = model.pair_keys
    sizes = patterns.sizes
    for s in np.unique(sizes[sizes >= 2]) if keys.size else ():
        which = np.flatnonzero(sizes == s)
        member = patterns.offsets[which][:, None] + np.arange(int(s))
        i, j = np.triu_indices(int(s), 1)
        # members are in ascending code order: codes[i] < codes[j], the pair key's order
        key = patterns.codes[member[:, i]].astype(np.int64) * k + patterns.codes[member[:, j]]
        position = np.minimum(np.searchsorted(keys, key), keys.shape[0] - 1)
        known = keys[position] == key
        column = 1 + 2 * k + position[known]
        for side in (member[:, i][known], member[:, j][known]):
            rows.append(side)
            cols.append(column)
            data.append(np.full(side.shape[0], 0.5))
    width = model.coefficients.shape[0]
    return sp.csr_matrix(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=(m, width)
    )


def share_sd(patterns: Patterns, step: OneStep) -> F64:
    """Standard deviation of each share (keys, then the baseline) under Poisson resampling."""
    model = step.fitted
    k, p = patterns.n_keys, patterns.n_patterns
    sizes = patterns.sizes
    member_row = np.repeat(np.arange(p), sizes)
    a = shapley_map(patterns, model)
    phi = a @ model.coefficients
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

    use_value = patterns.value.sum() > 0
    y = patterns.conversions
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where(y > 0, patterns.value / y, 0.0) if use_value else np.ones(p)
    r = y * unit
    revenue = float(r.sum())
    if revenue <= 0:
        return np.zeros(k + 1)
    members = frac.shape[0]
    keys = sp.csc_matrix(
        (np.ones(members), patterns.codes, np.arange(members + 1)), shape=(k, members)
    )
    membership = sp.csr_matrix(
        (np.ones(members), np.arange(members), patterns.offsets), shape=(p, members)
    )
    # d t_p / dβ for every pattern: β₀ (when v(∅) > 0) plus its unclipped members' rows of A
    clipped_a = sp.diags(mask.astype(np.float64)) @ a
    d_total = membership @ clipped_a
    if empty_on:
        d_total = d_total + sp.csr_matrix(
            (np.ones(p), (np.arange(p), np.zeros(p, dtype=np.int64))), shape=d_total.shape
        )
    omega = np.where(live, r / safe, 0.0)  # r_p / t_p
    omega_m = omega[member_row]
    gradient = np.empty((k + 1, a.shape[1]))
    gradient[:k] = (keys @ sp.diags(omega_m) @ clipped_a).toarray()
    gradient[:k] -= (keys @ sp.diags(omega_m * frac) @ membership.T @ d_total).toarray()
    gradient[k] = -(d_total.T @ (omega * base))
    if empty_on:
        gradient[k, 0] += omega.sum()
    # through the Newton step: ∂R_k/∂(f ⊙ residual) = X H⁻¹ g_k
    through = np.asarray(step.x @ (step.hessian_inverse @ gradient.T)).T * step.factor
    cell = patterns.codes.astype(np.int64) * p + member_row
    direct = np.append(np.bincount(cell, frac, k * p), base).reshape(k + 1, p) * unit
    share = np.append(np.bincount(patterns.codes, frac * r[member_row], k), (base * r).sum())
    share /= revenue
    d_y = (through * (1.0 - step.mu) + direct - share[:, None] * unit) / revenue
    d_m = -(through * step.mu) / revenue
    nulls = np.maximum(patterns.journeys - y, 0.0)
    var = (d_y**2) @ y + (d_m**2) @ nulls
    return np.asarray(np.sqrt(np.maximum(var, 0.0)), dtype=np.float64)
