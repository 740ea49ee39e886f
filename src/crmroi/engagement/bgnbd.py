"""BG/NBD: how many purchases a customer will make, and whether they are still "alive".

The beta-geometric/negative-binomial distribution model of Fader, Hardie & Lee (2005), "Counting
Your Customers the Easy Way: An Alternative to the Pareto/NBD Model", *Marketing Science*
24(2):275–284. A customer buys at a Poisson rate λ while alive and, after each repeat purchase,
drops out for good with probability p; λ ~ Gamma(r, α) and p ~ Beta(a, b) across customers.

Inputs per customer, in one time unit (days, weeks, months): ``x`` repeat purchases (frequency),
``t_x`` time of the last purchase since the first (recency), ``T`` time since the first purchase
to the end of observation. :mod:`crmroi.engagement.summary` builds them from the ``orders`` table.

The model is fitted by maximum likelihood on SciPy; it runs on a per-customer (or, with
``weights``, per distinct ``(x, t_x, T)``) array that the engine has already reduced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

from crmroi.errors import AnalysisError

Array = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike


@dataclass(frozen=True)
class BGNBDParams:
    """Fitted BG/NBD parameters: purchase rate λ ~ Gamma(r, α), dropout p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")
    """Total log-likelihood at the optimum (eq. 6 summed over customers)."""
    n_customers: int = 0

    def as_dict(self) -> dict[str, float]:
        """The four parameters by name (``alpha`` for α)."""
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


def _arrays(*values: ArrayLike) -> tuple[Array, ...]:
    return tuple(np.asarray(v, dtype=np.float64) for v in values)


def _check(x: Array, t_x: Array, big_t: Array) -> None:
    if x.size == 0:
        raise AnalysisError("BG/NBD needs at least one customer")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(big_t < t_x) or np.any(~np.isfinite(big_t)):
        raise AnalysisError(
            "BG/NBD input is inconsistent: frequency and recency must be ≥ 0 and recency ≤ T"
        )
    if np.any((x == 0) & (t_x > 0)):
        raise AnalysisError("BG/NBD input is inconsistent: recency > 0 with frequency 0")


def log_likelihood(
    params: BGNBDParams | tuple[float, float, float, float],
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,  # noqa: N803 - T is the paper's name
) -> Array:
    """Per-customer log-likelihood ln L(r, α, a, b | x, t_x, T): FHL (2005) eq. (6).

    L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
        + δ(x>0) · B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x)),

    evaluated in log space as A₁ + A₂ + ln(e^A₃ + δ e^A₄) with A₁ = ln Γ(r+x) − ln Γ(r) + r ln α,
    A₂ = ln B(a, b+x) − ln B(a, b), A₃ = −(r+x) ln(α+T) and
    A₄ = ln a − ln(b+x−1) − (r+x) ln(α+t_x), since B(a+1, b+x−1)/B(a, b+x) = a/(b+x−1).
    """
    r, alpha, a, b = params.as_dict().values() if isinstance(params, BGNBDParams) else params
    x, t_x, big_t = _arrays(frequency, recency, T)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + x) - special.betaln(a, b)
    a3 = -(r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.where(x > 0, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return np.asarray(a1 + a2 + np.logaddexp(a3, a4), dtype=np.float64)


def fit(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,  # noqa: N803
    *,
    weights: ArrayLike | None = None,
    initial: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0),
) -> BGNBDParams:
    """Maximum-likelihood estimates of (r, α, a, b): maximise Σ wᵢ ln Lᵢ (eq. 6).

    The search runs on the logarithms of the parameters (all four are positive): L-BFGS-B with a
    numerical gradient, then Nelder–Mead from its optimum to polish. ``weights`` counts how many
    customers share each row, so a summary grouped by ``(x, t_x, T)`` fits as fast as it can.
    """
    x, t_x, big_t = _arrays(frequency, recency, T)
    _check(x, t_x, big_t)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    total = float(w.sum())

    def objective(log_params: Array) -> float:
        value = -float(np.sum(w * log_likelihood(tuple(np.exp(log_params)), x, t_x, big_t)))
        return value / total if np.isfinite(value) else 1e300

    start = np.log(np.asarray(initial, dtype=np.float64))
    first = optimize.minimize(objective, start, method="L-BFGS-B", bounds=[(-20.0, 20.0)] * 4)
    best = optimize.minimize(
        objective,
        first.x,
        method="Nelder-Mead",
        bounds=[(-20.0, 20.0)] * len(first.x),
        options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 4_000},
    )
    if not np.isfinite(best.fun) or best.fun >= 1e299:
        raise AnalysisError("BG/NBD fit did not converge: check the frequency/recency/T input")
    r, alpha, a, b = (float(v) for v in np.exp(best.x))
    return BGNBDParams(
        r, alpha, a, b, log_likelihood=float(-best.fun * total), n_customers=int(total)
    )


def _off_one(a: float) -> float:
    # eqs. (9) and (10) are 0/0 at a = 1 although their limit is finite; a step of 1e-7 away
    # costs about 1e-9 in relative accuracy.
    return a if abs(a - 1.0) > 1e-7 else 1.0 + 1e-7


def expected_purchases(params: BGNBDParams, t: ArrayLike) -> Array:
    """E[X(t)]: purchases a new customer makes in a period of length t: FHL (2005) eq. (9).

    E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))].
    """
    r, alpha, a, b = params.r, params.alpha, _off_one(params.a), params.b
    tt = np.asarray(t, dtype=np.float64)
    hyp = special.hyp2f1(r, b, a + b - 1, tt / (alpha + tt))
    return np.asarray((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + tt)) ** r * hyp))


def probability_alive(
    params: BGNBDParams,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,  # noqa: N803
) -> Array:
    """P(alive | x, t_x, T): the chance the customer has not dropped out by T.

    P = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)), the denominator of FHL (2005)
    eq. (10) (derived in Fader, Hardie & Lee, "Computing P(alive) using the BG/NBD model").
    A customer with no repeat purchase is alive with probability 1 under this model.
    """
    x, t_x, big_t = _arrays(frequency, recency, T)
    return 1.0 / (1.0 + _dropout_odds(params, x, t_x, big_t))


def _dropout_odds(params: BGNBDParams, x: Array, t_x: Array, big_t: Array) -> Array:
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    safe = np.where(x > 0, b + x - 1, 1.0)
    log_odds = np.log(a) - np.log(safe) + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
    return np.where(x > 0, np.exp(log_odds), 0.0)


def conditional_expected_purchases(
    params: BGNBDParams,
    t: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,  # noqa: N803
) -> Array:
    """E[Y(t) | x, t_x, T]: purchases expected in the next t units: FHL (2005) eq. (10).

    E = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
        / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)).
    """
    r, alpha, a, b = params.r, params.alpha, _off_one(params.a), params.b
    x, t_x, big_t = _arrays(frequency, recency, T)
    tt = np.asarray(t, dtype=np.float64)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, tt / (alpha + big_t + tt))
    ratio = ((alpha + big_t) / (alpha + big_t + tt)) ** (r + x)
    numerator = (a + b + x - 1) / (a - 1) * (1 - ratio * hyp)
    return np.asarray(numerator / (1.0 + _dropout_odds(params, x, t_x, big_t)))


def simulate(
    params: BGNBDParams,
    T: ArrayLike,  # noqa: N803
    *,
    seed: int | None = None,
) -> tuple[Array, Array, Array]:
    """Draw (x, t_x, T) for customers observed for ``T`` units from the BG/NBD process.

    Each customer gets λ ~ Gamma(r, rate α) and p ~ Beta(a, b); from the first purchase at 0,
    repeat purchases arrive at rate λ and after each one the customer drops out with chance p.
    Used by the tests to check that :func:`fit` recovers known parameters.
    """
    rng = np.random.default_rng(seed)
    big_t = np.asarray(T, dtype=np.float64)
    n = big_t.size
    lam = rng.gamma(params.r, 1.0 / params.alpha, n)
    p = rng.beta(params.a, params.b, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    now = np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        nxt = now[idx] + rng.exponential(1.0 / lam[idx])
        within = nxt <= big_t[idx]
        hit = idx[within]
        x[hit] += 1
        t_x[hit] = nxt[within]
        now[hit] = nxt[within]
        dies = rng.random(hit.size) < p[hit]
        active[idx[~within]] = False
        active[hit[dies]] = False
    return x, t_x, big_t
