"""The answer first: does the CRM pay for itself, on which benefit basis, and how sure are we."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmroi.report.build import ReportContext, register_section
from crmroi.report.charts import BENEFIT, COST, cumulative_lines
from crmroi.report.model import Chart, DataTable, Metric, Section, Unit

BASIS_NAMES = {
    "touched": (
        "Revenue touched by the CRM (upper bound)",
        "Vom CRM berührter Umsatz (Obergrenze)",
    ),
    "attributed": (
        "Revenue attributed to CRM campaigns and workflows",
        "Kampagnen und Workflows zugeordneter Umsatz",
    ),
    "incremental": (
        "Revenue added by the CRM (incremental)",
        "Durch das CRM zusätzlicher Umsatz (inkrementell)",
    ),
}


def _bases_table(ctx: ReportContext, data: dict[str, Any]) -> DataTable:
    rows = []
    for name, basis in data["bases"].items():
        figures = ctx.roi.bases[name].figures
        fig = figures.to_dict() if figures else {}
        en, de = BASIS_NAMES.get(name, (name, name))
        rows.append(
            (
                ctx.text(en, de),
                basis.get("revenue"),
                fig.get("roi_pct"),
                fig.get("payback_months"),
                fig.get("npv"),
            )
        )
    return DataTable(
        id="roi-bases",
        title=ctx.text("ROI on each benefit basis", "ROI je Nutzenbasis"),
        columns=(
            ctx.text("benefit basis", "Nutzenbasis"),
            ctx.text("revenue", "Umsatz"),
            "ROI",
            ctx.text("payback (months)", "Amortisation (Monate)"),
            "NPV",
        ),
        rows=tuple(rows),
        units=(Unit.text, Unit.currency, Unit.percent, Unit.months, Unit.currency),
        caption=ctx.text(
            "ROI = (revenue through the CRM − total CRM cost) / total CRM cost × 100. Only the "
            "incremental basis counts revenue the CRM caused; the touched basis is an upper bound.",
            "ROI = (Umsatz durch das CRM − CRM-Gesamtkosten) / CRM-Gesamtkosten × 100. Nur die "
            "inkrementelle Basis zählt Umsatz, den das CRM verursacht hat; die berührte Basis ist "
            "eine Obergrenze.",
        ),
    )


def _cumulative_chart(ctx: ReportContext) -> Chart | None:
    result = ctx.roi
    head = result.headline
    months = pd.date_range(result.tco.start, periods=result.tco.months, freq="MS")
    benefit = np.cumsum(np.asarray(head.benefit.monthly, dtype=float) * result.settings.margin)
    if not np.isfinite(benefit).all():
        return None
    cost = np.asarray(result.tco.cumulative, dtype=float)
    label_cost = ctx.text("cumulative CRM cost", "kumulierte CRM-Kosten")
    label_benefit = ctx.text("cumulative benefit", "kumulierter Nutzen")
    frame = pd.concat(
        [
            pd.DataFrame({"month": months, "series": label_cost, "value": cost}),
            pd.DataFrame({"month": months, "series": label_benefit, "value": benefit}),
        ]
    )
    return Chart(
        id="cumulative",
        title=ctx.text("Cumulative benefit against cost", "Kumulierter Nutzen gegenüber Kosten"),
        spec=cumulative_lines(
            frame,
            x="month",
            series="series",
            y="value",
            x_title=ctx.text("month", "Monat"),
            y_title=ctx.currency,
            colors={label_cost: COST, label_benefit: BENEFIT},
        ),
        caption=ctx.text(
            "The CRM has paid for itself where the benefit line crosses the cost line.",
            "Das CRM hat sich bezahlt gemacht, wo die Nutzenlinie die Kostenlinie kreuzt.",
        ),
    )


@register_section("overview")
def overview(ctx: ReportContext) -> Section:
    """ROI, revenue added, total cost, payback, NPV; the bases side by side."""
    data = ctx.roi.to_dict()
    basis_en, basis_de = BASIS_NAMES.get(data["basis"], (data["basis"], data["basis"]))
    prob = data.get("prob_roi_positive")
    metrics = (
        Metric(
            "roi_pct",
            ctx.text(f"ROI ({data['basis']} basis)", f"ROI (Basis: {data['basis']})"),
            data.get("roi_pct"),
            Unit.percent,
            low=data.get("roi_pct_low"),
            high=data.get("roi_pct_high"),
            note=(
                ctx.text(f"P(ROI > 0) = {prob:.0%}", f"P(ROI > 0) = {prob * 100:.0f}\xa0%")
                if prob is not None
                else ""
            ),
        ),
        Metric(
            "revenue",
            ctx.text(basis_en, basis_de),
            data.get("revenue"),
            Unit.currency,
            low=data.get("revenue_low"),
            high=data.get("revenue_high"),
        ),
        Metric(
            "total_cost",
            ctx.text("Total cost of ownership", "Gesamtbetriebskosten (TCO)"),
            data.get("total_cost"),
            Unit.currency,
            better="lower",
        ),
        Metric(
            "payback_months",
            ctx.text("Payback", "Amortisation"),
            data.get("payback_months"),
            Unit.months,
            better="lower",
            note=data.get("payback_reason") or "",
        ),
        Metric(
            "npv",
            ctx.text("Net present value", "Kapitalwert (NPV)"),
            data.get("npv"),
            Unit.currency,
            note=ctx.text(
                f"at {data['discount_rate']:.0%} a year",
                f"bei {data['discount_rate'] * 100:.0f}\xa0% p. a.",
            ),
        ),
    )
    chart = _cumulative_chart(ctx)
    period = data["period"]
    return Section(
        id="overview",
        title=ctx.text("Does the CRM pay for itself?", "Rechnet sich das CRM?"),
        summary=ctx.text(
            f"CRM live since {ctx.adoption.isoformat()}; analysis window "
            f"{period['start']} to {period['end']} ({period['months']} months).",
            f"CRM in Betrieb seit {ctx.adoption.isoformat()}; Analysezeitraum "
            f"{period['start']} bis {period['end']} ({period['months']} Monate).",
        ),
        metrics=metrics,
        charts=(chart,) if chart else (),
        tables=(_bases_table(ctx, data),),
        notes=tuple(data.get("notes", ())),
    )
