"""What to fix first: every finding of the detectors, ranked by money at stake × confidence.

The section reads only what every :class:`crmroi.insights.Finding` has (kind, subject, money,
confidence, evidence, action, title), so a detector added later shows without a change here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crmroi.report.build import ReportContext, register_section
from crmroi.report.i18n import format_value
from crmroi.report.model import DataTable, Metric, Section, Unit

KIND_NAMES: dict[str, tuple[str, str]] = {
    "campaign_roi": ("campaign return", "Kampagnenrendite"),
    "workflow_lift": ("workflow effect", "Workflow-Wirkung"),
    "stage": ("pipeline stage", "Pipeline-Phase"),
    "adoption": ("CRM use", "CRM-Nutzung"),
    "neglected_deals": ("neglected deals", "vernachlässigte Deals"),
    "data_quality": ("data quality", "Datenqualität"),
    "engagement": ("engagement", "Kundenbindung"),
    "churn_risk": ("churn risk", "Abwanderungsrisiko"),
    "target_gap": ("target gap", "Zielverfehlung"),
    "unused_seats": ("unused seats", "ungenutzte Lizenzen"),
}
"""The kinds of findings (``crmroi.insights.KINDS``) as a reader names them."""

EVIDENCE_NAMES: dict[str, tuple[str, str]] = {
    "team": ("team", "Team"),
    "deals": ("deals", "Deals"),
    "weighted_value": ("weighted value", "gewichteter Wert"),
    "usual_gap_days": ("usual gap", "übliche Pause"),
    "longest_idle_days": ("longest idle", "längste Ruhe"),
    "idle_days": ("idle", "ruht seit"),
    "largest_deals": ("largest deals", "größte Deals"),
    "user_id": ("user", "Nutzer"),
    "owner_id": ("owner", "Verantwortlich"),
    "activities_per_deal": ("activities per deal", "Aktivitäten je Deal"),
    "median_activities_per_deal": ("median rep", "Median"),
    "win_rate": ("win rate", "Gewinnquote"),
    "peer_win_rate": ("peers' win rate", "Gewinnquote Kollegen"),
    "closed_deals": ("closed deals", "abgeschlossene Deals"),
    "peer_closed_deals": ("peers' closed deals", "abgeschlossene Deals Kollegen"),
    "open_pipeline": ("open pipeline", "offene Pipeline"),
    "contacts_with_email": ("contacts with e-mail", "Kontakte mit E-Mail"),
    "duplicate_contacts": ("duplicates", "Dubletten"),
    "duplicate_groups": ("groups", "Gruppen"),
    "share_duplicate": ("share duplicate", "Anteil Dubletten"),
    "won_revenue_affected": ("won revenue affected", "betroffener Umsatz"),
    "share_of_won_revenue": ("share of won revenue", "Anteil am Umsatz"),
    "deals_checked": ("deals checked", "geprüfte Deals"),
    "deals_missing": ("deals missing it", "Deals ohne Angabe"),
    "share_missing": ("share missing", "Anteil fehlend"),
    "won_deals_missing": ("won deals missing it", "gewonnene Deals ohne Angabe"),
    "won_with_amount": ("won deals with amount", "gewonnene Deals mit Betrag"),
    "licence_per_month": ("licence per month", "Lizenz pro Monat"),
    "last_activity": ("last activity", "letzte Aktivität"),
    "cost": ("cost", "Kosten"),
    "margin": ("margin", "Marge"),
    "treated": ("treated", "behandelt"),
    "control": ("control", "Kontrolle"),
    "incremental_revenue": ("added revenue", "Zusatzumsatz"),
    "incremental_low": ("low (95 %)", "unten (95 %)"),
    "incremental_high": ("high (95 %)", "oben (95 %)"),
    "incremental_roi_pct": ("ROI", "ROI"),
    "lift_p_value": ("p-value", "p-Wert"),
    "campaign_id": ("campaign", "Kampagne"),
    "channel": ("channel", "Kanal"),
    "basis": ("basis", "Grundlage"),
    "spend": ("spend", "Ausgaben"),
    "amount": ("amount", "Betrag"),
    "source": ("source", "Quelle"),
    "closed_at": ("close date", "Abschlussdatum"),
    "account_id": ("account", "Konto"),
    "workflow_id": ("workflow", "Workflow"),
    "segment": ("segment", "Segment"),
    "customers": ("customers", "Kunden"),
    "stage": ("stage", "Stufe"),
    "pipeline": ("pipeline", "Pipeline"),
    "enrolled": ("enrolled", "eingeschrieben"),
    "holdout": ("holdout", "Kontrollgruppe"),
    "conversion_lift": ("conversion lift", "Konversionsplus"),
    "conversion_before": ("conversion before", "Konversion vorher"),
    "conversion_now": ("conversion now", "Konversion jetzt"),
    "exits_before": ("exits before", "Abgänge vorher"),
    "exits_now": ("exits now", "Abgänge jetzt"),
    "mean_days_before": ("mean time before", "mittlere Dauer vorher"),
    "mean_days_now": ("mean time now", "mittlere Dauer jetzt"),
    "open_value_in_stage": ("open value in the stage", "offener Wert in der Stufe"),
    "mean_score_before": ("mean score before", "mittlerer Score vorher"),
    "mean_score_now": ("mean score now", "mittlerer Score jetzt"),
    "relative_drop": ("relative drop", "relativer Rückgang"),
    "compare_days": ("compared over", "verglichen über"),
    "window_days": ("window", "Zeitraum"),
    "interactions_recent": ("recent interactions", "jüngste Interaktionen"),
    "interactions_expected": ("expected interactions", "erwartete Interaktionen"),
    "p_alive": ("P(alive)", "P(aktiv)"),
    "p_value": ("p-value", "p-Wert"),
    "revenue_12m": ("revenue, last 12 months", "Umsatz, letzte 12 Monate"),
    "kpi": ("KPI", "KPI"),
    "period": ("period", "Periode"),
    "dimension": ("dimension", "Dimension"),
    "member": ("member", "Mitglied"),
    "target": ("target", "Ziel"),
    "value_to_date": ("value so far", "Wert bisher"),
    "share_elapsed": ("share of the period elapsed", "verstrichener Anteil der Periode"),
    "projected": ("projected", "Prognose"),
    "projection": ("projected by", "Prognose nach"),
    "gap": ("gap", "Lücke"),
    "value_per_unit": ("value per unit", "Wert je Einheit"),
    "history_periods": ("past periods", "frühere Perioden"),
    "history_sd": ("spread of past periods", "Streuung früherer Perioden"),
}
"""Labels of the evidence keys the detectors use; a key not listed is shown as it is (its JSON
name in ``crmroi findings --format json``), never guessed into prose."""

MONEY_WORDS = ("revenue", "value", "cost", "pipeline", "amount", "money", "spend", "clv")
UNITLESS = frozenset({"target", "value_to_date", "projected", "gap", "history_sd"})
"""A target's figures are in the KPI's own unit (money or a count), which the key cannot tell."""


def evidence_unit(key: str, value: Any) -> Unit:
    """How an evidence value reads: by its key's wording (a share, days, money) and its type."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Unit.text
    if key.endswith("p_value") or key in UNITLESS:
        return Unit.number
    if "share" in key or key.endswith(("rate", "drop", "p_alive")) or "conversion" in key:
        return Unit.ratio
    if key.endswith("_pct"):
        return Unit.percent
    if key.endswith("days"):
        return Unit.days
    if any(word in key for word in MONEY_WORDS):
        return Unit.currency
    return Unit.integer if isinstance(value, int) else Unit.number


def evidence_text(evidence: Mapping[str, Any], lang: str, currency: str) -> str:
    """The figures behind a finding as one line, each labelled and formatted for ``lang``."""
    parts = []
    for key, value in evidence.items():
        if value is None:
            continue
        en, de = EVIDENCE_NAMES.get(key, (key, key))
        if key.endswith("p_value") and isinstance(value, int | float):
            shown = _p_value(float(value), lang)
        else:
            shown = format_value(value, evidence_unit(key, value), lang, currency)
        parts.append(f"{de if lang == 'de' else en}: {shown}")
    return "; ".join(parts)


def _p_value(value: float, lang: str) -> str:
    """A p-value to three places, or "< 0.001" (never a bare 0, which reads as certainty)."""
    text = "< 0.001" if value < 0.001 else f"{value:.3f}"
    return text.replace(".", ",") if lang == "de" else text


def kind_name(kind: str, lang: str) -> str:
    """A finding's kind as a reader names it (its identifier when it is a new kind)."""
    en, de = KIND_NAMES.get(kind, (kind, kind))
    return de if lang == "de" else en


def findings_table(
    ctx: ReportContext, found: Sequence[Any], *, table_id: str, title: str, full: bool
) -> DataTable:
    """Findings as rows; ``full`` adds the evidence and the action (the findings section)."""
    columns = [
        "#",
        ctx.text("finding", "Befund"),
        ctx.text("concerns", "betrifft"),
        ctx.text("kind", "Art"),
        ctx.text("at stake", "auf dem Spiel"),
        ctx.text("confidence", "Sicherheit"),
    ]
    units = [Unit.integer, Unit.text, Unit.text, Unit.text, Unit.currency, Unit.ratio]
    if full:
        columns += [ctx.text("evidence", "Belege"), ctx.text("what to do", "Was zu tun ist")]
        units += [Unit.text, Unit.text]
    rows = []
    for rank, f in enumerate(found, start=1):
        row: list[Any] = [
            rank,
            f.title,
            f.subject,
            kind_name(f.kind, ctx.lang),
            f.money_at_stake,
            f.confidence,
        ]
        if full:
            row += [evidence_text(f.evidence, ctx.lang, f.currency), f.action]
        rows.append(tuple(row))
    return DataTable(
        id=table_id,
        title=title,
        columns=tuple(columns),
        rows=tuple(rows),
        units=tuple(units),
        caption=ctx.text(
            "Ranked by money at stake × confidence. Money at stake is what the detector "
            "prices the weak spot at; confidence (0–100 %) is how sure it is that the money "
            "is really at stake.",
            "Sortiert nach Betrag × Sicherheit. Der Betrag ist der Wert, den die Erkennung der "
            "Schwachstelle beimisst; die Sicherheit (0–100 %) gibt an, wie sicher dieser "
            "Betrag tatsächlich auf dem Spiel steht.",
        ),
    )


def totals(ctx: ReportContext, found: Sequence[Any], *, prefix: str = "") -> tuple[Metric, Metric]:
    """How many findings there are and the money at stake in all of them.

    ``prefix`` keeps the ids unique (they are HTML ids) where two sections show them.
    """
    return (
        Metric(
            f"{prefix}findings",
            ctx.text("Findings", "Befunde"),
            float(len(found)),
            Unit.integer,
        ),
        Metric(
            f"{prefix}money_at_stake",
            ctx.text("Money at stake (all findings)", "Betrag auf dem Spiel (alle Befunde)"),
            float(sum(f.money_at_stake for f in found)),
            Unit.currency,
            better="lower",
        ),
    )


@register_section("findings")
def findings(ctx: ReportContext) -> Section:
    """Every finding with its title, subject, money at stake, confidence, evidence and action."""
    found = ctx.findings
    tables = (
        (
            findings_table(
                ctx,
                found,
                table_id="findings",
                title=ctx.text("All findings", "Alle Befunde"),
                full=True,
            ),
        )
        if found
        else ()
    )
    notes = (
        ()
        if found
        else (
            ctx.text(
                "No detector found a weak spot above its thresholds (set under [findings] in "
                "crmroi.toml).",
                "Keine Erkennung fand eine Schwachstelle über ihren Schwellen (einstellbar unter "
                "[findings] in crmroi.toml).",
            ),
        )
    )
    return Section(
        id="findings",
        title=ctx.text("What to fix first", "Was zuerst zu beheben ist"),
        summary=ctx.text(
            "Weak spots of the CRM and of how it is used, each with the figures behind it and "
            "the action to take (often training the team).",
            "Schwachstellen des CRM und seiner Nutzung, jeweils mit den Zahlen dahinter und der "
            "nötigen Maßnahme (oft eine Schulung des Teams).",
        ),
        metrics=totals(ctx, found),
        tables=tables,
        notes=notes,
    )
