"""The analysis's English reasons rendered in German for the German report (issue 11 point 10).

The inputs are the analysis's own reason strings (made by the real functions where they are
small), so a changed English wording shows up here as an untranslated piece.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmroi import Workspace
from crmroi.impact.its import interrupted_time_series
from crmroi.report.reasons import german_reason
from crmroi.roi import RoiSettings, analyse
from crmroi.roi.finance import payback_months, simple_roi
from tests.support import insert_rows

WON = {"deal_id": "D1", "status": "won", "amount": 1000.0, "currency": "EUR"}
SETUP = {"cost_id": "C2", "category": "implementation", "amount": 5000.0, "currency": "EUR"}
LICENCE = {"cost_id": "C1", "category": "licence", "amount": 100.0, "currency": "EUR"}


def _german_notes(
    ws: Workspace, tables: dict[str, list[dict[str, Any]]], **settings: Any
) -> list[str]:
    """The notes ``roi.analyse`` gives the overview (all but the headline's), in German."""
    for name, rows in tables.items():
        insert_rows(ws, name, rows)
    result = analyse(ws, RoiSettings(attribution_bootstrap=0, **settings))
    return [german_reason(note) for note in result.notes[1:]]


def test_the_headline_upgrade_is_german_piece_by_piece() -> None:
    """The upgrade line of issue 11 point 10 (``roi.headline.choose`` on deals without owners,
    touchpoints or holdouts): every piece German, the numbers kept where they stood."""
    upgrade = (
        "an incremental basis needs one of — difference-in-differences: no won deals owned by "
        "CRM users; before/after time series: needs ≥6 months of won deals before adoption and "
        "≥3 after; found 2 and 0; holdout groups: no workflow holdout or campaign control group; "
        "an attributed basis needs: no touchpoints: import touchpoints (the campaign and channel "
        "touches of contacts) to attribute revenue"
    )
    assert german_reason(upgrade) == (
        "eine inkrementelle Basis braucht eine hiervon — Differenz-von-Differenzen: keine "
        "gewonnenen Deals von CRM-Nutzern; Vorher-nachher-Zeitreihe: braucht ≥6 Monate mit "
        "gewonnenen Deals vor der Einführung und ≥3 danach; gefunden: 2 und 0; Holdout-Gruppen: "
        "keine Workflow-Holdout- oder Kampagnen-Kontrollgruppe; eine zugeordnete Basis braucht: "
        "keine Touchpoints: Touchpoints (Kampagnen- und Kanalkontakte der Kontakte) importieren, "
        "um Umsatz zuzuordnen"
    )


def test_the_time_series_reason_keeps_its_counts() -> None:
    """Three months of revenue, the CRM live from the third: 2 months before, 1 after."""
    months = pd.date_range("2024-01-01", periods=3, freq="MS")
    estimate = interrupted_time_series(pd.Series([1.0, 2.0, 3.0], index=months), "2024-03-01")
    assert estimate.reason is not None
    assert german_reason(estimate.reason) == (
        "braucht ≥6 Monate mit gewonnenen Deals vor der Einführung und ≥3 danach; gefunden: 2 und 1"
    )


def test_roi_and_payback_reasons_are_german() -> None:
    """No cost: ROI undefined; benefit 1 a month against cost 10 a month never pays back in 4."""
    roi = simple_roi(100.0, 0.0).reason
    never = payback_months(np.ones(4), np.full(4, 10.0)).reason
    assert roi is not None and never is not None
    assert german_reason(roi) == (
        "keine Kosten erfasst: ROI ist nicht definiert (Kostenzeilen oder Lizenzen ergänzen)"
    )
    assert german_reason(never) == "amortisiert sich nicht innerhalb des Zeitraums von 4 Monaten"


def test_unknown_pieces_and_data_names_are_left_as_they_are() -> None:
    """A workflow key and an unknown message stay; the known piece beside them is German."""
    reason = "welcome-flow: the server said no; found 7 and 0"
    assert german_reason(reason) == "welcome-flow: the server said no; gefunden: 7 und 0"


def test_notes_of_a_ledger_with_a_licence_line_are_german(workspace: Workspace) -> None:
    """No users: the adoption date is the first licence line's (2024-01-01), licences come from
    the ledger, and the productivity line is on (1 hour saved a user and month)."""
    notes = _german_notes(
        workspace,
        {
            "costs": [
                {**LICENCE, "incurred_at": "2024-01-01", "recurrence": "monthly"},
                {**SETUP, "incurred_at": "2023-12-01"},
            ],
            "deals": [{**WON, "created_at": "2024-01-01", "closed_at": "2024-02-01"}],
        },
        hours_saved_per_user_month=1.0,
    )
    assert notes == [
        "Einführungsdatum 2024-01-01 aus der ersten Lizenzkostenzeile abgeleitet (kein "
        "users.active_from); ändern mit [company] adoption_date in crmroi.toml oder "
        "--adoption-date",
        "Lizenzkosten aus dem Kostenbuch (Lizenzzeilen im Kostenbuch gehen den Lizenzplätzen vor)",
        "Nutzen enthält die optionale Produktivitätszeile (eingesparte Stunden × Kosten)",
    ]


def test_notes_of_a_set_up_cost_only_and_no_won_deal_are_german(workspace: Workspace) -> None:
    """Only a set-up cost (2023-12-01) and a lost deal: the date comes from the first cost line,
    licences from the seats, the touched basis has no won deal, and one user's call (no login)
    in the one-month window counts as activity."""
    notes = _german_notes(
        workspace,
        {
            "costs": [{**SETUP, "incurred_at": "2023-12-01"}],
            "deals": [
                {**WON, "status": "lost", "created_at": "2024-01-01", "closed_at": "2024-02-01"}
            ],
            "users": [{"user_id": "U1"}],
            "activities": [
                {"activity_id": "A1", "user_id": "U1", "type": "call", "occurred_at": "2023-12-05"}
            ],
        },
    )
    assert notes == [
        "Einführungsdatum 2023-12-01 aus der ersten Kostenzeile abgeleitet (kein "
        "users.active_from und keine Lizenzzeile; Einrichtungskosten fallen oft vor dem Start "
        "an, das Datum kann also zu früh sein); ändern mit [company] adoption_date in "
        "crmroi.toml oder --adoption-date",
        "Lizenzkosten aus den Lizenzplätzen",
        "aktive Nutzer: Nutzer mit irgendeiner Aktivität im Zeitraum (keine Login-Aktivitäten "
        "erfasst)",
        "berührte Basis: nicht berechnet — keine gewonnenen Deals: Deals mit Status „won“ "
        "importieren",
    ]


def test_the_benefit_coverage_note_is_german() -> None:
    """The note of ``roi.analysis.benefit_coverage`` when cohorts from 2025-08 are maturing and
    costs run to 2025-12 (as in the small simulated company's report)."""
    note = (
        "the incremental benefit is measured through 2025-07: deals created from 2025-08 on are "
        "still within one typical sales cycle (90 % of deals close within it) of the last close "
        "date, so their won revenue is not final. The benefit line stops there while costs run "
        "to 2025-12; ROI on this basis counts no benefit for those months (conservative)"
    )
    assert german_reason(note) == (
        "der inkrementelle Nutzen ist bis 2025-07 gemessen: Deals, die ab 2025-08 angelegt "
        "wurden, liegen noch innerhalb eines typischen Verkaufszyklus (90\xa0% der Deals "
        "schließen darin) vor dem letzten Abschlussdatum, ihr gewonnener Umsatz steht also noch "
        "nicht fest. Die Nutzenlinie endet dort, die Kosten laufen bis 2025-12; der ROI auf "
        "dieser Basis zählt für diese Monate keinen Nutzen (konservativ)"
    )


def test_counts_get_german_thousands_separators() -> None:
    """1,234 of 12,000 late contacts (impact/holdout.py's wording) read 1.234 von 12.000."""
    note = (
        "1,234 of 12,000 contacts were left out because their conversion window ends after "
        "the data (2025-12-31)"
    )
    assert german_reason(note) == (
        "1.234 von 12.000 Kontakten fehlen, weil ihr Konversionsfenster nach dem Datenende "
        "(2025-12-31) endet"
    )


def test_the_lookback_note_of_the_attributed_basis_is_german(workspace: Workspace) -> None:
    """Two won deals closed 2024-06-30: D1 (1,000) touched 29 days before, D2 (500) only 181
    days before; with the 90-day lookback D2 (1 of 2, 50 %, 500) counts as baseline."""
    notes = _german_notes(
        workspace,
        {
            "costs": [{**LICENCE, "incurred_at": "2024-01-01", "recurrence": "monthly"}],
            "contacts": [{"contact_id": c, "created_at": "2023-12-01"} for c in ("c1", "c2")],
            "deals": [
                {**WON, "deal_id": d, "contact_id": c, "amount": a, "created_at": "2024-06-01",
                 "closed_at": "2024-06-30"}
                for d, c, a in [("D1", "c1", 1000.0), ("D2", "c2", 500.0)]
            ],
            "touchpoints": [
                {"touchpoint_id": t, "contact_id": c, "occurred_at": at, "channel": "email"}
                for t, c, at in [("t1", "c1", "2024-06-01"), ("t2", "c2", "2024-01-01")]
            ],
        },
    )  # fmt: skip
    assert notes[-1] == (
        "zugeordnete Basis: Rückblickfenster: 1 von 2 Abschlüssen (50,0 %, Umsatz 500) hatten "
        "Kontakte, aber keinen in den 90 Tagen davor, und zählen zur (Basis); "
        "`[roi] attribution_lookback_days` in crmroi.toml ändert das Fenster"
    )
