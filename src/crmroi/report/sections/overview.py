"""The answer first: does the CRM pay for itself, on which benefit basis, and how sure are we."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmroi.report.build import ReportContext, register_section
from crmroi.report.charts import BENEFIT, COST, cumulative_lines
from crmroi.report.model import Chart, DataTable, Metric, Section, Unit
from crmroi.report.reasons import german_reason
from crmroi.report.sections.estimate import estimate_table
from crmroi.report.sections.uncertainty import distribution_chart, tornado_chart

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

BASIS_SHORT_DE = {"touched": "berührt", "attributed": "zugeordnet", "incremental": "inkrementell"}


def in_lang(ctx: ReportContext, reason: str) -> str:
    """The analysis's English reason, in German for the German report."""
    return german_reason(reason) if ctx.lang == "de" else reason


def _not_computed(ctx: ReportContext, reason: str | None) -> str:
    if not reason:
        return ""
    return ctx.text(f"not computed: {reason}", f"nicht berechnet: {in_lang(ctx, reason)}")


def _bases_table(ctx: ReportContext, data: dict[str, Any]) -> DataTable:
    rows = []
    for name, basis in data["bases"].items():
        figures = ctx.roi.bases[name].figures
        fig = figures.to_dict() if figures else {}
        en, de = BASIS_NAMES.get(name, (name, name))
        if name == data["basis"]:
            en, de = f"{en} — headline", f"{de} — Kennzahl oben"
        rows.append(
            (
                ctx.text(en, de),
                basis.get("revenue"),
                fig.get("roi_pct"),
                fig.get("irr_pct"),
                fig.get("payback_months"),
                fig.get("npv"),
                _not_computed(ctx, basis.get("reason")),
            )
        )
    return DataTable(
        id="roi-bases",
        title=ctx.text("ROI on each benefit basis", "ROI je Nutzenbasis"),
        columns=(
            ctx.text("benefit basis", "Nutzenbasis"),
            ctx.text("revenue", "Umsatz"),
            "ROI",
            "IRR",
            ctx.text("payback (months)", "Amortisation (Monate)"),
            "NPV",
            ctx.text("note", "Hinweis"),
        ),
        rows=tuple(rows),
        units=(
            Unit.text,
            Unit.currency,
            Unit.percent,
            Unit.percent,
            Unit.months,
            Unit.currency,
            Unit.text,
        ),
        caption=ctx.text(
            "ROI = (revenue through the CRM − total CRM cost) / total CRM cost × 100; IRR is the "
            "yearly rate at which the NPV is zero. Only the incremental basis counts revenue the "
            "CRM caused; the touched basis is an upper bound. A basis the data cannot support is "
            "not computed, with the reason.",
            "ROI = (Umsatz durch das CRM − CRM-Gesamtkosten) / CRM-Gesamtkosten × 100; IRR ist "
            "der Jahreszins, bei dem der Kapitalwert null ist. Nur die inkrementelle Basis zählt "
            "Umsatz, den das CRM verursacht hat; die berührte Basis ist eine Obergrenze. Eine "
            "Basis, die die Daten nicht tragen, wird mit Begründung nicht berechnet.",
        ),
    )


def _cumulative_chart(ctx: ReportContext) -> Chart | None:
    """Cumulative cost, and the headline's cumulative benefit over the months it is measured.

    The benefit line stops at ``benefit_through`` (incremental cohorts still maturing: those
    months are unmeasured, not zero) and is left out when the basis is not computed.
    """
    result = ctx.roi
    head = result.headline
    months = pd.date_range(result.tco.start, periods=result.tco.months, freq="MS")
    cost = np.asarray(result.tco.cumulative, dtype=float)
    label_cost = ctx.text("cumulative CRM cost", "kumulierte CRM-Kosten")
    label_benefit = ctx.text("cumulative benefit", "kumulierter Nutzen")
    frames = [pd.DataFrame({"month": months, "series": label_cost, "value": cost})]
    caption = ctx.text(
        "The CRM has paid for itself where the benefit line crosses the cost line.",
        "Das CRM hat sich bezahlt gemacht, wo die Nutzenlinie die Kostenlinie kreuzt.",
    )
    if head.benefit.value is None:
        caption = ctx.text(
            f"No benefit line: {head.benefit.reason}.",
            f"Keine Nutzenlinie: {in_lang(ctx, head.benefit.reason or '')}.",
        )
    else:
        benefit = np.cumsum(np.asarray(head.benefit.monthly, dtype=float) * result.settings.margin)
        if not np.isfinite(benefit).all():
            return None
        measured = pd.Series(True, index=months)
        if result.benefit_through is not None:
            measured = pd.Series(months.strftime("%Y-%m") <= result.benefit_through, index=months)
            caption += " " + ctx.text(
                f"The benefit line stops at {result.benefit_through}: deals created later are "
                "still open, so the CRM's effect on them is not measured yet (not zero).",
                f"Die Nutzenlinie endet {result.benefit_through}: später angelegte Deals sind "
                "noch offen, ihr Effekt ist noch nicht messbar (nicht null).",
            )
        frames.append(
            pd.DataFrame(
                {
                    "month": months[measured.to_numpy()],
                    "series": label_benefit,
                    "value": benefit[measured.to_numpy()],
                }
            )
        )
    return Chart(
        id="cumulative",
        title=ctx.text("Cumulative benefit against cost", "Kumulierter Nutzen gegenüber Kosten"),
        spec=cumulative_lines(
            pd.concat(frames),
            x="month",
            series="series",
            y="value",
            x_title=ctx.text("month", "Monat"),
            y_title=ctx.currency,
            colors={label_cost: COST, label_benefit: BENEFIT},
        ),
        caption=caption,
    )


def basis_summary(ctx: ReportContext, data: dict[str, Any]) -> str:
    """Which basis the headline stands on, why, and what would upgrade it."""
    en, de = BASIS_NAMES.get(data["basis"], (data["basis"], data["basis"]))
    if data.get("revenue") is None:
        reason = data.get("revenue_reason") or ""
        return ctx.text(f"Not computed: {reason}.", f"Nicht berechnet: {in_lang(ctx, reason)}.")
    why = {
        "the strongest basis the data supports": "die stärkste Basis, die die Daten tragen",
        "requested in the settings": "so eingestellt",
    }.get(data["basis_why"], data["basis_why"])
    text = ctx.text(
        f"Headline basis: {en} — {data['basis_why']}.",
        f"Basis der Kennzahlen: {de} — {why}.",
    )
    if data.get("basis_upgrade"):
        text += " " + ctx.text(
            f"A stronger basis: {data['basis_upgrade']}.",
            f"Für eine stärkere Basis: {in_lang(ctx, data['basis_upgrade'])}.",
        )
    return text


@register_section("overview")
def overview(ctx: ReportContext) -> Section:
    """ROI, revenue added, total cost, payback, NPV; the bases side by side."""
    data = ctx.roi.to_dict()
    basis_en, basis_de = BASIS_NAMES.get(data["basis"], (data["basis"], data["basis"]))
    prob = data.get("prob_roi_positive")
    missing = _not_computed(ctx, data.get("revenue_reason"))
    metrics = (
        Metric(
            "roi_pct",
            ctx.text(
                f"ROI ({data['basis']} basis)",
                f"ROI (Basis: {BASIS_SHORT_DE.get(data['basis'], data['basis'])})",
            ),
            data.get("roi_pct"),
            Unit.percent,
            low=data.get("roi_pct_low"),
            high=data.get("roi_pct_high"),
            note=(
                ctx.text(f"P(ROI > 0) = {prob:.0%}", f"P(ROI > 0) = {prob * 100:.0f}\xa0%")
                if prob is not None
                else missing or _not_computed(ctx, data.get("roi_pct_reason"))
            ),
        ),
        Metric(
            "revenue",
            ctx.text(basis_en, basis_de),
            data.get("revenue"),
            Unit.currency,
            low=data.get("revenue_low"),
            high=data.get("revenue_high"),
            note=missing,
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
            note=missing or in_lang(ctx, data.get("payback_reason") or ""),
        ),
        Metric(
            "npv",
            ctx.text("Net present value", "Kapitalwert (NPV)"),
            data.get("npv"),
            Unit.currency,
            note=missing
            or ctx.text(
                f"at {data['discount_rate']:.0%} a year",
                f"bei {data['discount_rate'] * 100:.0f}\xa0% p. a.",
            ),
        ),
    )
    charts = tuple(
        c
        for c in (_cumulative_chart(ctx), tornado_chart(ctx, data), distribution_chart(ctx, data))
        if c is not None
    )
    period = data["period"]
    return Section(
        id="overview",
        title=ctx.text("Return on investment", "Rendite der Investition"),
        summary=ctx.text(
            f"CRM live since {ctx.adoption.isoformat()}; analysis window "
            f"{period['start']} to {period['end']} ({period['months']} months). ",
            f"CRM in Betrieb seit {ctx.adoption.isoformat()}; Analysezeitraum "
            f"{period['start']} bis {period['end']} ({period['months']} Monate). ",
        )
        + basis_summary(ctx, data),
        metrics=metrics,
        charts=charts,
        tables=tuple(
            t for t in (_bases_table(ctx, data), estimate_table(ctx, ctx.roi.impact)) if t
        ),
        # the first note (headline basis and its upgrade) is already the summary's last sentence
        notes=tuple(in_lang(ctx, note) for note in data.get("notes", ())[1:]),
    )
