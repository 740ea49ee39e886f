"""Do customers stay and are they happy: retention by cohort, churn, NRR/GRR, NPS, CSAT, CES."""

from __future__ import annotations

import pandas as pd

from crmroi.report.build import ReportContext, register_section
from crmroi.report.charts import heatmap
from crmroi.report.model import Chart, Metric, Section, Unit

TRAILING_PERIODS = 12


def _retention_chart(ctx: ReportContext) -> Chart | None:
    from crmroi.engagement import CohortValue, Grain, cohort_matrix

    matrix = cohort_matrix(ctx.ws, CohortValue.retention, grain=Grain.quarter)
    if matrix.empty:
        return None
    long = (
        matrix.drop(columns="cohort_size")
        .reset_index()
        .melt(id_vars="cohort_start", var_name="offset", value_name="share")
    )
    starts = pd.to_datetime(long["cohort_start"])
    long["cohort"] = starts.dt.year.astype(str) + " Q" + starts.dt.quarter.astype(str)
    long = long[
        long["offset"].astype(int) + starts.dt.to_period("Q").astype(int) <= _last_q(starts)
    ]
    return Chart(
        id="cohort-retention",
        title=ctx.text(
            "Share of customers still buying, by first-purchase quarter",
            "Anteil weiterhin kaufender Kunden nach Quartal des Erstkaufs",
        ),
        spec=heatmap(
            long,
            x="offset",
            y="cohort",
            value="share",
            x_title=ctx.text("quarters since first purchase", "Quartale seit Erstkauf"),
            y_title=ctx.text("cohort", "Kohorte"),
            value_title=ctx.text("retained", "gehalten"),
        ),
        caption=ctx.text(
            "Each row is the customers whose first order fell in that quarter; each cell the "
            "share of them with an order in the quarter so many quarters later.",
            "Jede Zeile sind die Kunden mit Erstbestellung in diesem Quartal; jede Zelle der "
            "Anteil davon mit einer Bestellung so viele Quartale später.",
        ),
    )


def _last_q(starts: pd.Series) -> int:
    return int(starts.dt.to_period("Q").astype(int).max())


def _trailing_mean(frame: pd.DataFrame, column: str) -> float | None:
    done = frame[frame["complete"]].tail(TRAILING_PERIODS)
    return None if done.empty else float(done[column].mean())


def _survey_metrics(ctx: ReportContext) -> tuple[Metric, ...]:
    from crmroi.engagement import ces, csat, nps

    metrics = []
    for kind, func, label, unit in (
        ("nps", nps, "NPS", Unit.number),
        ("csat", csat, "CSAT", Unit.percent),
        ("ces", ces, ctx.text("CES (mean, 1–7)", "CES (Mittel, 1–7)"), Unit.number),
    ):
        frame = func(ctx.ws)
        if frame.empty or int(frame["answered"].iloc[0]) == 0:
            continue
        row = frame.iloc[0]
        metrics.append(
            Metric(
                kind,
                label,
                float(row[kind]),
                unit,
                low=float(row[f"{kind}_low"]),
                high=float(row[f"{kind}_high"]),
                note=ctx.text(
                    f"{int(row['answered'])} answers", f"{int(row['answered'])} Antworten"
                ),
            )
        )
    return tuple(metrics)


@register_section("customers")
def customers(ctx: ReportContext) -> Section | None:
    """Churn, NRR and GRR over the last twelve complete months; surveys; cohort retention."""
    from crmroi.engagement import logo_retention, revenue_retention

    if ctx.rows["orders"] == 0 and ctx.rows["survey_responses"] == 0:
        return None
    metrics: list[Metric] = []
    charts: list[Chart] = []
    if ctx.rows["orders"]:
        logos = logo_retention(ctx.ws)
        revenue = revenue_retention(ctx.ws)
        metrics += [
            Metric(
                "customers",
                ctx.text("Paying customers", "Zahlende Kunden"),
                float(logos["end"].iloc[-1]),
                Unit.integer,
            ),
            Metric(
                "churn",
                ctx.text("Monthly logo churn", "Monatliche Kundenabwanderung"),
                _trailing_mean(logos, "churn_rate"),
                Unit.ratio,
                better="lower",
                note=ctx.text("mean of the last 12 months", "Mittel der letzten 12 Monate"),
            ),
            Metric(
                "nrr",
                ctx.text("Net revenue retention (monthly)", "Netto-Umsatzbindung (monatlich)"),
                _trailing_mean(revenue, "nrr"),
                Unit.ratio,
            ),
            Metric(
                "grr",
                ctx.text("Gross revenue retention (monthly)", "Brutto-Umsatzbindung (monatlich)"),
                _trailing_mean(revenue, "grr"),
                Unit.ratio,
            ),
        ]
        chart = _retention_chart(ctx)
        if chart is not None:
            charts.append(chart)
    metrics += _survey_metrics(ctx)
    return Section(
        id="customers",
        title=ctx.text("Do customers stay?", "Bleiben die Kunden?"),
        summary=ctx.text(
            "Churn = customers lost in the month ÷ customers at its start; NRR = revenue of "
            "existing customers at the end ÷ at the start; NPS = % promoters − % detractors, "
            "with a 95 % interval.",
            "Abwanderung = im Monat verlorene Kunden ÷ Kunden zu Monatsbeginn; NRR = Umsatz der "
            "Bestandskunden am Ende ÷ am Anfang; NPS = % Promotoren − % Detraktoren, mit "
            "95-%-Intervall.",
        ),
        metrics=tuple(metrics),
        charts=tuple(charts),
    )
