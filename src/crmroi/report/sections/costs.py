"""What the CRM costs: total cost of ownership by category, per seat and per active user."""

from __future__ import annotations

import pandas as pd

from crmroi.report.build import ReportContext, register_section
from crmroi.report.charts import COST, horizontal_bars, waterfall
from crmroi.report.i18n import term
from crmroi.report.model import Chart, DataTable, Metric, Section, Unit

CATEGORY_DE = {
    "licence": "Lizenzen",
    "implementation": "Einführung",
    "integration": "Integration",
    "customization": "Anpassung",
    "migration": "Datenmigration",
    "training": "Schulung",
    "admin": "Administration",
    "maintenance": "Wartung",
    "other": "Sonstiges",
}


@register_section("costs")
def costs(ctx: ReportContext) -> Section | None:
    """TCO by category with cost per seat, per active user and the cost of unused seats."""
    data = ctx.roi.to_dict()
    by_category = {k: v for k, v in data["cost_by_category"].items() if v}
    if not by_category:
        return None
    names = {k: (CATEGORY_DE.get(k, k) if ctx.lang == "de" else k) for k in by_category}
    frame = pd.DataFrame(
        {"category": [names[k] for k in by_category], "cost": list(by_category.values())}
    )
    total = sum(by_category.values())
    table = DataTable(
        id="tco",
        title=ctx.text("Total cost of ownership by category", "Gesamtkosten nach Kategorie"),
        columns=(
            ctx.text("category", "Kategorie"),
            ctx.text("cost", "Kosten"),
            ctx.text("share", "Anteil"),
        ),
        rows=tuple(
            (names[k], v, v / total) for k, v in sorted(by_category.items(), key=lambda kv: -kv[1])
        ),
        units=(Unit.text, Unit.currency, Unit.ratio),
    )
    metrics = (
        Metric(
            "tco",
            ctx.text("Total cost of ownership", "Gesamtkosten"),
            data["total_cost"],
            Unit.currency,
            better="lower",
        ),
        Metric(
            "cost_per_seat",
            ctx.text("Cost per seat", "Kosten pro Lizenz"),
            data.get("cost_per_seat"),
            Unit.currency,
            better="lower",
            note=ctx.text(f"{data.get('seats', 0)} seats", f"{data.get('seats', 0)} Lizenzen"),
        ),
        Metric(
            "cost_per_active_user",
            ctx.text("Cost per active user", "Kosten pro aktivem Nutzer"),
            data.get("cost_per_active_user"),
            Unit.currency,
            better="lower",
            note=ctx.text(
                f"{data.get('active_users', 0)} active users",
                f"{data.get('active_users', 0)} aktive Nutzer",
            ),
        ),
        Metric(
            "unused_seat_cost",
            ctx.text("Paid for unused seats", "Kosten ungenutzter Lizenzen"),
            data.get("unused_seat_cost"),
            Unit.currency,
            better="lower",
        ),
    )
    chart = Chart(
        id="tco-by-category",
        title=ctx.text("Where the money goes", "Wohin das Geld fließt"),
        spec=horizontal_bars(
            frame, category="category", value="cost", value_title=ctx.currency, color=COST
        ),
    )
    ordered = frame.sort_values("cost", ascending=False)
    steps = Chart(
        id="cost-waterfall",
        title=ctx.text("How the total cost adds up", "Wie sich die Gesamtkosten zusammensetzen"),
        spec=waterfall(
            ordered,
            category="category",
            value="cost",
            total_label=ctx.text("total", "gesamt"),
            value_title=ctx.currency,
        ),
        caption=ctx.text(
            "Each step adds one cost category, largest first; the last bar is the total cost "
            "of ownership.",
            "Jede Stufe fügt eine Kostenkategorie hinzu, die größte zuerst; der letzte Balken "
            "sind die Gesamtkosten.",
        ),
    )
    source = data.get("licence_source")
    return Section(
        id="costs",
        title=ctx.text("What the CRM costs", "Was das CRM kostet"),
        summary=ctx.text(
            f"Licences, set-up, training and running costs over the analysis window; one-off "
            f"costs counted when paid. Licences come from the {term(source, 'en')}.",
            f"Lizenzen, Einführung, Schulung und laufende Kosten im Analysezeitraum; einmalige "
            f"Kosten bei Zahlung gebucht. Lizenzen stammen aus: {term(source, 'de')}.",
        ),
        metrics=metrics,
        charts=(steps, chart),
        tables=(table,),
    )
