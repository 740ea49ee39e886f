"""The fitted conversion model v(S) behind the ``data_driven`` Shapley attribution.

v(S, k) = σ(β0 + Σ_{c∈S} (a_c + d_c log k_c) + Σ_{c<c'∈S} g_{cc'})

a logistic regression of "did the journey convert" on which channels it touched (a_c), how often
(d_c log k_c: diminishing returns per repeated touch), and which pairs it touched together
(g_cc': synergy or overlap). It is fitted by ridge-penalised Newton steps on the pattern
counts (sufficient statistics), so a million journeys cost what a few thousand patterns cost.
For the identity link (the default) the steps use the observed information and, for large
designs, are solved by conjugate gradients with the first step's Hessian as preconditioner: one
Gram product per fit instead of one per step (30 channels: 163k patterns × 461 coefficients).

Why this form: the Shapley value of v over the channels of one journey splits that journey's
conversion probability into a baseline v(∅) = σ(β0) and one share per channel. In an additive
world p(S) = b + Σ e_c the shares sum, over journeys, to the expected incremental conversions
n_c e_c, which is the truth we validate against; the pair terms absorb the curvature of the
logistic link (and real synergy), the log-count terms the dose-response. The ridge penalty pulls
rarely seen pairs and doses towards 0, i.e. pools sparse channel sets with the main effects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from crmroi.attribution.design import Design
from crmroi.attribution.patterns import Patterns

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


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
    fitted_on: Design | None = field(default=None, repr=False)
    """The design the fit ran on, reused by :meth:`OneStep.prepare` on the same patterns."""

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
_CG_ITERATIONS = 200


def inverse_link(link: str, eta: F64) -> F64:
    """μ = η (identity), 1 − e^(−η) (noisy-OR: independent causes), σ(η) (logit)."""
    if link == "identity":
        return np.asarray(eta, dtype=np.float64)
    if link == "noisy_or":
        return np.asarray(-np.expm1(-np.asarray(eta)), dtype=np.float64)
    from scipy.special import expit  # only the logit link needs it: not imported at start-up

    return np.asarray(expit(eta), dtype=np.float64)


def _derivative(link: str, eta: F64, mu: F64) -> F64:
    if link == "identity":
        return np.ones_like(eta)
    if link == "noisy_or":
        return np.exp(-eta)
    return mu * (1 - mu)


def fit(
    patterns: Patterns,
    settings: FitSettings | None = None,
    *,
    start: ConversionModel | None = None,
) -> ConversionModel:
    """Fit v(S) by penalised Newton steps on the pattern counts.

    Every candidate link is fitted and the one with the highest penalised binomial likelihood
    kept; ``start`` (a previous fit, e.g. on the full data for a bootstrap replicate) fixes the
    link and the pairs and warm-starts the coefficients.
    """
    settings = settings or FitSettings()
    basis = Design.build(patterns, settings, None if start is None else start.pair_keys)
    links = (start.link,) if start is not None else settings.links
    best: tuple[float, ConversionModel] | None = None
    for link in links:
        beta, loglik = _irls(basis, patterns, settings, link, start)
        model = _unpack(beta, patterns.n_keys, basis.pair_keys, link, basis)
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
    basis: Design
    mu: F64
    factor: F64
    hessian_inverse: F64
    penalty: F64

    @property
    def x(self) -> sp.csr_matrix:
        """The design matrix of the patterns."""
        return self.basis.x

    @classmethod
    def prepare(cls, patterns: Patterns, fitted: ConversionModel, settings: FitSettings) -> OneStep:
        """Design, fitted means and the inverse penalised Hessian at the full-data fit."""
        basis = fitted.fitted_on
        if basis is None or not basis.serves(patterns, fitted.pair_keys):
            basis = Design.build(patterns, settings, fitted.pair_keys)
        x = basis.x
        k = patterns.n_keys
        penalty = _penalty(settings, k, x.shape[1])
        eta = x @ fitted.coefficients
        mu = np.clip(inverse_link(fitted.link, eta), _EPS, 1 - _EPS)
        slope = _derivative(fitted.link, eta, mu)
        factor = slope / (mu * (1 - mu))
        weight = patterns.journeys * slope * factor
        hessian = basis.gram(weight) + np.diag(penalty + 1e-9)
        inverse = np.asarray(np.linalg.inv(hessian), dtype=np.float64)
        return cls(fitted, basis, mu, factor, inverse, penalty)

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


def _start(patterns: Patterns, link: str, width: int, start: ConversionModel | None) -> F64:
    """The previous fit's coefficients, or the intercept-only model's."""
    if start is not None:
        return start.coefficients.copy()
    n, y = patterns.journeys, patterns.conversions
    rate = (y.sum() + 0.5) / (n.sum() + 1.0)
    beta = np.zeros(width)
    beta[0] = {"identity": rate, "noisy_or": -np.log1p(-rate)}.get(
        link, float(np.log(rate / (1 - rate)))
    )
    return beta


def _irls(
    basis: Design,
    patterns: Patterns,
    settings: FitSettings,
    link: str,
    start: ConversionModel | None,
) -> tuple[F64, float]:
    """Penalised maximum likelihood: Newton for the identity link, Fisher scoring otherwise."""
    x, xt = basis.x, basis.xt
    n, y = patterns.journeys, patterns.conversions
    penalty = _penalty(settings, patterns.n_keys, x.shape[1])
    ridge = penalty + 1e-9
    beta = _start(patterns, link, x.shape[1], start)
    eta = x @ beta
    loglik = _loglik(eta, y, n, link, penalty, beta)
    observed = np.where(n > 0, y / np.where(n > 0, n, 1.0), 0.0)
    solve: _Solve | None = None
    change = np.inf
    for iteration in range(settings.iterations):
        mu = np.clip(inverse_link(link, eta), _EPS, 1 - _EPS)
        slope = _derivative(link, eta, mu)
        fisher = n * slope**2 / (mu * (1 - mu))
        score = xt @ (n * slope * (observed - mu) / (mu * (1 - mu))) - ridge * beta
        if link != "identity" or iteration == 0:
            # the first step (and every step of the other links) is a Fisher-scoring step
            solve = _Solve(basis.gram(fisher) + np.diag(ridge))
            step = solve(score)
        else:
            curvature = _curvature(eta, mu, n, y, fisher)
            if basis.cheap:
                step = _Solve(basis.gram(curvature) + np.diag(ridge))(score)
            else:
                assert solve is not None
                step = _conjugate_gradient(
                    _hessian_product(x, xt, curvature, ridge), score, solve, min(1e-2, change)
                )
        new, eta, loglik = _damped(x, y, n, link, penalty, beta, eta, beta + step, loglik)
        change = float(np.max(np.abs(new - beta)))
        beta = new
        if change < settings.tolerance:
            break
    return beta, loglik


def _curvature(eta: F64, mu: F64, n: F64, y: F64, fisher: F64) -> F64:
    """Per pattern −∂²(log-likelihood)/∂η² of the identity link: y/μ² + (n − y)/(1 − μ)².

    The observed information, not its expectation: with it the Newton steps converge
    quadratically to the same root of the score that Fisher scoring converges to linearly
    (13 steps at 30 channels, each one a full Gram product). Where the mean is clipped the
    expected information stands in, so the matrix stays positive definite.
    """
    inside = (eta > _EPS) & (eta < 1 - _EPS)
    return np.where(inside, y / mu**2 + (n - y) / (1 - mu) ** 2, fisher)


def _hessian_product(
    x: sp.csr_matrix, xt: sp.csr_matrix, weight: F64, ridge: F64
) -> Callable[[F64], F64]:
    """The product H v = (Xᵀ diag(weight) X + diag(ridge)) v, without forming H."""

    def product(v: F64) -> F64:
        return np.asarray(xt @ (weight * (x @ v)) + ridge * v, dtype=np.float64)

    return product


class _Solve:
    """The inverse of a small symmetric matrix (a few hundred coefficients), applied to vectors.

    An explicit inverse: solving with it is one matrix-vector product, and NumPy's ``inv`` is
    all it takes (no SciPy LAPACK wrappers to import at start-up).
    """

    def __init__(self, matrix: F64) -> None:
        try:
            self._inverse = np.linalg.inv(matrix)
        except np.linalg.LinAlgError:  # singular: the least-squares solution still steps
            self._inverse = np.linalg.pinv(matrix)

    def __call__(self, rhs: F64) -> F64:
        return np.asarray(self._inverse @ rhs, dtype=np.float64)


def _conjugate_gradient(
    product: Callable[[F64], F64], rhs: F64, precondition: _Solve, tolerance: float
) -> F64:
    """Solve H s = rhs for the Newton step by preconditioned conjugate gradients.

    H v costs two sparse products with the design (X v, then Xᵀ(w ⊙ ·)), a few milliseconds,
    where forming H costs a Gram product, a second or so at 30 channels. The first step's
    factorised Hessian is close to every later one, so a few dozen products reach the
    relative residual ``tolerance``; the steps may be inexact, the root they converge to is not.
    """
    step = np.zeros_like(rhs)
    residual = rhs.copy()
    limit = tolerance * float(np.linalg.norm(rhs))
    direction = precondition(residual)
    fit_ = float(residual @ direction)
    for _ in range(_CG_ITERATIONS):
        if float(np.linalg.norm(residual)) <= limit or fit_ <= 0:
            break
        image = product(direction)
        length = fit_ / float(direction @ image)
        step += length * direction
        residual -= length * image
        preconditioned = precondition(residual)
        previous, fit_ = fit_, float(residual @ preconditioned)
        direction = preconditioned + (fit_ / previous) * direction
    return step


def _loglik(eta: F64, y: F64, n: F64, link: str, penalty: F64, beta: F64) -> float:
    """Penalised binomial log-likelihood at ``beta`` (``eta`` = X β; means clipped into (0, 1))."""
    mu = np.clip(inverse_link(link, eta), _EPS, 1 - _EPS)
    return float((y * np.log(mu) + (n - y) * np.log1p(-mu)).sum() - 0.5 * (penalty * beta**2).sum())


def _damped(
    x: sp.csr_matrix,
    y: F64,
    n: F64,
    link: str,
    penalty: F64,
    beta: F64,
    eta: F64,
    new: F64,
    before: float,
) -> tuple[F64, F64, float]:
    """The step, halved until the penalised likelihood does not fall (at most 20 times).

    Returns the coefficients kept, their linear predictor (the next step starts from it) and
    their likelihood (``eta``, ``before``: those of ``beta``). Where
    the fit is well inside (0, 1) the full step always improves and is kept as it is. With
    many channels and sparse pairs an identity-link step can push some means below 0, where
    the clipped weights are meaningless and full steps run away (30 channels at 200k journeys:
    an intercept of 0.26 for a true 0.02); halving keeps the fit climbing.
    """
    for _ in range(20):
        moved = x @ new
        after = _loglik(moved, y, n, link, penalty, new)
        if after >= before - 1e-9 * abs(before):
            return new, moved, after
        new = 0.5 * (beta + new)
    return beta, eta, before


def _unpack(
    beta: F64, k: int, pair_keys: NDArray[np.int64], link: str, basis: Design | None = None
) -> ConversionModel:
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
        fitted_on=basis,
    )
