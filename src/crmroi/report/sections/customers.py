"""Do customers stay and are they happy: retention by cohort, churn, NRR/GRR, NPS, CSAT, CES."""

from __future__ import annotations

import math

import pandas as pd

from crmroi.errors import AnalysisError
from crmroi.report.build import ReportContext, register_section
from crmroi.report.charts import heatmap
from crmroi.report.missing import missing_table
from crmroi.report.model import Chart, DataTable, Metric, Missing, Section, Unit
from crmroi.report.sections.outliers import outlier_section

TRAILING_PERIODS = 12


def _retention_cells(ctx: ReportContext) -> pd.DataFrame:
    """Retention per (cohort, quarters since): observed quarters only, a 0 where nobody bought.

    A quarter after the last order in the data has not been observed yet: it has no cell (left
    blank), where a 0 % would read as every customer lost.
    """
    from crmroi.engagement import Grain, cohort_frame

    frame = cohort_frame(ctx.ws, grain=Grain.quarter)
    last = int((frame["cohort"] + frame["offset"]).max())
    sizes = frame.groupby("cohort")["cohort_size"].first()
    observed = pd.DataFrame(
        [(c, k) for c in sizes.index for k in range(last - int(c) + 1)],
        columns=["cohort", "offset"],
    )
    cells = observed.merge(frame, on=["cohort", "offset"], how="left")
    cells["cohort_size"] = cells["cohort"].map(sizes)
    cells["share"] = cells["customers"].fillna(0) / cells["cohort_size"]
    starts = pd.to_datetime(cells["cohort"].map(frame.groupby("cohort")["cohort_start"].first()))
    cells["cohort_label"] = starts.dt.year.astype(str) + " Q" + starts.dt.quarter.astype(str)
    return cells


def _retention_chart(ctx: ReportContext) -> Chart | None:
    try:
        cells = _retention_cells(ctx)
    except AnalysisError:
        return None
    if cells.empty:
        return None
    return Chart(
        id="cohort-retention",
        title=ctx.text(
            "Share of customers still buying, by first-purchase quarter",
            "Anteil weiterhin kaufender Kunden nach Quartal des Erstkaufs",
        ),
        spec=heatmap(
            cells[["offset", "cohort_label", "share"]],
            x="offset",
            y="cohort_label",
            value="share",
            x_title=ctx.text("quarters since first purchase", "Quartale seit Erstkauf"),
            y_title=ctx.text("cohort", "Kohorte"),
            value_title=ctx.text("retained", "gehalten"),
        ),
        caption=ctx.text(
            "Each row is the customers whose first order fell in that quarter; each cell the "
            "share of them with an order in the quarter so many quarters later. Quarters after "
            "the last order in the data are left blank.",
            "Jede Zeile sind die Kunden mit Erstbestellung in diesem Quartal; jede Zelle der "
            "Anteil davon mit einer Bestellung so viele Quartale später. Quartale nach der "
            "letzten Bestellung der Daten bleiben leer.",
        ),
    )


def _trailing_mean(frame: pd.DataFrame, column: str) -> float | None:
    done = frame[frame["complete"]].tail(TRAILING_PERIODS)
    return None if done.empty else _finite(done[column].mean())


def _count(value: object) -> int:
    """A count from an aggregate: an empty group sums to NULL (NaN or None), which is 0."""
    return 0 if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def _survey_metrics(ctx: ReportContext) -> tuple[Metric, ...]:
    """NPS, CSAT and CES for each kind with scored answers (the others are left out)."""
    from crmroi.engagement import ces, csat, nps

    metrics = []
    for kind, func, label, unit in (
        ("nps", nps, "NPS", Unit.number),
        ("csat", csat, "CSAT", Unit.percent),
        ("ces", ces, ctx.text("CES (mean, 1–7)", "CES (Mittel, 1–7)"), Unit.number),
    ):
        frame = func(ctx.ws)
        answered = 0 if frame.empty else _count(frame["answered"].iloc[0])
        if answered == 0:
            continue
        row = frame.iloc[0]
        metrics.append(
            Metric(
                kind,
                label,
                _finite(row[kind]),
                unit,
                low=_finite(row[f"{kind}_low"]),
                high=_finite(row[f"{kind}_high"]),
                note=ctx.text(f"{answered} answers", f"{answered} Antworten"),
            )
        )
    return tuple(metrics)


def _finite(value: object) -> float | None:
    """A float, or None for NULL, NaN and infinities (one answer has no interval)."""
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _order_metrics(ctx: ReportContext) -> list[Metric]:
    from crmroi.engagement import logo_retention, revenue_retention

    logos = logo_retention(ctx.ws)
    revenue = revenue_retention(ctx.ws)
    return [
        Metric(
            "customers",
            ctx.text("Paying customers", "Zahlende Kunden"),
            _finite(logos["end"].iloc[-1]) if len(logos) else None,
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


@register_section("customers")
def customers(ctx: ReportContext) -> Section | None:
    """Churn, NRR and GRR over the last twelve complete months; surveys; cohort retention.

    Orders and survey answers are independent: each part shows when its table has rows, and the
    section names the table that is missing and how to import it.
    """
    metrics: list[Metric] = []
    charts: list[Chart] = []
    tables: list[DataTable] = []
    notes: list[str] = []
    missing: list[Missing] = []
    if ctx.rows["orders"]:
        metrics += _order_metrics(ctx)
        chart = _retention_chart(ctx)
        if chart is not None:
            charts.append(chart)
        outliers = outlier_section(ctx)
        if outliers is not None:
            tables.append(outliers[0])
            notes.append(outliers[1])
    else:
        missing.append(missing_table("orders", ctx.text))
    surveys = _survey_metrics(ctx)
    metrics += surveys
    if not surveys:
        missing.append(missing_table("survey_responses", ctx.text))
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
        tables=tuple(tables),
        notes=tuple(notes),
        missing=tuple(missing),
    )
