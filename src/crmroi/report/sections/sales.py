"""Headline sales KPIs after the CRM went live against before, and won revenue by month."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from crmroi.report.build import ReportContext, register_section
from crmroi.report.charts import monthly_bars
from crmroi.report.missing import missing_adoption, missing_amounts, missing_table
from crmroi.report.model import Chart, Metric, Missing, Section, Unit

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
    return pd.DataFrame({"month": pd.to_datetime(frame["period_start"]), "revenue": frame["value"]})


def _chart(ctx: ReportContext, adoption: date | None, monthly: pd.DataFrame) -> Chart:
    caption_en = "Deals won, by the month they closed"
    caption_de = "Gewonnene Deals nach Abschlussmonat"
    if adoption is not None:
        caption_en += "; the dashed line is the CRM's go-live date"
        caption_de += "; die gestrichelte Linie ist der CRM-Start"
    return Chart(
        id="won-revenue",
        title=ctx.text("Won revenue by month", "Gewonnener Umsatz pro Monat"),
        spec=monthly_bars(
            monthly.fillna({"revenue": 0.0}),
            x="month",
            y="revenue",
            x_title=ctx.text("month of close", "Abschlussmonat"),
            y_title=ctx.currency,
            marker=None if adoption is None else (adoption, ctx.text("CRM live", "CRM-Start")),
        ),
        caption=ctx.text(caption_en + ".", caption_de + "."),
    )


def _metrics(
    ctx: ReportContext, after: dict[str, float | None], before: dict[str, float | None] | None
) -> tuple[Metric, ...]:
    from crmroi.metrics import REGISTRY

    definitions = [REGISTRY.get(kpi) for kpi in HEADLINE_KPIS]
    return tuple(
        Metric(
            d.id,
            ctx.text(d.label_en, d.label_de),
            after[d.id],
            _display_unit(d.unit.value),
            previous=None if before is None else before[d.id],
            better=d.direction.value,
        )
        for d in definitions
    )


def _closed_any(values: dict[str, float | None]) -> bool:
    """Whether a window holds a closed deal: a win rate exists only where some deal closed."""
    return values["win_rate"] is not None or bool(values["won_deals"])


@register_section("sales")
def sales(ctx: ReportContext) -> Section | None:
    """Won revenue, deals, win rate, deal size and cycle: since adoption vs before it.

    Without a go-live date the figures cover all closed deals, and the section says how to add
    the date; without deals closed before go-live there is nothing to compare, and it says so
    (a "before" of 0 would read as a rise).
    """
    if ctx.rows["deals"] == 0:
        return Section(
            id="sales",
            title=ctx.text("Sales", "Vertrieb"),
            missing=(missing_table("deals", ctx.text),),
        )
    adoption = ctx.adoption_date
    missing: tuple[Missing, ...] = ()
    notes: tuple[str, ...] = ()
    definition = ctx.text(
        "Win rate = won ÷ (won + lost), by close date.",
        "Gewinnquote = gewonnen ÷ (gewonnen + verloren), nach Abschlussdatum.",
    )
    if adoption is None:
        metrics = _metrics(ctx, _values(ctx, None, None), None)
        title = ctx.text("Sales", "Vertrieb")
        summary = ctx.text(
            f"Every figure covers all deals closed in the data. {definition}",
            f"Jede Zahl umfasst alle abgeschlossenen Deals der Daten. {definition}",
        )
        missing = (
            missing_adoption(ctx.text, ("to compare before and after", "für den Vorher-Vergleich")),
        )
    else:
        before = _values(ctx, None, adoption - timedelta(days=1))
        compare = _closed_any(before)
        metrics = _metrics(ctx, _values(ctx, adoption, None), before if compare else None)
        title = ctx.text("Sales since the CRM went live", "Vertrieb seit dem CRM-Start")
        summary = ctx.text(
            f"Each figure covers deals closed since {adoption.isoformat()}; 'before' covers the "
            f"deals closed earlier. {definition}",
            f"Jede Zahl umfasst Deals mit Abschluss seit {adoption.isoformat()}; „vorher“ die "
            f"früher abgeschlossenen. {definition}",
        )
        if not compare:
            notes = (
                ctx.text(
                    f"No deal closed before {adoption.isoformat()}: there is no 'before' to "
                    "compare with.",
                    f"Vor dem {adoption.isoformat()} wurde kein Deal abgeschlossen: es gibt "
                    "kein „vorher“ zum Vergleich.",
                ),
            )
    monthly = _monthly_revenue(ctx)
    # won deals without any amount: an empty chart would read as revenue 0
    revenue = monthly["revenue"]
    priced = bool((revenue > 0).any()) or not revenue.isna().any()
    return Section(
        id="sales",
        title=title,
        summary=summary,
        metrics=metrics,
        charts=(_chart(ctx, adoption, monthly),) if priced else (),
        notes=notes,
        missing=missing if priced else (*missing, missing_amounts(ctx.text)),
    )
