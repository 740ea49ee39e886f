"""What each report section needs, and how to add what the workspace lacks.

A section never goes blank or vanishes without a word: when its data is missing it says which
table or setting is missing and gives the command or the ``crmroi.toml`` line that adds it, in
the report's language. The wording lives here, in one place, so every section says it alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from crmroi.report.model import Missing

Text = Callable[[str, str], str]
"""``ctx.text``: picks the English or German wording."""

TABLE_WHAT: dict[str, tuple[str, str]] = {
    "deals": ("deals (won and lost opportunities)", "Deals (gewonnene und verlorene Chancen)"),
    "costs": (
        "CRM costs (licences, set-up, running)",
        "CRM-Kosten (Lizenzen, Einführung, Betrieb)",
    ),
    "orders": ("orders or invoices", "Bestellungen oder Rechnungen"),
    "survey_responses": ("survey answers (NPS, CSAT, CES)", "Umfrageantworten (NPS, CSAT, CES)"),
    "touchpoints": ("marketing touchpoints", "Marketing-Kontaktpunkte"),
    "workflow_enrollments": ("workflow enrolments", "Workflow-Einschreibungen"),
    "users": ("CRM users (seats)", "CRM-Nutzer (Lizenzen)"),
    "workflows": ("workflows (names and costs)", "Workflows (Namen und Kosten)"),
    "campaigns": ("campaigns (names and costs)", "Kampagnen (Namen und Kosten)"),
    "campaign_members": (
        "campaign members and control groups",
        "Kampagnenmitglieder und Kontrollgruppen",
    ),
    "targets": (
        "targets per KPI and period (overall, per owner or team)",
        "Ziele je Kennzahl und Zeitraum (gesamt, je Person oder Team)",
    ),
    "deal_stage_history": (
        "the stages each deal went through, with dates",
        "die Phasen jedes Deals mit Datum",
    ),
    "stages": ("the pipeline's stages in order", "die Phasen der Pipeline in Reihenfolge"),
    "activities": ("logged activities (calls, meetings, e-mails)", "erfasste Aktivitäten"),
    "contacts": ("contacts", "Kontakte"),
}

SECTION_TITLES: dict[str, tuple[str, str]] = {
    "summary": ("Summary", "Zusammenfassung"),
    "findings": ("What to fix first", "Was zuerst zu beheben ist"),
    "kpis": ("KPIs against targets", "Kennzahlen gegen Ziele"),
    "funnel": ("Pipeline and forecast", "Pipeline und Prognose"),
    "quality": ("Data quality", "Datenqualität"),
    "methods": ("How the figures are computed", "Wie die Zahlen berechnet werden"),
    "overview": ("Return on investment", "Rendite der Investition"),
    "sales": ("Sales", "Vertrieb"),
    "impact": ("What brought the revenue", "Was den Umsatz gebracht hat"),
    "customers": ("Do customers stay?", "Bleiben die Kunden?"),
    "costs": ("What the CRM costs", "Was das CRM kostet"),
}
"""Titles for a section that cannot be built at all (its builder returned nothing or failed)."""

SECTION_NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "summary": (("deals",), ("costs",)),
    "findings": (("deals", "activities", "contacts", "users"),),
    "kpis": (("deals",),),
    "funnel": (("deals",),),
    "quality": (("deals", "contacts", "accounts"),),
    "overview": (("deals",), ("costs",)),
    "sales": (("deals",),),
    "impact": (("touchpoints", "workflow_enrollments", "campaign_members"),),
    "customers": (("orders", "survey_responses"),),
    "costs": (("costs",),),
}
"""Per built-in section, the tables it needs: every group must have at least one table with rows."""

SECTION_READS: dict[str, tuple[str, ...]] = {
    "summary": ("deals", "costs", "users"),
    "findings": ("deals", "activities", "contacts", "users", "costs"),
    "kpis": ("deals", "targets", "users"),
    "funnel": ("deals", "stages", "deal_stage_history", "targets"),
    "quality": ("deals", "contacts", "accounts"),
    "overview": ("deals", "costs", "users"),
    "sales": ("deals",),
    "impact": (
        "deals",
        "touchpoints",
        "workflow_enrollments",
        "workflows",
        "campaigns",
        "campaign_members",
    ),
    "customers": ("orders", "survey_responses"),
    "costs": ("costs", "users"),
}
"""Per built-in section, every table it reads: named when the section finds nothing to show."""

NEEDS_ADOPTION = frozenset({"overview"})
"""Sections that cannot be shown without the CRM's go-live date (sales and costs can)."""

ADOPTION_EXAMPLE = "adoption_date = 2024-07-01"


def missing_table(table: str, text: Text) -> Missing:
    """The table is empty: import its export (``--table`` names the target if the file does not)."""
    en, de = TABLE_WHAT.get(table, (table, table))
    return Missing(
        what=text(f"{en}, table {table}", f"{de}, Tabelle {table}"),
        how=f"crmroi import {table}.csv --table {table}",
    )


def missing_targets(text: Text) -> Missing:
    """No targets: ``crmroi targets set`` adds one (docs/targets.md)."""
    en, de = TABLE_WHAT["targets"]
    return Missing(
        what=text(f"{en}, table targets", f"{de}, Tabelle targets"),
        how="crmroi targets set won_revenue 100000 --period 2025-03",
        where=text(
            "(--owner or --team for one person or team; crmroi targets import for a file)",
            "(--owner oder --team für eine Person oder ein Team; crmroi targets import für "
            "eine Datei)",
        ),
    )


def missing_adoption(text: Text, purpose: tuple[str, str]) -> Missing:
    """No go-live date: the ``[company]`` line of ``crmroi.toml`` sets it."""
    return Missing(
        what=text(
            f"the date the CRM went live ({purpose[0]})",
            f"das Datum des CRM-Starts ({purpose[1]})",
        ),
        how=ADOPTION_EXAMPLE,
        where=text("under [company] in crmroi.toml", "unter [company] in crmroi.toml"),
    )


def missing_won_deals(text: Text) -> Missing:
    """Deals exist but none is won: the benefit of the CRM has nothing to count."""
    return Missing(
        what=text(
            "won deals (status won with a close date)",
            "gewonnene Deals (Status won mit Abschlussdatum)",
        ),
        how="crmroi import deals.csv --table deals",
    )


def missing_amounts(text: Text) -> Missing:
    """Deals are won but none has an amount: revenue cannot be summed (not 0)."""
    return Missing(
        what=text(
            "the amounts of the won deals (deals.amount is empty on every one)",
            "die Beträge der gewonnenen Deals (deals.amount ist bei allen leer)",
        ),
        how='amount = { column = "Amount" }',
        where=text(
            "under [fields] in the mapping of the deals file, then import it again with --map",
            "unter [fields] im Mapping der Deals-Datei, danach diese mit --map neu importieren",
        ),
    )


def missing_tables(
    section_id: str, rows: Mapping[str, int], text: Text, *, wide: bool = False
) -> tuple[Missing, ...]:
    """The tables the section lacks: the first of each group of its needs without rows.

    ``wide``: every empty table the section reads (it had its needs and still found nothing).
    """
    if wide:
        return tuple(
            missing_table(name, text)
            for name in SECTION_READS.get(section_id, ())
            if not rows.get(name, 0)
        )
    return tuple(
        missing_table(group[0], text)
        for group in SECTION_NEEDS.get(section_id, ())
        if not any(rows.get(name, 0) for name in group)
    )
