"""Gamma-Gamma: how much a customer spends per purchase, shrunk towards the population mean.

The model of Fader, Hardie & Lee (2005b), "RFM and CLV: Using Iso-Value Curves for Customer Base
Analysis", *Journal of Marketing Research* 42(4):415–430, as written out in Fader & Hardie (2013),
"The Gamma-Gamma Model of Monetary Value". Each transaction value z ~ Gamma(p, ν) around the
customer's mean p/ν; ν ~ Gamma(q, v) across customers. The model assumes spend is independent of
purchase frequency: check that ``corr(monetary_value, frequency)`` is near zero before using it.

Inputs per repeat customer: ``x`` repeat purchases and ``m̄`` their mean value (the first purchase
excluded, as in :mod:`crmroi.engagement.summary`). Customers with x = 0 carry no information
about spend and are left out of the fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

from crmroi.errors import AnalysisError

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma parameters: shape p of a spend, ν ~ Gamma(q, v) across customers."""

    p: float
    q: float
    v: float
    log_likelihood: float = float("nan")
    n_customers: int = 0

    def as_dict(self) -> dict[str, float]:
        """The three parameters by name."""
        return {"p": self.p, "q": self.q, "v": self.v}

    @property
    def population_mean(self) -> float:
        """E(M) = p v / (q − 1): mean spend per transaction across customers (needs q > 1)."""
        return self.p * self.v / (self.q - 1) if self.q > 1 else float("inf")


def _repeat(frequency: npt.ArrayLike, monetary: npt.ArrayLike) -> tuple[Array, Array]:
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary, dtype=np.float64)
    keep = x > 0
    if np.any(m[keep] <= 0):
        raise AnalysisError(
            "Gamma-Gamma needs a positive mean purchase value for every repeat customer"
        )
    return x[keep], m[keep]


def log_likelihood(
    params: GammaGammaParams | tuple[float, float, float],
    frequency: npt.ArrayLike,
    monetary_value: npt.ArrayLike,
) -> Array:
    """Per-customer log-likelihood of the mean spend m̄ after x purchases: FH (2013) eq. (1).

    f(m̄ | p, q, v, x) = Γ(px+q) / (Γ(px) Γ(q)) · v^q m̄^(px−1) x^(px) / (v + x m̄)^(px+q).
    """
    p, q, v = params.as_dict().values() if isinstance(params, GammaGammaParams) else params
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary_value, dtype=np.float64)
    return np.asarray(
        special.gammaln(p * x + q)
        - special.gammaln(p * x)
        - special.gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(x * m + v)
    )


def fit(
    frequency: npt.ArrayLike,
    monetary_value: npt.ArrayLike,
    *,
    initial: tuple[float, float, float] = (1.0, 1.0, 1.0),
) -> GammaGammaParams:
    """Maximum-likelihood (p, q, v) on the customers with at least one repeat purchase.

    Same search as the BG/NBD fit: log-parameters, L-BFGS-B, then a Nelder–Mead polish.
    """
    x, m = _repeat(frequency, monetary_value)
    if x.size < 3:
        raise AnalysisError("Gamma-Gamma needs at least 3 customers with a repeat purchase")

    def objective(log_params: Array) -> float:
        value = -float(np.mean(log_likelihood(tuple(np.exp(log_params)), x, m)))
        return value if np.isfinite(value) else 1e300

    start = np.log(np.asarray(initial, dtype=np.float64))
    first = optimize.minimize(objective, start, method="L-BFGS-B", bounds=[(-20.0, 20.0)] * 3)
    best = optimize.minimize(
        objective,
        first.x,
        method="Nelder-Mead",
        bounds=[(-20.0, 20.0)] * len(first.x),
        options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 4_000},
    )
    if best.fun >= 1e299:
        raise AnalysisError("Gamma-Gamma fit did not converge: check the monetary values")
    p, q, v = (float(val) for val in np.exp(best.x))
    return GammaGammaParams(
        p, q, v, log_likelihood=float(-best.fun * x.size), n_customers=int(x.size)
    )


def conditional_expected_value(
    params: GammaGammaParams, frequency: npt.ArrayLike, monetary_value: npt.ArrayLike
) -> Array:
    """E(M | p, q, v, m̄, x): expected spend per future purchase: FH (2013) eq. (5).

    E = (q−1)/(px+q−1) · pv/(q−1) + px/(px+q−1) · m̄ = p (v + x m̄) / (px + q − 1):
    a weighted mean of the population mean and the customer's own mean, the weight on the own
    mean growing with x. A customer with no repeat purchase gets the population mean.

    The expectation exists only where px + q > 1 (it is p times the mean of 1/ν under the
    posterior Gamma(px + q, v + x m̄)); with q ≤ 1, which monthly subscriptions of one price
    produce, customers with few repeat purchases have none and get NaN, not the negative
    number the formula would give.
    """
    p, q, v = params.p, params.q, params.v
    x = np.asarray(frequency, dtype=np.float64)
    m = np.where(x > 0, np.asarray(monetary_value, dtype=np.float64), 0.0)
    shape = p * x + q - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(shape > 0, p * (v + x * m) / shape, np.nan))


def simulate(
    params: GammaGammaParams, frequency: npt.ArrayLike, *, seed: int | None = None
) -> Array:
    """Draw each customer's mean spend m̄ over ``frequency`` purchases from the model.

    ν ~ Gamma(q, rate v); the sum of x spends ~ Gamma(px, rate ν), so m̄ = that sum ÷ x.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=np.float64)
    nu = rng.gamma(params.q, 1.0 / params.v, x.size)
    total = rng.gamma(np.where(x > 0, params.p * x, 1.0), 1.0 / nu)
    return np.where(x > 0, total / np.where(x > 0, x, 1.0), 0.0)
