"""Headline sales KPIs after the CRM went live against before, and won revenue by month."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from crmroi.report.build import ReportContext, register_section
from crmroi.report.charts import monthly_bars
from crmroi.report.model import Chart, Metric, Section, Unit

HEADLINE_KPIS = ("won_revenue", "won_deals", "win_rate", "avg_deal_size", "sales_cycle_days")
DISPLAY_UNITS = {"currency": Unit.currency, "count": Unit.integer, "share": Unit.ratio}
"""How a KPI's unit (``crmroi.metrics.Unit``) is shown; anything else keeps its own name."""


def _display_unit(kpi_unit: str) -> Unit:
    return DISPLAY_UNITS.get(
        kpi_unit, Unit(kpi_unit) if kpi_unit in Unit.__members__ else Unit.number
    )


def _values(ctx: ReportContext, start: date | None, end: date | None) -> dict[str, float | None]:
    from crmroi.metrics import MetricQuery, query

    frame = query(
        ctx.ws,
        MetricQuery(
            kpis=HEADLINE_KPIS,
            start=start,
            end=end,
            settings=ctx.config.kpis,
        ),
    )
    values = frame.set_index("kpi")["value"]
    return {
        kpi: (None if pd.isna(values.get(kpi)) else float(values[kpi])) for kpi in HEADLINE_KPIS
    }


def _monthly_revenue(ctx: ReportContext) -> pd.DataFrame:
    from crmroi.metrics import Grain, MetricQuery, query

    frame = query(
        ctx.ws, MetricQuery(kpis=("won_revenue",), grain=Grain.month, settings=ctx.config.kpis)
    )
    return pd.DataFrame(
        {"month": pd.to_datetime(frame["period_start"]), "revenue": frame["value"].fillna(0.0)}
    )


@register_section("sales")
def sales(ctx: ReportContext) -> Section | None:
    """Won revenue, deals, win rate, deal size and cycle: since adoption vs before it."""
    from crmroi.metrics import REGISTRY

    if ctx.rows["deals"] == 0:
        return None
    adoption = ctx.adoption
    after = _values(ctx, adoption, None)
    before = _values(ctx, None, adoption - timedelta(days=1))
    definitions = [REGISTRY.get(kpi) for kpi in HEADLINE_KPIS]
    metrics = tuple(
        Metric(
            d.id,
            ctx.text(d.label_en, d.label_de),
            after[d.id],
            _display_unit(d.unit.value),
            previous=before[d.id],
            better=d.direction.value,
        )
        for d in definitions
    )
    monthly = _monthly_revenue(ctx)
    chart = Chart(
        id="won-revenue",
        title=ctx.text("Won revenue by month", "Gewonnener Umsatz pro Monat"),
        spec=monthly_bars(
            monthly,
            x="month",
            y="revenue",
            x_title=ctx.text("month of close", "Abschlussmonat"),
            y_title=ctx.currency,
            marker=(adoption, ctx.text("CRM live", "CRM live")),
        ),
        caption=ctx.text(
            "Deals won, by the month they closed; the dashed line is the CRM's go-live date.",
            "Gewonnene Deals nach Abschlussmonat; die gestrichelte Linie ist der CRM-Start.",
        ),
    )
    return Section(
        id="sales",
        title=ctx.text("Sales since the CRM went live", "Vertrieb seit dem CRM-Start"),
        summary=ctx.text(
            f"Each figure covers deals closed since {adoption.isoformat()}; 'before' covers the "
            "deals closed earlier. Win rate = won ÷ (won + lost), by close date.",
            f"Jede Zahl umfasst Deals mit Abschluss seit {adoption.isoformat()}; 'vorher' die "
            "früher abgeschlossenen. Gewinnquote = gewonnen ÷ (gewonnen + verloren), nach "
            "Abschlussdatum.",
        ),
        metrics=metrics,
        charts=(chart,),
    )
