"""The fitted conversion model v(S) behind the ``data_driven`` Shapley attribution.

v(S, k) = σ(β0 + Σ_{c∈S} (a_c + d_c log k_c) + Σ_{c<c'∈S} g_{cc'})

a logistic regression of "did the journey convert" on which channels it touched (a_c), how often
(d_c log k_c: diminishing returns per repeated touch), and which pairs it touched together
(g_cc': synergy or overlap). It is fitted by ridge-penalised Newton steps (IRLS) on the pattern
counts (sufficient statistics), so a million journeys cost what a few thousand patterns cost.

Why this form: the Shapley value of v over the channels of one journey splits that journey's
conversion probability into a baseline v(∅) = σ(β0) and one share per channel. In an additive
world p(S) = b + Σ e_c the shares sum, over journeys, to the expected incremental conversions
n_c e_c, which is the truth we validate against; the pair terms absorb the curvature of the
logistic link (and real synergy), the log-count terms the dose-response. The ridge penalty pulls
rarely seen pairs and doses towards 0, i.e. pools sparse channel sets with the main effects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.special import expit

from crmroi.attribution.patterns import Patterns

F64 = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ConversionModel:
    """Fitted coefficients: intercept, per channel main and dose, per pair synergy (dense K×K)."""

    intercept: float
    main: F64
    dose: F64
    pair: F64
    coefficients: F64
    pair_keys: NDArray[np.int64]
    link: str = "logit"

    def inverse_link(self, eta: F64) -> F64:
        """Conversion probability from the linear predictor."""
        return inverse_link(self.link, eta)

    def member_effect(self, codes: NDArray[np.int32], counts: NDArray[np.int32]) -> F64:
        """a_c + d_c log k_c for members (any shape)."""
        return self.main[codes] + self.dose[codes] * np.log(np.maximum(counts, 1))


@dataclass(frozen=True)
class FitSettings:
    """Ridge strengths (in journeys' worth of information) and pair selection."""

    ridge_main: float = 1.0
    ridge_dose: float = 5.0
    ridge_pair: float = 5.0
    min_pair_journeys: float = 50.0
    max_pairs: int = 400
    iterations: int = 30
    tolerance: float = 1e-8
    links: tuple[str, ...] = ("identity",)
    """Candidate links; the fit keeps the one with the highest penalised likelihood.

    The default is the identity link only: on every validation world it was as accurate as the
    noisy-OR and logit links (docs/attribution.md), and its Shapley values have a closed form,
    which keeps 200 bootstrap refits cheap. ``LINKS`` lists all three.
    """


LINKS = ("identity", "noisy_or", "logit")
_EPS = 1e-6
_DENSE_CELLS = 20_000_000


def inverse_link(link: str, eta: F64) -> F64:
    """μ = η (identity), 1 − e^(−η) (noisy-OR: independent causes), σ(η) (logit)."""
    if link == "identity":
        return np.asarray(eta, dtype=np.float64)
    if link == "noisy_or":
        return np.asarray(-np.expm1(-np.asarray(eta)), dtype=np.float64)
    return np.asarray(expit(eta), dtype=np.float64)


def _derivative(link: str, eta: F64, mu: F64) -> F64:
    if link == "identity":
        return np.ones_like(eta)
    if link == "noisy_or":
        return np.exp(-eta)
    return mu * (1 - mu)


def _pair_entries(patterns: Patterns) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(pattern, pair key c1*K + c2 with c1 < c2) for every pair of members of every pattern."""
    rows: list[NDArray[np.int64]] = []
    keys: list[NDArray[np.int64]] = []
    sizes = patterns.sizes
    k = patterns.n_keys
    for s in np.unique(sizes[sizes >= 2]):
        which = np.flatnonzero(sizes == s)
        codes = patterns.codes[patterns.offsets[which][:, None] + np.arange(s)]
        i, j = np.triu_indices(int(s), 1)
        rows.append(np.repeat(which, i.shape[0]))
        keys.append((codes[:, i].astype(np.int64) * k + codes[:, j]).ravel())
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(rows), np.concatenate(keys)


def design(
    patterns: Patterns, settings: FitSettings, pair_keys: NDArray[np.int64] | None = None
) -> tuple[sp.csr_matrix, NDArray[np.int64]]:
    """Sparse design matrix [1 | touched_c | log count_c | pair_cc'] over patterns."""
    k, p = patterns.n_keys, patterns.n_patterns
    member_rows = np.repeat(np.arange(p), patterns.sizes)
    log_counts = np.log(np.maximum(patterns.counts, 1)).astype(np.float64)
    pair_rows, pair_entry_keys = _pair_entries(patterns)
    if pair_keys is None:
        support = np.unique(pair_entry_keys, return_inverse=True)
        totals = np.bincount(support[1], weights=patterns.journeys[pair_rows])
        keep = support[0][totals >= settings.min_pair_journeys]
        order = np.argsort(-totals[totals >= settings.min_pair_journeys], kind="stable")
        pair_keys = np.sort(keep[order[: settings.max_pairs]])
    position = np.searchsorted(pair_keys, pair_entry_keys)
    position = np.minimum(position, max(pair_keys.shape[0] - 1, 0))
    known = (
        pair_keys[position] == pair_entry_keys
        if pair_keys.size
        else np.zeros(pair_entry_keys.shape, bool)
    )
    rows = np.concatenate([np.arange(p), member_rows, member_rows, pair_rows[known]])
    cols = np.concatenate(
        [
            np.zeros(p, np.int64),
            1 + patterns.codes.astype(np.int64),
            1 + k + patterns.codes.astype(np.int64),
            1 + 2 * k + position[known],
        ]
    )
    data = np.concatenate(
        [np.ones(p), np.ones(member_rows.shape[0]), log_counts, np.ones(known.sum())]
    )
    shape = (p, 1 + 2 * k + pair_keys.shape[0])
    return sp.csr_matrix((data, (rows, cols)), shape=shape), pair_keys


def fit(
    patterns: Patterns,
    settings: FitSettings | None = None,
    *,
    start: ConversionModel | None = None,
) -> ConversionModel:
    """Fit v(S) by penalised IRLS on the pattern counts.

    Every candidate link is fitted and the one with the highest penalised binomial likelihood
    kept; ``start`` (a previous fit, e.g. on the full data for a bootstrap replicate) fixes the
    link and the pairs and warm-starts the coefficients.
    """
    settings = settings or FitSettings()
    x, pair_keys = design(patterns, settings, None if start is None else start.pair_keys)
    links = (start.link,) if start is not None else settings.links
    best: tuple[float, ConversionModel] | None = None
    for link in links:
        beta, loglik = _irls(x, patterns, settings, link, start)
        model = _unpack(beta, patterns.n_keys, pair_keys, link)
        if best is None or loglik > best[0]:
            best = (loglik, model)
    assert best is not None
    return best[1]


@dataclass(frozen=True, eq=False)
class OneStep:
    """The one-step bootstrap: Newton steps from the full-data fit with its Hessian.

    A replicate's estimate differs from the full-data one by O(n^-1/2); one Newton step from
    the full-data fit, with the full-data Hessian, leaves an error of O(n^-1), far below the
    sampling spread being measured, and costs one matrix-vector product per replicate.
    """

    fitted: ConversionModel
    x: sp.csr_matrix
    mu: F64
    factor: F64
    hessian_inverse: F64
    penalty: F64

    @classmethod
    def prepare(cls, patterns: Patterns, fitted: ConversionModel, settings: FitSettings) -> OneStep:
        """Design, fitted means and the inverse penalised Hessian at the full-data fit."""
        x, _ = design(patterns, settings, fitted.pair_keys)
        k = patterns.n_keys
        penalty = _penalty(settings, k, x.shape[1])
        eta = x @ fitted.coefficients
        mu = np.clip(inverse_link(fitted.link, eta), _EPS, 1 - _EPS)
        slope = _derivative(fitted.link, eta, mu)
        factor = slope / (mu * (1 - mu))
        weight = patterns.journeys * slope * factor
        hessian = (x.T @ sp.diags(weight) @ x).toarray() + np.diag(penalty + 1e-9)
        return cls(fitted, x.tocsr(), mu, factor, np.linalg.inv(hessian), penalty)

    def refit(self, patterns: Patterns) -> ConversionModel:
        """The replicate's coefficients after one Newton step."""
        residual = (patterns.conversions - patterns.journeys * self.mu) * self.factor
        score = self.x.T @ residual - self.penalty * self.fitted.coefficients
        beta = self.fitted.coefficients + self.hessian_inverse @ score
        return _unpack(beta, patterns.n_keys, self.fitted.pair_keys, self.fitted.link)


def _penalty(settings: FitSettings, k: int, width: int) -> F64:
    return np.concatenate(
        [
            [0.0],
            np.full(k, settings.ridge_main),
            np.full(k, settings.ridge_dose),
            np.full(width - 1 - 2 * k, settings.ridge_pair),
        ]
    )


def _irls(
    x: sp.csr_matrix,
    patterns: Patterns,
    settings: FitSettings,
    link: str,
    start: ConversionModel | None,
) -> tuple[F64, float]:
    k = patterns.n_keys
    n, y = patterns.journeys, patterns.conversions
    penalty = _penalty(settings, k, x.shape[1])
    rate = (y.sum() + 0.5) / (n.sum() + 1.0)
    if start is not None:
        beta = start.coefficients.copy()
    else:
        beta = np.zeros(x.shape[1])
        beta[0] = {"identity": rate, "noisy_or": -np.log1p(-rate)}.get(
            link, float(np.log(rate / (1 - rate)))
        )
    # few patterns x few coefficients: dense BLAS beats sparse products by far
    dense = x.shape[0] * x.shape[1] <= _DENSE_CELLS
    xd = x.toarray() if dense else None
    xt = x.T.tocsr()
    observed = np.where(n > 0, y / np.where(n > 0, n, 1.0), 0.0)
    for _ in range(settings.iterations):
        eta = x @ beta
        mu = np.clip(inverse_link(link, eta), _EPS, 1 - _EPS)
        slope = _derivative(link, eta, mu)
        weight = n * slope**2 / (mu * (1 - mu))
        working = eta + (observed - mu) / slope
        if xd is not None:
            lhs = xd.T @ (xd * weight[:, None]) + np.diag(penalty + 1e-9)
            rhs = xd.T @ (weight * working)
        else:
            lhs = (xt @ sp.diags(weight) @ x).toarray() + np.diag(penalty + 1e-9)
            rhs = xt @ (weight * working)
        new = np.linalg.solve(lhs, rhs)
        new = _damped(x, y, n, link, penalty, beta, new)
        done = float(np.max(np.abs(new - beta))) < settings.tolerance
        beta = new
        if done:
            break
    return beta, _loglik(x, y, n, link, penalty, beta)


def _loglik(x: sp.csr_matrix, y: F64, n: F64, link: str, penalty: F64, beta: F64) -> float:
    """Penalised binomial log-likelihood (means clipped into (0, 1))."""
    mu = np.clip(inverse_link(link, x @ beta), _EPS, 1 - _EPS)
    return float((y * np.log(mu) + (n - y) * np.log1p(-mu)).sum() - 0.5 * (penalty * beta**2).sum())


def _damped(x: sp.csr_matrix, y: F64, n: F64, link: str, penalty: F64, beta: F64, new: F64) -> F64:
    """The Newton step, halved until the penalised likelihood does not fall (at most 20 times).

    Where the fit is well inside (0, 1) the full step always improves and is kept as it is.
    With many channels and sparse pairs an identity-link step can push some means below 0,
    where the clipped weights are meaningless and full steps run away (30 channels at 200k
    journeys: an intercept of 0.26 for a true 0.02); halving keeps the fit climbing.
    """
    before = _loglik(x, y, n, link, penalty, beta)
    for _ in range(20):
        if _loglik(x, y, n, link, penalty, new) >= before - 1e-9 * abs(before):
            return new
        new = 0.5 * (beta + new)
    return beta


def _unpack(beta: F64, k: int, pair_keys: NDArray[np.int64], link: str) -> ConversionModel:
    pair = np.zeros((k, k))
    first, second = np.divmod(pair_keys, max(k, 1))
    pair[first, second] = beta[1 + 2 * k :]
    pair[second, first] = beta[1 + 2 * k :]
    return ConversionModel(
        intercept=float(beta[0]),
        main=beta[1 : 1 + k].copy(),
        dose=beta[1 + k : 1 + 2 * k].copy(),
        pair=pair,
        coefficients=beta,
        pair_keys=pair_keys,
        link=link,
    )
