"""A CRM piloted by one team: synthetic control against the teams not yet live.

The design of :mod:`.synthetic` on the workspace. Units are teams (``users.team`` of the deals'
owners); a team goes live in the month of its reps' first seat (``users.active_from``). When one
team went live within the data and every other team only after it (a pilot), that team is
treated and the others are donors. Once the other teams go live too, the data hold a staggered
roll-out, whose design is the group-time DiD (:mod:`.staggered`), and this method steps aside.
The outcome is each team's win rate per *creation-month cohort* of closed deals, mature cohorts
only; the effect in money is the win-rate gap × the closed amount of the pilot team's cohorts.

Checks: an in-time placebo (a go-live halfway through the months before the real one, on those
months only: its conformal p-value is the pre-trend test), the in-space placebo p-value, and the
pre-period fit (RMSPE, also as a share of the team's mean month).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd

from crmroi.impact.estimate import Estimate, as_tuple
from crmroi.impact.synthetic import SyntheticFit, synthetic_control
from crmroi.roi.fx import FxRates, distinct_currencies
from crmroi.roi.tco import month_start
from crmroi.workspace import Workspace

METHOD = "synthetic_control"
NO_INTERVAL = (
    "its 95 % set of the monthly effect is empty or unbounded: no constant effect makes the "
    "donor teams' mix reproduce the pilot team's months after go-live"
)
MIN_MONTHS = 12
"""Months before and after go-live, together, for the synthetic control to run."""
MIN_PLACEBO_MONTHS = 6
RAMP_UP_SHARE = 0.5
ASSUMPTIONS = (
    "Without the CRM, the pilot team's monthly win rate (relative to its mean month before "
    "go-live) would have followed the weighted mix of donor teams, as it did before go-live.",
    "The CRM changes the pilot team's win rate, not the size or number of its deals "
    "(Δ = win-rate gap × closed amount of each month).",
    "The donor teams got no CRM in the window and were not affected by the pilot team's "
    "(no spill-over, no shared shock to the pilot team alone).",
    "The effect is the same in every month after go-live, and the monthly deviations from the "
    "synthetic team are alike over time (conformal interval, Chernozhukov, Wüthrich & Zhu 2021).",
    "With few donor teams the in-space placebo p-value is coarse: it cannot go below "
    "1 ÷ (donors + 1).",
)


@dataclass(frozen=True)
class Pilot:
    """The treated team, its go-live and the donor teams."""

    team: str
    go_live: pd.Timestamp
    donors: tuple[str, ...]


def find_pilot(go_lives: dict[str, pd.Timestamp | None], last: pd.Timestamp) -> Pilot | None:
    """The one team live by month ``last``, when ≥ 2 other teams go live only after it.

    A team whose go-live is unknown (no ``active_from``) is neither treated nor a donor.
    """
    known = sorted((g, team) for team, g in go_lives.items() if g is not None)
    live = [team for g, team in known if g <= last]
    donors = tuple(team for g, team in known if g > last)
    if len(live) != 1 or len(donors) < 2:
        return None
    return Pilot(live[0], known[0][0], donors)


@dataclass(frozen=True)
class Cohorts:
    """Closed deals per creation month (rows) and team (columns), and each team's go-live."""

    deals: pd.DataFrame
    won: pd.DataFrame
    amount: pd.DataFrame
    """Σ amount of the closed deals, in the reporting currency."""
    go_lives: dict[str, pd.Timestamp | None]


def team_cohorts(ws: Workspace, fx: FxRates, end: pd.Timestamp | None) -> Cohorts | None:
    """Closed deals, won deals and closed amount per team and creation month, from the engine.

    A team's go-live is the first month one of its deal owners held a seat; None when no owner
    has an ``active_from``. None when no closed deal has an owner in ``users``.
    """
    deals = ws.table("deals")
    closed = deals.filter(deals.status.isin(["won", "lost"]) & deals.created_at.notnull())
    if end is not None:
        closed = closed.filter(closed.created_at < end)
    fx.check(distinct_currencies(closed), where="deals")
    users = ws.table("users")
    users = users.filter(users.team.notnull()).select("user_id", "team", "active_from")
    joined = closed.inner_join(users, closed.owner_id == users.user_id)
    joined = joined.mutate(
        month=joined.created_at.truncate("M"),
        value=fx.amount_expr(joined),
        is_won=(joined.status == "won").ifelse(1, 0),
    )
    cells = (
        joined.group_by(["team", "month"])
        .aggregate(deals=joined.count(), won=joined.is_won.sum(), amount=joined.value.sum())
        .execute()
    )
    if cells.empty:
        return None
    starts = joined.group_by("team").aggregate(first=joined.active_from.min()).execute()
    cells["month"] = pd.to_datetime(cells["month"])
    cells["team"] = cells["team"].astype(str)
    months = pd.date_range(cells["month"].min(), cells["month"].max(), freq="MS")

    def wide(column: str) -> pd.DataFrame:
        table = cells.pivot_table(index="month", columns="team", values=column, aggfunc="sum")
        out: pd.DataFrame = table.reindex(months).fillna(0.0).astype(float)
        return out

    go_lives = {
        str(t): (month_start(g) if pd.notna(g) else None)
        for t, g in zip(starts["team"], starts["first"], strict=True)
    }
    return Cohorts(wide("deals"), wide("won"), wide("amount"), go_lives)


def pilot_estimate(ws: Workspace, fx: FxRates, *, end: pd.Timestamp | None = None) -> Estimate:
    """Synthetic control of the pilot team's win rate, months before ``end`` (module doc)."""
    cohorts = team_cohorts(ws, fx, end)
    pilot = None if cohorts is None else find_pilot(cohorts.go_lives, cohorts.deals.index[-1])
    if cohorts is None or pilot is None:
        return Estimate.unavailable(
            METHOD,
            "needs one team live in the data and ≥2 teams live only after it (a pilot) as donors",
        )
    window = _window(cohorts.deals[[pilot.team, *pilot.donors]])
    deals = cohorts.deals.loc[window, [pilot.team, *pilot.donors]]
    donors = tuple(d for d in pilot.donors if (deals[d] > 0).all())
    pre = int((deals.index < pilot.go_live).sum())
    post = len(deals) - pre
    if len(donors) < 2 or not (deals[pilot.team] > 0).all():
        return Estimate.unavailable(
            METHOD,
            "needs closed deals in every month for the pilot team and ≥2 donor teams",
        )
    if pre + post < MIN_MONTHS or pre < MIN_PLACEBO_MONTHS or post < 1:
        return Estimate.unavailable(
            METHOD,
            f"needs ≥{MIN_MONTHS} months of closed deals before and after the pilot team's "
            f"go-live (≥{MIN_PLACEBO_MONTHS} before); found {pre} and {post}",
        )
    columns = [pilot.team, *donors]
    rates = cohorts.won.loc[window, columns] / deals[columns]
    amount = cohorts.amount.loc[window, pilot.team]
    try:
        fit = synthetic_control(rates, pilot.team, pilot.go_live)
    except ValueError:  # no won deal before go-live: no level to compare with
        return Estimate.unavailable(
            METHOD, "the pilot team or every donor team won no deal before go-live"
        )
    if fit.low is None or fit.high is None:  # without it the ROI would read as certain
        return Estimate.unavailable(METHOD, NO_INTERVAL)
    return _estimate(fit, replace(pilot, donors=donors), rates, amount)


def _window(deals: pd.DataFrame) -> pd.Series:
    """The months from the first in which every team closes half its median month or more.

    A history that starts empty has few deals, and wild win rates, in its first months.
    """
    enough: pd.Series = (deals >= RAMP_UP_SHARE * deals.median()).all(axis=1)
    return enough.cummax()


def _in_money(fit: SyntheticFit, amount: pd.Series, go_live: pd.Timestamp) -> tuple[float, ...]:
    """Effect, low, high in money: win-rate gaps × the closed amount of each post month."""
    post = amount.index >= go_live
    total = float(amount[post].sum())
    value = float((fit.gaps[post] * amount[post]).sum())
    low = math.nan if fit.low is None else fit.low * total
    high = math.nan if fit.high is None else fit.high * total
    return value, low, high


def _placebo(rates: pd.DataFrame, amount: pd.Series, pilot: Pilot) -> dict[str, float | None]:
    """In-time placebo: a go-live halfway through the months before the real one."""
    pre = rates[rates.index < pilot.go_live]
    fake = pd.Timestamp(pre.index[len(pre) // 2])
    try:
        fit = synthetic_control(pre, pilot.team, fake)
    except ValueError:  # the pilot team won nothing in the first half
        return {}
    value, low, high = _in_money(fit, amount[amount.index < pilot.go_live], fake)
    return {
        "placebo_value": value,
        "placebo_low": None if math.isnan(low) else low,
        "placebo_high": None if math.isnan(high) else high,
        "pre_trend_p_value": fit.p_value,
    }


def _estimate(fit: SyntheticFit, pilot: Pilot, rates: pd.DataFrame, amount: pd.Series) -> Estimate:
    post = rates.index >= pilot.go_live
    value, low, high = _in_money(fit, amount, pilot.go_live)
    counterfactual = float((fit.synthetic[post] * amount[post]).sum())
    weights = ", ".join(f"{t} {w:.2f}" for t, w in sorted(fit.weights.items(), key=lambda i: -i[1]))
    relative = counterfactual > 0 and not math.isnan(low)
    return Estimate(
        method=METHOD,
        value=value,
        low=None if math.isnan(low) else low,
        high=None if math.isnan(high) else high,
        relative=value / counterfactual if counterfactual > 0 else None,
        relative_low=low / counterfactual if relative else None,
        relative_high=high / counterfactual if relative else None,
        p_value=fit.p_value,
        months=tuple(m.strftime("%Y-%m") for m in rates.index[post]),
        monthly=as_tuple((fit.gaps[post] * amount[post]).to_numpy()),
        details={
            "treated": pilot.team,
            "go_live": pilot.go_live.strftime("%Y-%m"),
            "weights": weights,
            "win_rate_change": fit.effect,
            "win_rate_change_low": fit.low,
            "win_rate_change_high": fit.high,
            "pre_months": fit.n_pre,
            "post_months": int(post.sum()),
            "counterfactual": counterfactual,
        },
        design=f"synthetic control: win rate of the {pilot.team} team's deals per creation "
        f"month from its go-live ({pilot.go_live:%Y-%m}) against a weighted mix of teams not "
        f"yet live ({weights}), fitted on the {fit.n_pre} months before; Δ = Σ gap × closed "
        "amount",
        assumptions=ASSUMPTIONS,
        diagnostics={
            "n": float(rates.size),
            **_placebo(rates, amount, pilot),
            "space_placebo_p_value": fit.space_p_value,
            "donors": float(len(fit.weights)),
            "pre_rmspe": fit.pre_rmspe,
            "pre_rmspe_share": fit.pre_rmspe / fit.pre_mean,
        },
    )
