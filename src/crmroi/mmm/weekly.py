"""The marketing-mix model's inputs from the workspace: spend and outcome per week.

Spend comes from ``channel_spend`` (one series per channel, or per channel and campaign where
the campaign is given); the outcome is one of :data:`MEASURES`, counted from the CRM's own
tables by the week its event falls in (weeks start on Monday, the engine's ``date_trunc``):

* ``revenue``: Σ ``deals.amount`` of won deals by the week of ``closed_at``;
* ``deals``: the number of won deals by the week of ``closed_at``;
* ``leads``: the number of ``contacts`` by the week of ``created_at``.

Every sum runs in the engine; only one row per week (and channel) comes back. Weeks between the
first and the last week with spend are modelled; a week without a spend row spent nothing and a
week without an outcome had none. Money is in the reporting currency (:class:`FxRates`).

A lead or a won deal is worth money: :func:`value_per_unit` is the won revenue per unit over the
same weeks (1 for revenue), so a model of leads gives incremental revenue = incremental leads ×
revenue per lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import ibis.expr.types as ir
import pandas as pd

from crmroi.errors import InputError
from crmroi.mmm.fit import MONTHS_MIN_WEEKS, MmmResult, fit_mmm
from crmroi.roi.fx import FxRates, distinct_currencies
from crmroi.workspace import Workspace

Measure = Literal["revenue", "deals", "leads"]
MEASURES: tuple[Measure, ...] = ("revenue", "deals", "leads")


@dataclass(frozen=True)
class WeeklyInputs:
    """Spend per week (rows) and channel (columns), the outcome on the same weeks, its value."""

    spend: pd.DataFrame
    outcome: pd.Series
    measure: Measure
    value_per_unit: float
    """Won revenue per unit of the outcome over the weeks (1 for revenue)."""


def spend_expr(ws: Workspace, fx: FxRates) -> ir.Table:
    """``week``, ``channel`` (``channel / campaign`` where a campaign is named), ``spend``."""
    t = ws.table("channel_spend")
    fx.check(distinct_currencies(t), where="channel_spend")
    unit = t.campaign.isnull().ifelse(t.channel, t.channel + " / " + t.campaign)
    rows = t.select(
        week=t.period_start.truncate("W"), channel=unit, spend=fx.amount_expr(t, "spend")
    )
    return rows.group_by("week", "channel").aggregate(spend=rows.spend.sum())


def _won(ws: Workspace) -> ir.Table:
    deals = ws.table("deals")
    won = deals.filter((deals.status == "won") & deals.closed_at.notnull())
    return won.mutate(week=won.closed_at.truncate("W"))


def outcome_expr(ws: Workspace, measure: Measure, fx: FxRates) -> ir.Table:
    """``week`` and ``outcome``: the measure (module doc) per week, weeks with none left out."""
    if measure == "leads":
        contacts = ws.table("contacts")
        contacts = contacts.filter(contacts.created_at.notnull())
        weekly = contacts.mutate(week=contacts.created_at.truncate("W"))
        return weekly.group_by("week").aggregate(outcome=weekly.count().cast("float64"))
    won = _won(ws)
    if measure == "deals":
        return won.group_by("week").aggregate(outcome=won.count().cast("float64"))
    fx.check(distinct_currencies(won), where="deals")
    won = won.mutate(value=fx.amount_expr(won))
    return won.group_by("week").aggregate(outcome=won.value.sum())


def value_per_unit(
    ws: Workspace, measure: Measure, fx: FxRates, first: pd.Timestamp, last: pd.Timestamp
) -> float:
    """Won revenue per lead or per won deal over the weeks ``first`` … ``last`` (1: revenue)."""
    if measure == "revenue":
        return 1.0
    won = _won(ws)
    won = won.filter((won.week >= first) & (won.week <= last))
    fx.check(distinct_currencies(won), where="deals")
    revenue = won.aggregate(v=fx.amount_expr(won).sum()).execute()["v"].iloc[0]
    units = outcome_expr(ws, measure, fx)
    units = units.filter((units.week >= first) & (units.week <= last))
    count = units.aggregate(n=units.outcome.sum()).execute()["n"].iloc[0]
    if pd.isna(count) or not count or pd.isna(revenue):
        raise InputError(
            f"no won revenue or no {measure} in the weeks with spend: nothing to value"
        )
    return float(revenue) / float(count)


def weekly_inputs(ws: Workspace, measure: Measure, fx: FxRates) -> WeeklyInputs:
    """Spend and outcome per week from the workspace, with errors that say what is missing."""
    if measure not in MEASURES:
        raise InputError(f"unknown outcome {measure!r}; choose one of {', '.join(MEASURES)}")
    long = spend_expr(ws, fx).execute()
    if long.empty:
        raise InputError(
            "the workspace has no weekly spend: import channel_spend.csv (period_start, channel, "
            "spend) or give --spend and --outcome files",
            file="channel_spend",
        )
    long["week"] = pd.to_datetime(long["week"])
    wide = long.pivot_table(index="week", columns="channel", values="spend", aggfunc="sum")
    weeks = pd.date_range(wide.index.min(), wide.index.max(), freq="W-MON", name="week")
    spend = wide.reindex(weeks, fill_value=0.0).fillna(0.0)
    spend.columns = [str(c) for c in spend.columns]
    flat = [str(c) for c in spend.columns if spend[c].std() == 0]
    if flat:
        raise InputError(
            f"channel {flat[0]!r} spends the same every week, so its effect cannot be told "
            "from the baseline: leave it out or give weeks with different spend",
            file="channel_spend",
        )
    frame = outcome_expr(ws, measure, fx)
    frame = frame.filter((frame.week >= weeks[0]) & (frame.week <= weeks[-1])).execute()
    outcome = pd.Series(
        frame["outcome"].to_numpy(float), index=pd.to_datetime(frame["week"]), name=measure
    )
    outcome = outcome.groupby(level=0).sum().reindex(weeks, fill_value=0.0)
    if not outcome.any():
        raise InputError(f"no {measure} in the weeks with spend ({weeks[0]:%Y-%m-%d} on)")
    value = value_per_unit(ws, measure, fx, weeks[0], weeks[-1])
    return WeeklyInputs(spend, outcome.rename(measure), measure, value)


def fit_weekly(inputs: WeeklyInputs, *, bootstrap: int = 500, seed: int = 0) -> MmmResult:
    """The model on the workspace's weeks: the season by calendar month once two years are in.

    A CRM's leads and deals step with the calendar (budgets, holidays), which month shares fit
    and two harmonics do not (:func:`crmroi.mmm.fit.month_design`).
    """
    season: Literal["harmonics", "months"] = (
        "months" if len(inputs.spend) >= MONTHS_MIN_WEEKS else "harmonics"
    )
    try:
        return fit_mmm(inputs.spend, inputs.outcome, bootstrap=bootstrap, seed=seed, season=season)
    except ValueError as exc:
        raise InputError(str(exc), file="channel_spend") from exc


__all__ = ["MEASURES", "Measure", "WeeklyInputs", "fit_weekly", "weekly_inputs"]
