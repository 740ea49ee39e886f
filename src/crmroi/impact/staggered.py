"""Staggered go-lives: group-time average effects with not-yet-treated controls.

Callaway & Sant'Anna (2021), "Difference-in-Differences with multiple time periods", J
Econometrics 225:200–230, the unconditional estimator with not-yet-treated controls (their
eq. 2.7 without covariates). Reps are grouped by the month they were first exposed, ``g`` (their
team's go-live, if they use the CRM; reps who do not are never exposed). For every group and
month ``t ≥ g``::

    ATT(g, t) = mean_{i∈g}(Y_it − Y_i,g−1) − mean_{j∈C(t)}(Y_jt − Y_j,g−1)

with ``C(t)`` the reps not exposed by ``t`` (later groups and never-exposed reps). Unlike
two-way fixed effects, no exposed rep-month serves as a control, so effects that grow over time
do not bias it (Goodman-Bacon 2021). Incremental revenue = Σ ``N_g · ATT(g, t)`` over the
exposed rep-months. It is linear in the reps' revenue changes, so each rep's influence is exact
and its variance is ``G/(G−1) Σ_i ψ_i²`` (reps independent), with a t(G − 1) interval.

The pre-trend check is the same contrast before go-live: each group's change from the first month
to ``g − 1`` against the reps not exposed by ``g`` (a long difference; zero under parallel
trends), summed like the effect; its interval is printed as the placebo, its p-value as the
pre-trend test. Written here, not taken from a library: without covariates the estimator is a
difference of means, and its influence function gives the interval without a bootstrap.
"""

from __future__ import annotations

import math

import pandas as pd
from scipy import stats

from crmroi.impact.did import crm_users, rep_month_panel, team_go_live
from crmroi.impact.estimate import Estimate, as_tuple
from crmroi.roi.fx import FxRates
from crmroi.roi.tco import month_start
from crmroi.workspace import Workspace

METHOD = "staggered_did"
ASSUMPTIONS = (
    "Each group of reps, had it not gone live, would have seen its won revenue change like the "
    "reps not yet live and those who do not use the CRM (parallel trends, in EUR per rep-month).",
    "No rep changes course in anticipation of go-live (the month before go-live is the base).",
    "Reps are independent of each other (influence-function variance, t with G − 1 df).",
)


def _contrast(
    wide: pd.DataFrame, groups: pd.Series, g: pd.Timestamp, t: pd.Timestamp, base: pd.Timestamp
) -> tuple[float, pd.Series] | None:
    """``N_g`` × (mean change of group ``g`` − mean change of reps not exposed by ``t``)."""
    change = wide[t] - wide[base]
    treated = groups == g
    controls = groups.isna() | (groups > max(t, g))
    n_g, n_c = int(treated.sum()), int(controls.sum())
    if n_g == 0 or n_c == 0:
        return None
    mean_g, mean_c = float(change[treated].mean()), float(change[controls].mean())
    psi = pd.Series(0.0, index=wide.index)
    psi[treated] = change[treated] - mean_g
    psi[controls] = -(n_g / n_c) * (change[controls] - mean_c)
    return n_g * (mean_g - mean_c), psi


def group_time_att(panel: pd.DataFrame, first: dict[str, pd.Timestamp | None]) -> Estimate:
    """Incremental revenue from a rep × month panel and each rep's first exposed month."""
    wide = panel.pivot_table(index="unit", columns="month", values="revenue", aggfunc="sum")
    months = [pd.Timestamp(m) for m in wide.columns]
    wide = wide.fillna(0.0).set_axis(months, axis=1)
    groups = pd.Series({u: first.get(u) for u in wide.index}, dtype="datetime64[ns]")
    cohorts = sorted(
        pd.Timestamp(g) for g in groups.dropna().unique() if months[0] < g <= months[-1]
    )
    effect, pre = 0.0, 0.0
    psi, psi_pre = pd.Series(0.0, index=wide.index), pd.Series(0.0, index=wide.index)
    per_month: dict[pd.Timestamp, float] = {}
    cells = 0
    for g in cohorts:
        base = months[months.index(g) - 1]
        for t in months[months.index(g) :]:
            got = _contrast(wide, groups, g, t, base)
            if got is not None:
                effect, psi, cells = effect + got[0], psi + got[1], cells + 1
                per_month[t] = per_month.get(t, 0.0) + got[0]
        drift = _contrast(wide, groups, g, base, months[0]) if base != months[0] else None
        if drift is not None:
            pre, psi_pre = pre + drift[0], psi_pre + drift[1]
    n = len(wide)
    if cells == 0 or n < 4:
        return Estimate.unavailable(
            METHOD, "needs ≥4 reps, exposed rep-months and reps not (yet) exposed to compare"
        )
    scale = n / (n - 1)
    se = math.sqrt(scale * float((psi**2).sum()))
    se_pre = math.sqrt(scale * float((psi_pre**2).sum()))
    crit = float(stats.t.ppf(0.975, n - 1))
    diagnostics: dict[str, float | None] = {"n": float(n * len(months))}
    if se_pre > 0:
        diagnostics |= {
            "placebo_value": pre,
            "placebo_low": pre - crit * se_pre,
            "placebo_high": pre + crit * se_pre,
            "pre_trend_p_value": float(2 * stats.t.sf(abs(pre) / se_pre, n - 1)),
        }
    ordered = sorted(per_month)
    return Estimate(
        method=METHOD,
        value=effect,
        se=se,
        low=effect - crit * se,
        high=effect + crit * se,
        p_value=float(2 * stats.t.sf(abs(effect) / se, n - 1)) if se > 0 else None,
        months=tuple(m.strftime("%Y-%m") for m in ordered),
        monthly=as_tuple([per_month[m] for m in ordered]),
        details={"groups": len(cohorts), "group_months": cells, "reps": n},
        design="rep × month won revenue, group-time effects (Callaway–Sant'Anna) against reps "
        "not yet live or not using the CRM",
        assumptions=ASSUMPTIONS,
        diagnostics=diagnostics,
    )


def staggered_estimate(
    ws: Workspace, fx: FxRates, adoption: pd.Timestamp, *, end: pd.Timestamp | None = None
) -> Estimate:
    """:func:`group_time_att` on the workspace's reps.

    A rep who uses the CRM is exposed from its team's go-live (the adoption month when teams went
    live together); a rep who does not, never.
    """
    built = rep_month_panel(ws, fx, end)
    if built is None:
        return Estimate.unavailable(METHOD, "no won deals owned by CRM users")
    panel, users = built
    staggered, team_start = team_go_live(users)
    using = crm_users(ws, users, adoption)
    start = month_start(adoption)
    first = {
        u: ((team_start.get(u) or start) if staggered else start) if u in using else None
        for u in users["user_id"]
    }
    return group_time_att(panel, first)
