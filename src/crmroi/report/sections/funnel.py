"""The pipeline: deals reaching each stage, drop-off, time in stage; the forecast against target.

The funnel is :func:`crmroi.metrics.funnel.funnel`, the forecast
:func:`crmroi.metrics.forecast.forecast` of the period holding the end of the data; this
section only arranges them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmroi.report.build import ReportContext, register_section
from crmroi.report.charts import funnel_bars
from crmroi.report.i18n import format_value
from crmroi.report.missing import missing_table, missing_targets
from crmroi.report.model import Chart, DataTable, Metric, Missing, Section, Unit
from crmroi.report.values import number


def _step(row: Any, pipelines: int) -> str:
    return f"{row['pipeline']} · {row['stage']}" if pipelines > 1 else str(row["stage"])


def _funnel_parts(ctx: ReportContext) -> tuple[Chart, DataTable] | None:
    from crmroi.metrics.funnel import funnel

    frame = funnel(ctx.ws)
    if frame.empty:
        return None
    frame = frame.sort_values(["pipeline", "position"]).reset_index(drop=True)
    pipelines = frame["pipeline"].nunique()
    steps = [_step(row, pipelines) for _, row in frame.iterrows()]
    labels = []
    for _, row in frame.iterrows():
        drop = number(row["drop_off"])
        rate = number(row["adjacent_conversion"])
        if drop is None or rate is None:
            labels.append("")
            continue
        lost = format_value(1 - rate, Unit.ratio, ctx.lang, ctx.currency)
        labels.append(f"−{format_value(drop, Unit.integer, ctx.lang, ctx.currency)} ({lost})")
    chart = Chart(
        id="funnel",
        title=ctx.text("Deals reaching each stage", "Deals je erreichter Phase"),
        spec=funnel_bars(
            pd.DataFrame({"step": steps, "reached": frame["reached"], "drop": labels}),
            step="step",
            value="reached",
            label="drop",
            value_title=ctx.text("deals", "Deals"),
        ),
        caption=ctx.text(
            "Each bar counts the deals that reached the stage; its label is how many of them "
            "never reached the next one, and their share.",
            "Jeder Balken zählt die Deals, die die Phase erreicht haben; die Beschriftung, wie "
            "viele davon die nächste nie erreicht haben, und ihr Anteil.",
        ),
    )
    table = DataTable(
        id="funnel",
        title=ctx.text("Conversion and time in stage", "Konversion und Verweildauer"),
        columns=(
            ctx.text("pipeline", "Pipeline"),
            ctx.text("stage", "Phase"),
            ctx.text("reached", "erreicht"),
            ctx.text("to next stage", "zur nächsten Phase"),
            ctx.text("drop-off", "Abgang"),
            ctx.text("median time in stage", "Median Verweildauer"),
            ctx.text("mean time in stage", "mittlere Verweildauer"),
        ),
        rows=tuple(
            (
                str(row["pipeline"]),
                str(row["stage"]),
                number(row["reached"]),
                number(row["adjacent_conversion"]),
                number(row["drop_off"]),
                number(row["median_days"]),
                number(row["mean_days"]),
            )
            for _, row in frame.iterrows()
        ),
        units=(
            Unit.text,
            Unit.text,
            Unit.integer,
            Unit.ratio,
            Unit.integer,
            Unit.days,
            Unit.days,
        ),
        caption=ctx.text(
            "Time in stage runs from entering a stage to entering the next or closing; deals "
            "still in the stage are left out.",
            "Die Verweildauer läuft vom Eintritt in eine Phase bis zur nächsten oder zum "
            "Abschluss; Deals, die noch in der Phase sind, zählen nicht.",
        ),
    )
    return chart, table


def _forecast_metrics(ctx: ReportContext) -> tuple[tuple[Metric, ...], str]:
    from crmroi.metrics.forecast import forecast

    got = forecast(ctx.ws, settings=ctx.config.kpis)
    start = got["period_start"]
    period = f"{start:%Y-%m}"
    metrics = (
        Metric(
            "forecast",
            ctx.text(f"Forecast, {period}", f"Prognose, {period}"),
            number(got["forecast"]),
            Unit.currency,
        ),
        Metric(
            "forecast_target",
            ctx.text(f"Target, {period}", f"Ziel, {period}"),
            number(got["quota"]),
            Unit.currency,
        ),
        Metric(
            "forecast_attainment",
            ctx.text("Forecast ÷ target", "Prognose ÷ Ziel"),
            number(got["forecast_attainment"]),
            Unit.ratio,
        ),
        Metric(
            "won_to_date",
            ctx.text("Won so far", "Bisher gewonnen"),
            number(got["won_to_date"]),
            Unit.currency,
        ),
    )
    history = ctx.config.kpis.forecast_history_periods
    text = ctx.text(
        f"Forecast of {period} as of {got['as_of']:%Y-%m-%d}: won so far + the share of the "
        "month left × (open deals weighted by their stage's historical win rate + new business "
        f"expected from the last {history} months).",
        f"Prognose für {period} zum {got['as_of']:%Y-%m-%d}: bisher gewonnen + verbleibender "
        "Monatsanteil × (offene Deals gewichtet mit der historischen Gewinnquote ihrer Phase + "
        f"erwartetes Neugeschäft aus den letzten {history} Monaten).",
    )
    return metrics, text


@register_section("funnel")
def funnel_section(ctx: ReportContext) -> Section | None:
    """Funnel chart and table by stage; the current period's forecast against its target."""
    if ctx.rows["deals"] == 0:
        return None
    missing: list[Missing] = []
    charts: tuple[Chart, ...] = ()
    tables: tuple[DataTable, ...] = ()
    if ctx.rows.get("deal_stage_history") and ctx.rows.get("stages"):
        parts = _funnel_parts(ctx)
        if parts is not None:
            charts, tables = (parts[0],), (parts[1],)
    else:
        need = "stages" if not ctx.rows.get("stages") else "deal_stage_history"
        missing.append(missing_table(need, ctx.text))
    metrics, text = _forecast_metrics(ctx)
    if not ctx.rows.get("targets"):
        missing.append(missing_targets(ctx.text))
    return Section(
        id="funnel",
        title=ctx.text("Pipeline and forecast", "Pipeline und Prognose"),
        summary=text,
        metrics=metrics,
        charts=charts,
        tables=tables,
        missing=tuple(missing),
    )
