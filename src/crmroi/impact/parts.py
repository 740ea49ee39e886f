"""Incremental revenue from its parts, estimated on every closed deal: win rate × deal size.

Revenue of a cohort of opportunities is Σ won_i · amount_i. Two deal-level models, each with
owner, segment and month-of-year effects and two adoption terms — ``E`` (created after the
owner's go-live by a rep who uses the CRM) and ``U`` (after go-live, a rep who does not):

* win rate, a linear probability model ``won_i = x_iβ + τ_p E_i + υ_p U_i + ε_i`` (its
  coefficients are percentage points, which is how a win-rate uplift adds revenue);
* deal size, ``log amount_i = α_owner + α_segment + γ_month + τ_s E_i + η_i`` on deals with an
  amount, with *calendar*-month effects: prices drift with inflation and price lists, and a
  before/after would credit that drift to the CRM (on the simulated company, with a planted 5 %
  a year, +6.7 %; a linear trend instead is collinear with a step and month-of-year effects on
  18 months), so deal size is compared with reps who do not use the CRM (yet) in the same month.

Each exposed deal's counterfactual is a win chance ``p̂_i − τ_p`` and an amount
``amount_i · e^(−τ_s)``, so the incremental revenue over the exposed deals ``ℰ`` is

    Δ = Σ_ℰ amount_i · [p̂_i − e^(−τ_s) (p̂_i − τ_p)]

(``τ_p Σ amount`` when deal size is unchanged). Its variance is ``∇Δᵀ V ∇Δ`` (delta method)
with ``V`` the joint covariance of both models, clustered by owner or heteroskedasticity-robust,
whichever gives Δ the larger variance (:mod:`.ols`), and the interval uses a t with G − 1 degrees
of freedom (G owners). The identifying assumption is a within-owner
before/after: nothing but the CRM changed exposed reps' win rates and deal sizes at go-live.
``υ`` — the change for reps who do not use the CRM — tests that; a placebo go-live halfway
through the months before go-live and a pre-go-live win-rate trend test it further.

Opportunity *volume* is not a term: a rep's deals come from the accounts of their territory,
and the CRM's effect on how many leads become opportunities is measured on the leads themselves
(workflow holdouts, campaign control groups). The cycle (days to close) is estimated alongside
as a part; it moves revenue in time, not in amount, for a cohort of deals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from crmroi.impact.deal_data import DealFrame, deal_frame
from crmroi.impact.estimate import Estimate, as_tuple
from crmroi.impact.ols import Cells, Matrix, joint_cov, ols
from crmroi.roi.fx import FxRates
from crmroi.workspace import Workspace

METHOD = "deal_level_parts"
MIN_DEALS = 100
MIN_OWNERS = 4
NO_VARIANCE = 1e-9
ASSUMPTIONS = (
    "Win rates and deal sizes of reps who use the CRM would have stayed at their pre-go-live "
    "level, after owner, segment and month-of-year effects (within-owner before/after).",
    "Deal sizes of reps who use the CRM and of those who do not (yet) would have moved alike "
    "from month to month (parallel price trends).",
    "Nothing else that changed at go-live moved win rates (checked: the change for reps who do "
    "not use the CRM, and a placebo go-live before the real one).",
    "The win-rate effect adds the same percentage points to every deal of a rep who uses the CRM "
    "(linear probability model); the deal-size effect is a common factor.",
    "Opportunity volume per rep is not changed by using the CRM (leads come by territory); "
    "lead-level effects are measured by the workflow and campaign holdouts.",
    "Deals of one owner may be correlated; deals of different owners are not (clustered errors, "
    "or robust ones when larger).",
)


def design(deals: pd.DataFrame, terms: tuple[str, ...], *, calendar: bool = False) -> Matrix:
    """Intercept, owner, segment and month dummies, then the ``terms`` columns.

    Months are months of the year, or calendar months with ``calendar``.
    """
    months = deals["month"].astype(str) if calendar else deals["month"].dt.month.astype(str)
    blocks = [np.ones((len(deals), 1))]
    blocks += [
        pd.get_dummies(c, drop_first=True, dtype=float).to_numpy()
        for c in (deals["owner"], deals["segment"], months)
    ]
    blocks += [deals[t].to_numpy(dtype=float)[:, None] for t in terms]
    return np.column_stack(blocks)


def cells(deals: pd.DataFrame, terms: tuple[str, ...]) -> tuple[Cells, pd.DataFrame]:
    """The deals grouped by what :func:`design` reads, and one deal of every cell.

    The designs are built on those deals only (one row per cell, ~1,200 of the large company's
    105k deals): each cell holds every owner, segment and month, so the dummies are the same.
    """
    grouped = Cells.of(deals[["owner", "segment", "month", *terms]], "owner")
    return grouped, deals.iloc[grouped.first]


def _increment(
    deals: pd.DataFrame, grouped: Cells, win_x: Matrix, size_x: Matrix
) -> tuple[float, float, float, float, dict[str, float], pd.Series]:
    """Δ, its SE, the counterfactual, t quantile, the parts and Δ per month.

    ``win_x`` and ``size_x`` are the designs' rows of the ``grouped`` deals' cells.
    """
    owners = deals["owner"].to_numpy()
    won = deals["won"].to_numpy(dtype=float)
    amount = deals["amount"].to_numpy(dtype=float)
    has_amount = amount > 0
    win = ols(win_x, won, grouped)
    size = ols(size_x, np.log(np.where(has_amount, amount, 1.0)), grouped, has_amount)
    cycle = ols(win_x, deals["cycle_days"].to_numpy(dtype=float), grouped)
    k_w = win_x.shape[1]
    tau_p_at, tau_s_at = k_w - 2, win_x.shape[1] + size_x.shape[1] - 1
    clustered, robust = joint_cov((win, size, cycle))
    exposed = deals["exposed"].to_numpy() > 0
    a, p_hat = amount[exposed], win.fitted[exposed]
    tau_p, tau_s = float(win.params[-2]), float(size.params[-1])
    shrink = math.exp(-tau_s)
    value = float((a * (p_hat - shrink * (p_hat - tau_p))).sum())
    counterfactual = float((a * shrink * (p_hat - tau_p)).sum())
    grad = np.zeros(clustered.shape[0])
    grad[:k_w] = win_x.T @ grouped.sum(np.where(exposed, amount, 0.0)) * (1 - shrink)
    grad[tau_p_at] += shrink * a.sum()
    grad[tau_s_at] = shrink * float((a * (p_hat - tau_p)).sum())
    # the larger of the clustered and the robust variance, for Δ and for each part (ols doc)
    cov = clustered if grad @ clustered @ grad >= grad @ robust @ grad else robust
    se = math.sqrt(max(float(grad @ cov @ grad), 0.0))
    groups = len(pd.unique(owners))
    crit = float(stats.t.ppf(0.975, max(groups - 1, 1)))

    def part(at: int) -> tuple[float, float]:
        sd = math.sqrt(max(clustered[at, at], robust[at, at]))
        return float(np.r_[win.params, size.params, cycle.params][at]), sd

    k_s = size_x.shape[1]
    parts: dict[str, float] = {}
    for name, at in (
        ("win_rate_change", tau_p_at),
        ("unexposed_win_rate_change", tau_p_at + 1),
        ("log_deal_size_change", tau_s_at),
        ("cycle_days_change", k_w + k_s + k_w - 2),
    ):
        est, sd = part(at)
        parts[name], parts[f"{name}_se"] = est, sd
    est, sd = parts["unexposed_win_rate_change"], parts["unexposed_win_rate_change_se"]
    # a win rate that never varies (every deal won, say) leaves only rounding in sd: no test
    varies = sd > NO_VARIANCE and np.ptp(won) > 0
    parts["unexposed_p_value"] = float(2 * stats.t.sf(abs(est) / sd, groups - 1)) if varies else 1.0
    per_deal = a * (p_hat - shrink * (p_hat - tau_p))
    monthly = pd.Series(per_deal, index=deals.loc[exposed, "month"].to_numpy()).groupby(level=0)
    return value, se, counterfactual, crit, parts, monthly.sum()


def _fit(deals: pd.DataFrame) -> tuple[float, float, float, float, dict[str, float], pd.Series]:
    grouped, first = cells(deals, ("exposed", "unexposed"))
    x = design(first, ("exposed", "unexposed"))
    return _increment(deals, grouped, x, design(first, ("exposed",), calendar=True))


def placebo(deals: pd.DataFrame) -> dict[str, float] | None:
    """The same estimate on pre-go-live deals with a go-live moved half the pre-period earlier."""
    pre = deals[deals["month"] < deals["go_live"]].copy()
    if pre.empty:
        return None
    months = (pre["go_live"].min().to_period("M") - pre["month"].min().to_period("M")).n
    shift = pd.DateOffset(months=max(months // 2, 1))
    fake = pre["month"] >= pre["go_live"] - shift
    uses = pre["uses_crm"].to_numpy()
    pre["exposed"] = (fake & uses).astype(float)
    pre["unexposed"] = (fake & ~uses).astype(float)
    if pre["exposed"].sum() < MIN_DEALS / 4 or (pre["exposed"] == 0).sum() < MIN_DEALS / 4:
        return None
    value, se, _, crit, _, _ = _fit(pre)
    return {
        "placebo_value": value,
        "placebo_low": value - crit * se,
        "placebo_high": value + crit * se,
        "placebo_shift_months": float(max(months // 2, 1)),
    }


def pre_trend(deals: pd.DataFrame) -> dict[str, float] | None:
    """Linear trend of the win rate before go-live (points per year) and its p-value."""
    pre = deals[deals["month"] < deals["go_live"]].copy()
    if len(pre) < MIN_DEALS / 2 or pre["won"].nunique() < 2:
        return None
    start = pre["month"].min()
    pre["trend"] = (pre["month"] - start).dt.days.to_numpy() / 365.25
    grouped, first = cells(pre, ("trend",))
    fit = ols(design(first, ("trend",)), pre["won"].to_numpy(dtype=float), grouped)
    se = math.sqrt(max(m[-1, -1] for m in joint_cov((fit,))))
    groups = grouped.groups
    slope = float(fit.params[-1])
    p = float(2 * stats.t.sf(abs(slope) / se, max(groups - 1, 1))) if se > 0 else 1.0
    return {"pre_trend_win_rate_per_year": slope, "pre_trend_p_value": p}


def parts_estimate(frame: DealFrame) -> Estimate:
    """Incremental revenue of the exposed deals from win rate and deal size (module doc)."""
    deals = frame.deals
    owners = deals["owner"].nunique()
    exposed = int(deals["exposed"].sum())
    before = int((deals["month"] < deals["go_live"]).sum())
    if len(deals) < MIN_DEALS or owners < MIN_OWNERS or exposed == 0 or before == 0:
        return Estimate.unavailable(
            METHOD,
            f"needs ≥{MIN_DEALS} closed deals of ≥{MIN_OWNERS} owners, some before and some after "
            f"go-live by reps who use the CRM; found {len(deals)} deals, {owners} owners, "
            f"{before} before, {exposed} exposed",
        )
    value, se, counterfactual, crit, parts, monthly = _fit(deals)
    low, high = value - crit * se, value + crit * se
    checks = {**(placebo(deals) or {}), **(pre_trend(deals) or {})}
    details = {"deals": len(deals), "exposed_deals": exposed, "owners": owners, **parts, **checks}
    diagnostics: dict[str, float | None] = {
        "n": float(len(deals)),
        **checks,
        "non_user_win_rate_change": parts["unexposed_win_rate_change"],
        "non_user_p_value": parts["unexposed_p_value"],
    }
    rel = value / counterfactual if counterfactual > 0 else None
    return Estimate(
        method=METHOD,
        value=value,
        se=se,
        low=low,
        high=high,
        relative=rel,
        relative_low=low / counterfactual if rel is not None else None,
        relative_high=high / counterfactual if rel is not None else None,
        p_value=float(2 * stats.t.sf(abs(value) / se, max(owners - 1, 1))) if se > 0 else None,
        months=tuple(pd.Timestamp(m).strftime("%Y-%m") for m in monthly.index),
        monthly=as_tuple(monthly.to_numpy()),
        details={"staggered": frame.staggered, "counterfactual": counterfactual, **details},
        design="every closed deal: win rate (linear probability) and deal size (log) of reps who "
        "use the CRM, before vs after "
        + ("their team's go-live" if frame.staggered else "go-live")
        + ", with owner, segment and month-of-year effects; Δ = Σ amount × (p̂ − counterfactual p)",
        assumptions=ASSUMPTIONS,
        diagnostics=diagnostics,
    )


def deal_level_estimate(
    ws: Workspace, fx: FxRates, adoption: pd.Timestamp, *, end: pd.Timestamp | None = None
) -> Estimate:
    """:func:`parts_estimate` on the workspace's closed deals created before ``end``."""
    return parts_estimate(deal_frame(ws, fx, adoption, end))
