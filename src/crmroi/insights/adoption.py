"""Low CRM adoption: reps who log far fewer activities per deal than their peers.

Built on the KPI engine (``won_deals``, ``lost_deals``, ``activities_per_rep``,
``open_deals``, ``open_pipeline_value`` by owner over the window). A rep's intensity is the
activities they logged ÷ the deals they handled (closed in the window or open at its end); a
low adopter is below ``adoption_low_ratio`` × the median rep's. The price of the training need
is the win-rate gap to the adopting peers of the same team (all adopters when the team has
none) × the rep's open pipeline; the confidence is one minus the one-sided p-value of the
two-proportion z-test that the rep wins less often than those peers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import numpy as np
import pandas as pd
from scipy.stats import norm

from crmroi.insights.context import DetectorContext
from crmroi.insights.finding import Finding
from crmroi.insights.wording import say
from crmroi.metrics import MetricQuery, query

KPIS = ("won_deals", "lost_deals", "activities_per_rep", "open_deals", "open_pipeline_value")


def rep_table(ctx: DetectorContext) -> pd.DataFrame:
    """Per owner over the window: the KPIs above, team, name, deals handled and intensity."""
    end = ctx.as_of.date()
    start = end - timedelta(days=ctx.settings.adoption_window_days - 1)
    long = query(ctx.ws, MetricQuery(kpis=KPIS, dimensions=("owner",), start=start, end=end))
    wide = long.pivot_table(index="owner", columns="kpi", values="value", aggfunc="sum")
    wide = wide.reindex(columns=list(KPIS)).fillna(0.0)
    users = ctx.ws.table("users").select("user_id", "name", "team").execute()
    users = users.set_index("user_id")
    wide["team"] = users["team"].reindex(wide.index)
    wide["name"] = users["name"].reindex(wide.index)
    wide["closed"] = wide["won_deals"] + wide["lost_deals"]
    wide["handled"] = wide["closed"] + wide["open_deals"]
    wide = wide[wide["handled"] > 0].copy()
    wide["intensity"] = wide["activities_per_rep"] / wide["handled"]
    return wide


def one_sided_confidence(won: float, closed: float, peer_won: float, peer_closed: float) -> float:
    """1 − p of H0 "the rep wins as often as the peers" against "less often" (pooled z-test)."""
    pooled = (won + peer_won) / (closed + peer_closed)
    se = np.sqrt(pooled * (1 - pooled) * (1 / closed + 1 / peer_closed))
    if se == 0:
        return 0.0
    z = (peer_won / peer_closed - won / closed) / se
    return float(1.0 - norm.sf(z))


def detect(ctx: DetectorContext) -> list[Finding]:
    """One finding per low-adopting rep whose win rate trails their adopting peers'."""
    reps = rep_table(ctx)
    if len(reps) < 2:
        return []  # no peers to compare with
    median = float(reps["intensity"].median())
    reps["low"] = reps["intensity"] < ctx.settings.adoption_low_ratio * median
    return list(_priced(ctx, reps, median))


def _priced(ctx: DetectorContext, reps: pd.DataFrame, median: float) -> Iterator[Finding]:
    adopters = reps[~reps["low"]]
    for owner, rep in reps[reps["low"]].iterrows():
        peers = adopters[adopters["team"] == rep["team"]]
        if peers["closed"].sum() == 0:
            peers = adopters
        peer_won, peer_closed = float(peers["won_deals"].sum()), float(peers["closed"].sum())
        if rep["closed"] == 0 or peer_closed == 0:
            continue  # no win rate to compare
        rate, peer_rate = rep["won_deals"] / rep["closed"], peer_won / peer_closed
        money = (peer_rate - rate) * float(rep["open_pipeline_value"])
        if money <= 0:
            continue
        subject = str(rep["name"]) if isinstance(rep["name"], str) else str(owner)
        yield Finding(
            kind="adoption",
            subject=subject,
            money_at_stake=money,
            currency=ctx.currency,
            confidence=one_sided_confidence(
                float(rep["won_deals"]), float(rep["closed"]), peer_won, peer_closed
            ),
            evidence={
                "user_id": str(owner),
                "team": None if pd.isna(rep["team"]) else str(rep["team"]),
                "activities_per_deal": round(float(rep["intensity"]), 2),
                "median_activities_per_deal": round(median, 2),
                "win_rate": round(float(rate), 4),
                "peer_win_rate": round(peer_rate, 4),
                "closed_deals": int(rep["closed"]),
                "peer_closed_deals": int(peer_closed),
                "open_pipeline": round(float(rep["open_pipeline_value"]), 2),
            },
            action=say("adoption_action", ctx.lang, subject=subject),
            title=say(
                "adoption_title",
                ctx.lang,
                subject=subject,
                mine=float(rep["intensity"]),
                median=median,
            ),
        )
