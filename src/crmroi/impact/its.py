"""Interrupted time series: monthly won revenue before and after the CRM went live.

Segmented regression (Wagner et al. 2002, "Segmented regression analysis of interrupted time
series studies in medication use research", J Clin Pharm Ther 27:299–309, eq. 1), with
month-of-year dummies for seasonality::

    y_t = β0 + β1·t + β2·D_t + β3·(t − t0)·D_t + Σ_m γ_m·[month(t) = m] + ε_t

where ``D_t = 1`` from the adoption month ``t0`` on (the adoption month counts as post). The
effect in post month ``t`` is ``β2 + β3·(t − t0)``; the incremental revenue is its sum over the
post months, ``c'β`` with ``c = (0, 0, n_post, Σ(t − t0), 0 …)``, and its variance ``c'Vc`` uses
Newey–West (HAC) errors with ``⌊4(n/100)^{2/9}⌋`` lags, since monthly revenue is autocorrelated,
with the small-sample correction and a t(n − k) quantile: on 36 simulated months the plain HAC
normal interval covered the planted effect 82 % of the time, the corrected t interval 91 %
(89.5 % on 48 months with 24 before adoption, ``tests/impact/test_its.py``).
Seasonal dummies are used only with at least 24 months before adoption: with fewer, each
calendar month is seen once or not at all before the break and the dummies soak up the effect
(on a simulated 12 + 24 months the interval tripled).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats
from statsmodels.regression.linear_model import OLS

from crmroi.impact.estimate import Estimate, as_tuple

MIN_PRE_MONTHS = 6
MIN_POST_MONTHS = 3
METHOD = "interrupted_time_series"


def design(
    months: pd.DatetimeIndex, adoption: pd.Timestamp, *, seasonal: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """The regression matrix, the post-adoption mask and ``t − t0`` for each month."""
    t = np.arange(len(months), dtype=float)
    adoption_month = pd.Timestamp(year=adoption.year, month=adoption.month, day=1)
    post = np.asarray(months >= adoption_month)
    t0 = float(np.argmax(post)) if post.any() else float(len(months))
    since = np.where(post, t - t0, 0.0)
    columns = [np.ones_like(t), t, post.astype(float), since]
    if seasonal:
        moy = np.asarray(months.month)
        columns += [(moy == m).astype(float) for m in range(2, 13)]
    return np.column_stack(columns), post, since


def hac_lags(n: int) -> int:
    """Newey–West rule of thumb ``⌊4(n/100)^{2/9}⌋`` (at least 1)."""
    lags: int = math.floor(4.0 * (n / 100) ** (2 / 9))
    return max(1, lags)


ASSUMPTIONS = (
    "Without the CRM, monthly won revenue would have followed its pre-go-live level, trend and "
    "season (extrapolated from the months before go-live).",
    "Nothing else changed at go-live (prices, territories, marketing, the market).",
    "Monthly residuals may be autocorrelated (Newey–West errors) but are otherwise stable.",
)


def its_placebo(revenue: pd.Series, adoption: object) -> dict[str, float | None]:
    """The same estimate on the months before go-live with a go-live halfway through them."""
    when = pd.Timestamp(adoption)  # type: ignore[arg-type]
    pre = revenue[revenue.index < pd.Timestamp(year=when.year, month=when.month, day=1)]
    if len(pre) < MIN_PRE_MONTHS + MIN_POST_MONTHS:
        return {}
    placebo = interrupted_time_series(pre, pre.index[len(pre) // 2], checks=False)
    if not placebo.ok:
        return {}
    return {
        "placebo_value": placebo.value,
        "placebo_low": placebo.low,
        "placebo_high": placebo.high,
    }


def interrupted_time_series(
    revenue: pd.Series, adoption: object, *, checks: bool = True
) -> Estimate:
    """Incremental revenue after ``adoption`` from a gap-free monthly ``revenue`` series.

    ``revenue`` is indexed by month starts. Returns an :class:`Estimate` whose ``relative`` is the
    incremental revenue over the counterfactual post-adoption revenue (the fit without the
    ``D`` terms); its interval divides the absolute interval by that counterfactual.
    """
    when = pd.Timestamp(adoption)  # type: ignore[arg-type]
    months = pd.DatetimeIndex(revenue.index)
    y = np.nan_to_num(revenue.to_numpy(dtype=float))
    n_pre = int((months < pd.Timestamp(year=when.year, month=when.month, day=1)).sum())
    n_post = len(months) - n_pre
    if n_pre < MIN_PRE_MONTHS or n_post < MIN_POST_MONTHS:
        return Estimate.unavailable(
            METHOD,
            f"needs ≥{MIN_PRE_MONTHS} months of won deals before adoption and "
            f"≥{MIN_POST_MONTHS} after; found {n_pre} and {n_post}",
        )
    seasonal = n_pre >= 24
    x, post, since = design(months, when, seasonal=seasonal)
    lags = hac_lags(len(y))
    fit = OLS(y, x).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True
    )
    params = np.asarray(fit.params)
    cov = np.asarray(fit.cov_params())
    c = np.zeros(x.shape[1])
    c[2], c[3] = n_post, since[post].sum()
    value = float(c @ params)
    se = float(math.sqrt(max(c @ cov @ c, 0.0)))
    crit = float(stats.t.ppf(0.975, fit.df_resid))
    low, high = value - crit * se, value + crit * se
    effects = params[2] + params[3] * since[post]
    counterfactual = float((x[post] @ params).sum() - effects.sum())
    rel = value / counterfactual if counterfactual > 0 else None
    p_value = float(2 * stats.t.sf(abs(value) / se, fit.df_resid)) if se > 0 else None
    return Estimate(
        method=METHOD,
        value=value,
        se=se,
        low=low,
        high=high,
        relative=rel,
        relative_low=low / counterfactual if rel is not None else None,
        relative_high=high / counterfactual if rel is not None else None,
        p_value=p_value,
        months=tuple(m.strftime("%Y-%m") for m in months[post]),
        monthly=as_tuple(effects),
        details={
            "level_change": float(params[2]),
            "slope_change": float(params[3]),
            "pre_months": n_pre,
            "post_months": n_post,
            "seasonal": seasonal,
            "counterfactual": counterfactual,
            "hac_lags": lags,
        },
        design="monthly won revenue per creation-month cohort before vs after go-live "
        "(segmented regression" + (", month-of-year effects)" if seasonal else ")"),
        assumptions=ASSUMPTIONS,
        diagnostics={"n": float(len(y)), **(its_placebo(revenue, when) if checks else {})},
    )
