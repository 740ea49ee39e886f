"""Difference-in-differences: reps or teams that use the CRM against those that do not (yet).

Two-way fixed effects on a rep × month panel of won revenue (Angrist & Pischke 2009, *Mostly
Harmless Econometrics*, §5.2, eq. 5.2.3)::

    y_it = α_i + γ_t + β·D_it + ε_it

``D_it = 1`` when rep ``i`` is exposed to the CRM in month ``t``. Two comparison designs, chosen
from the data by :func:`exposure`:

* **staggered teams** — teams whose first seat started at least 3 months apart: a team is exposed
  from its own first month (the not-yet-adopted teams are the comparison; with effects that vary
  over time TWFE can be biased, Goodman-Bacon 2021);
* **low-adoption reps** — otherwise, reps whose login rate after adoption is below a quarter of
  the median rep's are the comparison, and the others are exposed from the adoption month. Reps
  who log in more may also sell more for other reasons; read this as an upper bound.

Standard errors are clustered by rep (the interval uses a t with G − 1 degrees of freedom). The
incremental revenue is ``β × Σ D_it`` (exposed rep-months), higher is better.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.linear_model import OLS

from crmroi.impact.estimate import Estimate, as_tuple
from crmroi.impact.series import won_revenue
from crmroi.roi.fx import FxRates
from crmroi.roi.tco import month_start
from crmroi.workspace import Workspace

METHOD = "difference_in_differences"
STAGGER_MONTHS = 3
LOW_ADOPTION_SHARE = 0.25


def difference_in_differences(panel: pd.DataFrame) -> Estimate:
    """TWFE estimate from a balanced panel: ``unit``, ``month``, ``revenue``, ``treat`` (0/1)."""
    units = panel["unit"].astype("category")
    months = panel["month"].astype("category")
    treat = panel["treat"].to_numpy(dtype=float)
    n_units, n_months = len(units.cat.categories), len(months.cat.categories)
    if n_units < 4 or n_months < 4 or treat.sum() == 0 or treat.sum() == treat.size:
        return Estimate.unavailable(METHOD, "needs ≥4 reps, ≥4 months, exposed and unexposed cells")
    unit_fx = pd.get_dummies(units, drop_first=True, dtype=float).to_numpy()
    month_fx = pd.get_dummies(months, drop_first=True, dtype=float).to_numpy()
    x = np.column_stack([np.ones_like(treat), treat, unit_fx, month_fx])
    y = panel["revenue"].to_numpy(dtype=float)
    groups = units.cat.codes.to_numpy()
    fit = OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups})
    beta, se = float(fit.params[1]), float(fit.bse[1])
    exposed = float(treat.sum())
    crit = float(stats.t.ppf(0.975, max(n_units - 1, 1)))
    value, total_se = beta * exposed, se * exposed
    per_month = panel.assign(effect=treat * beta).groupby("month", observed=True)["effect"].sum()
    per_month = per_month[per_month.index.isin(panel.loc[panel["treat"] > 0, "month"])]
    base = float(y[treat > 0].sum()) - value
    rel = value / base if base > 0 else None
    p_value = float(2 * stats.t.sf(abs(beta) / se, max(n_units - 1, 1))) if se > 0 else None
    return Estimate(
        method=METHOD,
        value=value,
        se=total_se,
        low=value - crit * total_se,
        high=value + crit * total_se,
        relative=rel,
        relative_low=(value - crit * total_se) / base if rel is not None else None,
        relative_high=(value + crit * total_se) / base if rel is not None else None,
        p_value=p_value,
        months=tuple(pd.Timestamp(m).strftime("%Y-%m") for m in per_month.index),
        monthly=as_tuple(per_month.to_numpy()),
        details={"effect_per_rep_month": beta, "reps": n_units, "exposed_rep_months": exposed},
    )


def team_go_live(users: pd.DataFrame) -> tuple[bool, dict[str, pd.Timestamp | None]]:
    """Whether teams went live ≥ ``STAGGER_MONTHS`` apart, and each user's team's first month."""
    frm = pd.to_datetime(users["active_from"])
    team_start = frm.groupby(users["team"].fillna("")).transform("min")
    starts = team_start.dropna().map(month_start)
    spread = (starts.max() - starts.min()).days / 30.4 if len(starts) else 0.0
    staggered = users["team"].nunique() >= 2 and spread >= STAGGER_MONTHS
    return bool(staggered), {
        str(u): (month_start(s) if pd.notna(s) else None)
        for u, s in zip(users["user_id"], team_start, strict=True)
    }


def crm_users(ws: Workspace, users: pd.DataFrame, adoption: pd.Timestamp) -> set[str]:
    """Users whose login count since ``adoption`` is at least a quarter of the median user's."""
    acts = ws.table("activities")
    logins = acts.filter((acts.type == "login") & (acts.occurred_at >= adoption))
    counts = logins.group_by("user_id").aggregate(n=logins.count()).execute()
    per_user = dict(zip(counts["user_id"].astype(str), counts["n"].astype(float), strict=True))
    rates = pd.Series([per_user.get(str(u), 0.0) for u in users["user_id"]], dtype=float)
    threshold = LOW_ADOPTION_SHARE * float(rates.median())
    return {
        str(u) for u, r in zip(users["user_id"], rates, strict=True) if r >= threshold and r > 0
    }


def exposure(
    ws: Workspace, users: pd.DataFrame, adoption: pd.Timestamp
) -> tuple[str, dict[str, pd.Timestamp | None]]:
    """Choose the design and return each rep's first exposed month (None: never exposed)."""
    staggered, go_live = team_go_live(users)
    if staggered:
        return "staggered_teams", go_live
    using = crm_users(ws, users, adoption)
    first = month_start(adoption)
    return "low_adoption_reps", {
        str(u): (first if str(u) in using else None) for u in users["user_id"]
    }


def rep_month_panel(
    ws: Workspace, fx: FxRates, end: pd.Timestamp | None
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Won revenue per rep and creation month before ``end``, and the users who own those deals.

    The panel (``unit``, ``month``, ``revenue``) is zero-filled; None when no user owns a won deal.
    """
    users = ws.table("users").select("user_id", "team", "active_from").execute()
    users["user_id"] = users["user_id"].astype(str)
    agg = won_revenue(ws, fx, by=("owner_id",), date="created")
    agg = agg.assign(owner_id=agg["owner_id"].astype(str))
    agg = agg[agg["owner_id"].isin(set(users["user_id"]))]
    if end is not None:
        agg = agg[agg["month"] < end]
    if agg.empty:
        return None
    months = pd.date_range(agg["month"].min(), agg["month"].max(), freq="MS")
    owners = sorted(set(agg["owner_id"]))  # seats that own no deal add nothing
    grid = pd.MultiIndex.from_product([owners, months], names=["unit", "month"])
    revenue = agg.assign(unit=agg["owner_id"]).groupby(["unit", "month"])["revenue"]
    panel = revenue.sum().reindex(grid, fill_value=0.0).reset_index()
    # only the reps who own deals define the design (staff seats neither sell nor compare)
    return panel, users[users["user_id"].isin(set(owners))]


def did_estimate(
    ws: Workspace, fx: FxRates, adoption: pd.Timestamp, *, end: pd.Timestamp | None = None
) -> Estimate:
    """Difference-in-differences on the workspace's reps, months before ``end`` (module doc)."""
    built = rep_month_panel(ws, fx, end)
    if built is None:
        return Estimate.unavailable(METHOD, "no won deals owned by CRM users")
    panel, users = built
    design, exposed_from = exposure(ws, users, adoption)
    start = pd.to_datetime(panel["unit"].map(exposed_from))  # object dtype warned on fillna
    exposed = start.notna() & (panel["month"] >= start.fillna(pd.Timestamp.max))
    panel["treat"] = exposed.astype(float)
    estimate = difference_in_differences(panel)
    details = {**estimate.details, "design": design}
    if not estimate.ok:
        return Estimate.unavailable(METHOD, f"{design}: {estimate.reason}")
    return replace(
        estimate,
        details=details,
        design=f"rep × month won revenue, two-way fixed effects; comparison: {DESIGNS[design]}",
        assumptions=ASSUMPTIONS,
        diagnostics={"n": float(len(panel)), **did_checks(panel, start)},
    )


DESIGNS = {
    "staggered_teams": "teams not yet live (teams went live at least 3 months apart)",
    "low_adoption_reps": "reps who barely log in (below ¼ of the median rep's logins)",
}
ASSUMPTIONS = (
    "Exposed and comparison reps' won revenue would have moved in parallel (parallel trends).",
    "The effect is the same for every exposed rep-month; with staggered go-lives and effects "
    "that change over time two-way fixed effects can be biased (Goodman-Bacon 2021).",
    "Comparison reps differ only in CRM use; reps who log in more may also sell more (upper "
    "bound when comparing with low-adoption reps).",
    "Rep-months of one rep may be correlated; different reps are not (clustered by rep).",
)


def did_checks(panel: pd.DataFrame, start: pd.Series) -> dict[str, float | None]:
    """Placebo (go-live moved half the pre-period earlier, pre-period only) and pre-trend test.

    Both compare, before anyone went live, the reps who went live first with the rest: the
    placebo gives the first group a go-live halfway through those months; the pre-trend test
    regresses revenue on rep and month effects plus ``first group × months`` and reports that
    slope's p-value (clustered by rep).
    """
    first = start.min()
    if pd.isna(first):
        return {}
    pre = panel[panel["month"] < first].copy()
    months = sorted(pre["month"].unique())
    if len(months) < 4:
        return {}
    fake = months[len(months) // 2]
    first_group = (start.loc[pre.index] == first).to_numpy()
    if not 0 < first_group.sum() < len(first_group):
        return {}
    pre["treat"] = (first_group & (pre["month"] >= fake).to_numpy()).astype(float)
    placebo = difference_in_differences(pre)
    out: dict[str, float | None] = {}
    if placebo.ok:
        out |= {"placebo_value": placebo.value, "placebo_low": placebo.low}
        out |= {"placebo_high": placebo.high}
    t = pre["month"].map({m: i for i, m in enumerate(months)}).to_numpy(dtype=float)
    units = pre["unit"].astype("category")
    x = np.column_stack(
        [
            np.ones(len(pre)),
            first_group * t,
            pd.get_dummies(units, drop_first=True, dtype=float).to_numpy(),
            pd.get_dummies(pre["month"].astype(str), drop_first=True, dtype=float).to_numpy(),
        ]
    )
    fit = OLS(pre["revenue"].to_numpy(dtype=float), x).fit(
        cov_type="cluster", cov_kwds={"groups": units.cat.codes.to_numpy()}
    )
    g = max(len(units.cat.categories) - 1, 1)
    out["pre_trend_p_value"] = float(2 * stats.t.sf(abs(fit.params[1] / fit.bse[1]), g))
    return out
