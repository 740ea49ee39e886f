"""The analysis's English reasons rendered in German for the German report (issue 11 point 10).

The inputs are the analysis's own reason strings (made by the real functions where they are
small), so a changed English wording shows up here as an untranslated piece.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmroi.impact.its import interrupted_time_series
from crmroi.report.reasons import german_reason
from crmroi.roi.finance import payback_months, simple_roi


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
