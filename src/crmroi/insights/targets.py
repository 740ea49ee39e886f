"""Targets that will be missed on the current run rate: the forecast against the target.

For every target of a period running at the data's end, of a KPI that accumulates over the
period (counts and sums: won revenue, won deals, new leads, …; a ratio has no run rate), the
period's end value is projected:

* company-wide ``won_revenue``: the pipeline forecast of :func:`crmroi.metrics.forecast.forecast`
  (won so far + share left × (open deals × within-period win rate + usual new business));
* anything else: the run rate, value so far ÷ elapsed share of the period (the pacing the
  KPI status uses).

A projection short of the target (above it, where lower is better) is a finding. The money at
stake is the gap itself for KPIs in money, the gap × the slice's average won deal for
``won_deals``, and nothing (0, ranked last) for other counts. The confidence is
P(end value misses the target) under a normal whose spread is that of the KPI's past period
totals (the last ``forecast_history_periods`` periods with data, same slice) scaled by
√(share of the period left): the less time remains, the less the rest can move. With fewer than
:data:`MIN_HISTORY` past periods there is no spread to read, and the confidence is 0.5.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy.stats import norm

from crmroi.insights.context import DetectorContext
from crmroi.insights.finding import Finding
from crmroi.insights.wording import _GermanNumbers
from crmroi.metrics import REGISTRY, MetricQuery, query
from crmroi.metrics.definitions import Direction, Unit
from crmroi.metrics.engine import data_range
from crmroi.metrics.forecast import forecast
from crmroi.metrics.periods import Grain, period_start, periods, shift, to_datetime
from crmroi.metrics.settings import KpiSettings
from crmroi.targets.status import target_status

Row = Mapping[Any, Any]
"""One row of :func:`crmroi.targets.status.target_status`."""

MIN_HISTORY = 3
"""Past periods needed before their spread sets the confidence."""

TEXT: dict[str, dict[str, str]] = {
    "title": {
        "en": "{kpi} {period}{who}: projected {projected:,.0f} against a target of {target:,.0f}",
        "de": "{kpi} {period}{who}: Hochrechnung {projected:.0f} bei einem Ziel von {target:.0f}",
    },
    "action": {
        "en": "Review the {kpi} plan for {period}{who} now, while {left:.0%} of the period is "
        "left: push the deals closest to closing, or reset the target with a reason.",
        "de": "Den Plan für {kpi} {period}{who} jetzt prüfen, solange noch {left:.0%} der "
        "Periode bleiben: die abschlussnächsten Deals vorantreiben oder das Ziel begründet "
        "anpassen.",
    },
}
"""Titles and actions of this detector (kept here: ``wording.py`` belongs to the others)."""


def _say(key: str, lang: str, **values: Any) -> str:
    if lang == "de":
        return _GermanNumbers().format(TEXT[key]["de"], **values)
    return TEXT[key]["en"].format(**values)


def detect(ctx: DetectorContext) -> list[Finding]:
    """One finding per running target the projection misses; silent when on track."""
    settings = KpiSettings()
    rows = target_status(ctx.ws, now=ctx.as_of, settings=settings)
    if rows.empty:
        return []
    now = pd.Timestamp(ctx.as_of)
    starts = pd.to_datetime(rows["period_start"])
    ends = pd.to_datetime(rows["period_end"]) + pd.Timedelta(days=1)
    additive = rows["kpi"].map(lambda k: REGISTRY.get(k).additive)
    running = rows[(starts <= now) & (now < ends) & additive.astype(bool)]
    names = _names(ctx)
    out = []
    for row in running.to_dict("records"):
        found = _judge(ctx, row, settings, names)
        if found is not None:
            out.append(found)
    return out


def _names(ctx: DetectorContext) -> dict[str, str]:
    users = ctx.ws.table("users").select("user_id", "name").execute().dropna()
    return dict(zip(users["user_id"].astype(str), users["name"].astype(str), strict=True))


def _project(
    ctx: DetectorContext, row: Row, grain: Grain, elapsed: float, settings: KpiSettings
) -> tuple[float, str] | None:
    """The period's projected end value and its basis (None: the period has not begun)."""
    if row["kpi"] == "won_revenue" and not row["dimension"]:
        predicted = forecast(ctx.ws, grain=grain, as_of=ctx.as_of, settings=settings)
        return cast("float", predicted["forecast"]), "pipeline forecast"
    if elapsed > 0:
        return float(row["value"]) / elapsed, "run rate"
    return None


def _confidence(history: list[float], gap: float, left: float) -> float:
    """P(miss): Φ(gap ÷ (σ of past periods × √share left)); 0.5 without enough history."""
    if len(history) < MIN_HISTORY:
        return 0.5
    spread = float(np.std(history, ddof=1)) * math.sqrt(left)
    return 1.0 if spread == 0 else float(norm.cdf(gap / spread))


def _judge(
    ctx: DetectorContext, row: Row, settings: KpiSettings, names: dict[str, str]
) -> Finding | None:
    metric = REGISTRY.get(str(row["kpi"]))
    grain = Grain(str(row["grain"]))
    start = pd.Timestamp(row["period_start"]).date()
    lo, hi = to_datetime(start), to_datetime(shift(start, grain, 1))
    elapsed = (ctx.as_of - lo) / (hi - lo)
    projection = _project(ctx, row, grain, elapsed, settings)
    if projection is None:
        return None
    projected, basis = projection
    target = float(row["target"])
    gap = projected - target if metric.direction is Direction.lower else target - projected
    if gap <= 0:
        return None
    history = _history(ctx, row, grain, settings)
    money, per_unit = _money(ctx, row, metric.unit, gap, grain, settings)
    member = str(row["member"])
    who = ""
    if row["dimension"]:
        who = f" · {names.get(member, member) if row['dimension'] == 'owner' else member}"
    period = str(row["period"])
    words = {"kpi": metric.id, "period": period, "who": who}
    return Finding(
        kind="target_gap",
        subject=f"{metric.id} {period}{who}",
        money_at_stake=money,
        currency=ctx.currency,
        confidence=_confidence(history, gap, 1.0 - elapsed),
        evidence={
            "kpi": metric.id,
            "period": period,
            "dimension": row["dimension"] or None,
            "member": member or None,
            "target": round(target, 2),
            "value_to_date": round(float(row["value"]), 2),
            "share_elapsed": round(elapsed, 4),
            "projected": round(projected, 2),
            "projection": basis,
            "gap": round(gap, 2),
            "value_per_unit": per_unit,
            "history_periods": len(history),
            "history_sd": round(float(np.std(history, ddof=1)), 2) if len(history) > 1 else None,
        },
        action=_say("action", ctx.lang, **words, left=1.0 - elapsed),
        title=_say("title", ctx.lang, **words, projected=projected, target=target),
    )


def _history(ctx: DetectorContext, row: Row, grain: Grain, settings: KpiSettings) -> list[float]:
    """The KPI's totals of the past periods with data (same slice), oldest first."""
    start = pd.Timestamp(row["period_start"]).date()
    first = period_start(data_range(ctx.ws)[0], grain, settings.fiscal_year_start_month)
    back = shift(start, grain, -settings.forecast_history_periods)
    lo = max(first, back)
    if lo >= start:
        return []
    frame = _query(ctx, row, grain, lo, start - timedelta(days=1), settings)
    return [float(v) for v in frame["value"]]


def _query(
    ctx: DetectorContext,
    row: Row,
    grain: Grain,
    lo: date,
    hi: date,
    settings: KpiSettings,
    kpi: str | None = None,
) -> pd.DataFrame:
    """One value per period of ``[lo, hi]`` for the row's slice (0 where nothing happened)."""
    dim = str(row["dimension"])
    kpi = kpi or str(row["kpi"])
    q = MetricQuery(
        kpis=(kpi,),
        grain=grain,
        dimensions=(dim,) if dim else (),
        filters={dim: [str(row["member"])]} if dim else (),
        start=lo,
        end=hi,
        settings=settings,
    )
    got = query(ctx.ws, q, now=ctx.as_of)
    got["period_start"] = pd.to_datetime(got["period_start"])
    starts = periods(lo, hi, grain, settings.fiscal_year_start_month)
    spine = pd.DataFrame({"period_start": pd.to_datetime(starts)})
    out: pd.DataFrame = spine.merge(got[["period_start", "value"]], on="period_start", how="left")
    if REGISTRY.get(kpi).empty_is_zero:
        out["value"] = out["value"].fillna(0.0)
    return out


def _money(
    ctx: DetectorContext,
    row: Row,
    unit: Unit,
    gap: float,
    grain: Grain,
    settings: KpiSettings,
) -> tuple[float, float | None]:
    """Money at stake and the value of one unit of the KPI (None: not priced)."""
    if unit is Unit.currency:
        return gap, 1.0
    if row["kpi"] != "won_deals":
        return 0.0, None
    start = pd.Timestamp(row["period_start"]).date()
    lo = shift(start, grain, -settings.forecast_history_periods)
    revenue = _query(ctx, row, grain, lo, start - timedelta(days=1), settings, "won_revenue")
    deals = _query(ctx, row, grain, lo, start - timedelta(days=1), settings, "won_deals")
    count = float(deals["value"].sum())
    if count == 0:
        return 0.0, None
    size = float(revenue["value"].sum()) / count
    return gap * size, round(size, 2)
