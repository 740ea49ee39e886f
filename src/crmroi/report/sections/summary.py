"""The executive summary: the answer on the strongest basis, payback, TCO, the top findings.

It repeats no computation: the figures are the ROI analysis's headline (``crmroi.roi``, basis
chosen by :mod:`crmroi.roi.headline`) and the first five of the ranked findings.
"""

from __future__ import annotations

from typing import Any

from crmroi.report.build import ReportContext, placeholder, register_section
from crmroi.report.model import DataTable, Metric, Missing, Section, Unit
from crmroi.report.sections.findings import findings_table, totals
from crmroi.report.sections.overview import BASIS_SHORT_DE, basis_summary, in_lang

TOP = 5


def _answer(ctx: ReportContext, data: dict[str, Any]) -> str:
    """Yes, not yet, or not computed: the sentence a manager reads first."""
    roi = data.get("roi_pct")
    basis = data["basis"]
    basis_de = BASIS_SHORT_DE.get(basis, basis)
    if roi is None:
        return ctx.text(
            "Whether the CRM pays for itself cannot be computed from these data yet.",
            "Ob sich das CRM rechnet, lässt sich aus diesen Daten noch nicht berechnen.",
        )
    if roi > 0:
        answer = ctx.text(
            f"Yes: on the {basis} basis the CRM has returned more than it cost.",
            f"Ja: auf der Basis „{basis_de}“ hat das CRM mehr eingebracht, als es gekostet hat.",
        )
    else:
        answer = ctx.text(
            f"Not yet: on the {basis} basis the CRM has returned less than it cost.",
            f"Noch nicht: auf der Basis „{basis_de}“ hat das CRM weniger eingebracht, als es "
            "gekostet hat.",
        )
    low, high, prob = (
        data.get("roi_pct_low"),
        data.get("roi_pct_high"),
        data.get("prob_roi_positive"),
    )
    if low is not None and high is not None and prob is not None and low < 0 < high:
        answer += " " + ctx.text(
            f"Its interval holds a gain and a loss: P(ROI > 0) = {prob:.0%}.",
            f"Die Spanne enthält Gewinn und Verlust: P(ROI > 0) = {prob * 100:.0f}\xa0%.",
        )
    return answer


def _roi_metrics(ctx: ReportContext, data: dict[str, Any]) -> tuple[Metric, ...]:
    basis = data["basis"]
    prob = data.get("prob_roi_positive")
    return (
        Metric(
            "summary_roi_pct",
            ctx.text(f"ROI ({basis} basis)", f"ROI (Basis: {BASIS_SHORT_DE.get(basis, basis)})"),
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
            "summary_payback",
            ctx.text("Payback", "Amortisation"),
            data.get("payback_months"),
            Unit.months,
            better="lower",
            note=in_lang(ctx, data.get("payback_reason") or ""),
        ),
        Metric(
            "summary_tco",
            ctx.text("Total cost of ownership", "Gesamtbetriebskosten (TCO)"),
            data.get("total_cost"),
            Unit.currency,
            better="lower",
        ),
    )


@register_section("summary")
def summary(ctx: ReportContext) -> Section:
    """The answer, payback and TCO from the ROI headline; the five findings worth most."""
    found = ctx.findings
    metrics: tuple[Metric, ...] = ()
    missing: tuple[Missing, ...] = ()
    notes: tuple[str, ...] = ()
    if ctx.roi_error is None:
        data = ctx.roi.to_dict()
        metrics = _roi_metrics(ctx, data)
        text = _answer(ctx, data) + " " + basis_summary(ctx, data)
    else:
        reason = str(ctx.roi_error)
        why = placeholder(ctx, "overview", reason)
        missing = why.missing
        if why.notes:  # nothing to add: say why it is not computed, in the report's language
            notes = (
                ctx.text(f"Not computed: {reason}", f"Nicht berechnet: {in_lang(ctx, reason)}"),
            )
        text = _answer(ctx, {"basis": "", "roi_pct": None})
    _, at_stake = totals(ctx, found, prefix="summary_")
    tables: tuple[DataTable, ...] = ()
    if found:
        text += " " + ctx.text(
            f"The {min(TOP, len(found))} findings below are worth most; 'What to fix first' "
            "lists all of them with their evidence and action.",
            f"Die {min(TOP, len(found))} Befunde unten wiegen am schwersten; „Was zuerst zu "
            "beheben ist“ listet alle mit Belegen und Maßnahme.",
        )
        tables = (
            findings_table(
                ctx,
                found[:TOP],
                table_id="top-findings",
                title=ctx.text("Top findings", "Wichtigste Befunde"),
                full=False,
            ),
        )
    return Section(
        id="summary",
        title=ctx.text("Summary", "Zusammenfassung"),
        summary=text.strip(),
        metrics=(*metrics, at_stake),
        tables=tables,
        notes=notes,
        missing=missing,
    )
