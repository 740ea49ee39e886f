"""Neglected deals: open deals idle for longer than their team's usual gap between activities.

A fixed number of days (the ``neglected_deals`` KPI's 14) is wrong for a team whose enterprise
deals see a meeting a month; the team's own rhythm is the yardstick. The gaps are those
between consecutive activities (no logins) on the same deal, pooled over the deals owned by
the team's users; a team with too few gaps uses the whole company's.
"""

from __future__ import annotations

from collections.abc import Iterator

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from crmroi.insights.context import DetectorContext
from crmroi.insights.finding import Finding
from crmroi.insights.wording import say
from crmroi.metrics.currency import require_one_currency

_DAY = 86_400.0
_NO_TEAM = "(no team)"
_NO_OWNER = "(no owner)"
_GRID = np.concatenate([np.arange(0.01, 1.0, 0.01), [0.995, 0.999]])
"""Quantile levels fetched per team: the empirical distribution the confidence reads from."""


def _deal_activities(ctx: DetectorContext) -> ir.Table:
    a = ctx.ws.table("activities")
    return a.filter(
        (a.type != "login") & a.deal_id.notnull() & (a.occurred_at <= ctx.as_of)
    ).select("deal_id", "occurred_at")


def _deal_teams(ctx: DetectorContext) -> ir.Table:
    d = ctx.ws.table("deals")
    users = ctx.ws.table("users")
    u = users.select(user_id=users.user_id, user_team=users.team, user_name=users.name)
    j = d.left_join(u, d.owner_id == u.user_id)
    return j.select(
        "deal_id",
        "owner_id",
        "status",
        "amount",
        "created_at",
        "pipeline",
        "stage",
        deal_probability=j.probability,
        owner_name=j.user_name,
        team=j.user_team.fill_null(_NO_TEAM),
    )


def _gaps(ctx: DetectorContext) -> ir.Table:
    """Days between consecutive activities on a deal, with the deal owner's team."""
    a = _deal_activities(ctx)
    before = a.occurred_at.lag().over(group_by=a.deal_id, order_by=a.occurred_at)
    seconds = a.occurred_at.epoch_seconds() - before.epoch_seconds()
    g = a.mutate(gap=seconds / _DAY)
    g = g.filter(g.gap.notnull())
    teams = _deal_teams(ctx).select("deal_id", "team")
    return g.join(teams, "deal_id").select("team", "gap")


def _distributions(ctx: DetectorContext) -> dict[str, np.ndarray]:
    """Per team (and ``""`` for the company): the gap quantiles at :data:`_GRID`."""
    # The gaps are fetched and their quantiles taken here (linear interpolation, as the
    # engines' QUANTILE_CONT): on the large company the engine's 101-level quantile of every
    # team and of the company cost seconds, the gaps (0.7M) a fraction of one.
    gaps: pd.DataFrame = _gaps(ctx).execute()
    out: dict[str, np.ndarray] = {}
    if len(gaps):
        out[""] = np.quantile(gaps["gap"].to_numpy(dtype=float), _GRID)
    min_gaps = ctx.settings.neglect_min_gaps
    for team, rows in gaps.groupby("team", sort=True)["gap"]:
        if len(rows) >= min_gaps:
            out[str(team)] = np.quantile(rows.to_numpy(dtype=float), _GRID)
    return out


def _open_deals(ctx: DetectorContext) -> pd.DataFrame:
    """Open deals with their idle days (since the last activity, else creation) and value."""
    d = _deal_teams(ctx)
    d = d.filter((d.status == "open") & (d.created_at <= ctx.as_of))
    a = _deal_activities(ctx)
    last = a.group_by("deal_id").aggregate(last_at=a.occurred_at.max())
    s = ctx.ws.table("stages").select("pipeline", "stage", stage_probability="probability")
    j = d.left_join(last, "deal_id").left_join(s, ["pipeline", "stage"])
    since = ibis.coalesce(j.last_at, j.created_at)
    now = ibis.literal(ctx.as_of, type="timestamp")
    probability = ibis.coalesce(j.deal_probability, j.stage_probability, 1.0)
    frame: pd.DataFrame = j.select(
        "deal_id",
        "owner_id",
        "owner_name",
        "team",
        idle=(now.epoch_seconds() - since.epoch_seconds()) / _DAY,
        value=j.amount.fill_null(0.0) * probability,
    ).execute()
    return frame


def detect(ctx: DetectorContext) -> list[Finding]:
    """One finding per owner with neglected open deals, worth Σ amount × stage probability."""
    require_one_currency(ctx.ws.table("deals"), what="deals")
    dists = _distributions(ctx)
    if "" not in dists:
        return []  # no activity on any deal: nothing to measure a usual gap by
    deals = _open_deals(ctx)
    if deals.empty:
        return []
    q = ctx.settings.neglect_gap_quantile
    floor = ctx.settings.neglect_min_days

    def threshold(team: str) -> float:
        grid = dists.get(team, dists[""])
        return max(float(np.interp(q, _GRID, grid)), floor)

    def confidence(team: str, idle: float) -> float:
        grid = dists.get(team, dists[""])
        return float(np.interp(idle, grid, _GRID, left=0.0, right=float(_GRID[-1])))

    deals["threshold"] = [threshold(t) for t in deals["team"]]
    late = deals[deals["idle"] > deals["threshold"]].copy()
    late["confidence"] = [confidence(t, i) for t, i in zip(late["team"], late["idle"], strict=True)]
    return list(_by_owner(ctx, late))


def _by_owner(ctx: DetectorContext, late: pd.DataFrame) -> Iterator[Finding]:
    late = late.assign(owner_key=late["owner_id"].fillna(_NO_OWNER))
    for _, mine in late.groupby("owner_key", sort=True):
        name = mine["owner_name"].dropna()
        subject = str(name.iloc[0]) if len(name) else str(mine["owner_key"].iloc[0])
        money = float(mine["value"].sum())
        weights = mine["value"].to_numpy(dtype=float)
        conf = mine["confidence"].to_numpy(dtype=float)
        sure = float(np.average(conf, weights=weights)) if weights.sum() > 0 else float(conf.mean())
        top = mine.sort_values("value", ascending=False)["deal_id"].head(5)
        days = float(mine["threshold"].min())
        yield Finding(
            kind="neglected_deals",
            subject=subject,
            money_at_stake=money,
            currency=ctx.currency,
            confidence=sure,
            evidence={
                "team": str(mine["team"].iloc[0]),
                "deals": len(mine),
                "weighted_value": round(money, 2),
                "usual_gap_days": round(days, 1),
                "longest_idle_days": round(float(mine["idle"].max()), 1),
                "largest_deals": ", ".join(str(x) for x in top),
            },
            action=say("neglected_action", ctx.lang, subject=subject),
            title=say("neglected_title", ctx.lang, deals=len(mine), subject=subject, days=days),
        )
