"""The customers section's warning about orders that would dominate customer value."""

from __future__ import annotations

import pandas as pd

from crmroi.report.build import ReportContext
from crmroi.report.model import DataTable, Unit

SHOWN = 10
"""Largest outliers listed in the table; the note counts them all."""


def outlier_section(ctx: ReportContext) -> tuple[DataTable, str] | None:
    """A table of the largest outlier orders and a note saying what they distort, or None."""
    from crmroi.engagement.outliers import OUTLIER_FACTOR, outlier_orders

    frame = outlier_orders(ctx.ws)
    if frame.empty:
        return None
    reversed_count = int(frame["reversed_same_day"].sum())
    factor = f"{OUTLIER_FACTOR:.0f}"
    note = ctx.text(
        f"{len(frame)} order(s) exceed {factor} × the median order; {reversed_count} of them "
        "were cancelled or returned the same day. CLV, average order value and revenue "
        "retention count them as they are: check them in the source system.",
        f"{len(frame)} Bestellung(en) übersteigen das {factor}-Fache der mittleren Bestellung; "
        f"{reversed_count} davon wurden am selben Tag storniert oder retourniert. CLV, "
        "durchschnittlicher Bestellwert und Umsatzbindung zählen sie mit: bitte im Quellsystem "
        "prüfen.",
    )
    yes, no = ctx.text("yes", "ja"), ctx.text("no", "nein")
    table = DataTable(
        id="outlier-orders",
        title=ctx.text("Unusually large orders", "Auffällig große Bestellungen"),
        columns=(
            ctx.text("order", "Bestellung"),
            ctx.text("customer", "Kunde"),
            ctx.text("date", "Datum"),
            ctx.text("amount", "Betrag"),
            ctx.text("× median order", "× mittlere Bestellung"),
            ctx.text("cancelled same day", "am selben Tag storniert"),
        ),
        rows=tuple(
            (
                str(r["order_id"]),
                str(r["customer"]),
                pd.Timestamp(r["occurred_at"]).date().isoformat(),
                float(r["amount"]),
                float(r["times_median"]),
                yes if r["reversed_same_day"] else no,
            )
            for r in frame.head(SHOWN).to_dict("records")
        ),
        units=(Unit.text, Unit.text, Unit.text, Unit.currency, Unit.number, Unit.text),
    )
    return table, note
