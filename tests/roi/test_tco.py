"""TCO on a tiny hand-made ledger, worked out by hand.

Window: 12 months from 2024-01; EUR reporting, 1 USD = 0.9 EUR; adoption 2024-01-01.

=====  ==============  =========  ===============================  =====================  ======
line   category        kind       dates                            occurrences in window  total
=====  ==============  =========  ===============================  =====================  ======
c1     implementation  one-off    2024-01-15                       Jan × 12,000           12,000
c2     licence         monthly    2024-01-01 … ends 2024-06-30     Jan–Jun × 1,000         6,000
c3     maintenance     quarterly  2024-02-10, ongoing, 500 USD     Feb, May, Aug, Nov × 450 1,800
c4     admin           yearly     2023-12-01, ongoing              Dec 2024 × 2,400        2,400
c5     training        one-off    2024-03-05                       Mar × 3,000             3,000
c6     other           one-off    2025-02-01 (after the window)    —                           0
c7     integration     monthly    2024-10-01 … ends 2025-03-01     Oct–Dec × 200             600
=====  ==============  =========  ===============================  =====================  ======

Total 25,800. By month: Jan 13,000; Feb 1,450; Mar 4,000; Apr 1,000; May 1,450; Jun 1,000;
Jul 0; Aug 450; Sep 0; Oct 200; Nov 650; Dec 2,600. Amortised over 6 months: implementation
2,000 a month Jan–Jun, training 500 a month Mar–Aug, so January is 2,000 + 1,000 = 3,000.
Seats: u1 (50 EUR, all year, logs in) and u2 (50 USD, Jul–Sep, never logs in): the ledger has
licence lines, so seats add nothing; u2 is an unused seat worth 3 × 45 = 135 EUR.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.errors import AnalysisError
from crmroi.roi.fx import FxRates
from crmroi.roi.tco import Tco, compute_tco

Insert = Callable[[Workspace, str, list[dict[str, Any]]], None]

START = pd.Timestamp("2024-01-01")
FX = FxRates("EUR", {"USD": 0.9})

LEDGER = [
    {"cost_id": "c1", "category": "implementation", "amount": 12_000, "currency": "EUR",
     "incurred_at": "2024-01-15", "recurrence": "one-off"},
    {"cost_id": "c2", "category": "licence", "amount": 1_000, "currency": "EUR",
     "incurred_at": "2024-01-01", "recurrence": "monthly", "ends_at": "2024-06-30"},
    {"cost_id": "c3", "category": "maintenance", "amount": 500, "currency": "USD",
     "incurred_at": "2024-02-10", "recurrence": "quarterly"},
    {"cost_id": "c4", "category": "admin", "amount": 2_400, "currency": "EUR",
     "incurred_at": "2023-12-01", "recurrence": "yearly"},
    {"cost_id": "c5", "category": "training", "amount": 3_000, "currency": None,
     "incurred_at": "2024-03-05", "recurrence": "one-off"},
    {"cost_id": "c6", "category": "other", "amount": 999, "currency": "EUR",
     "incurred_at": "2025-02-01", "recurrence": "one-off"},
    {"cost_id": "c7", "category": "integration", "amount": 200, "currency": "EUR",
     "incurred_at": "2024-10-01", "recurrence": "monthly", "ends_at": "2025-03-01"},
]  # fmt: skip
USERS = [
    {"user_id": "u1", "seat_cost": 50, "currency": "EUR", "active_from": "2024-01-01"},
    {"user_id": "u2", "seat_cost": 50, "currency": "USD", "active_from": "2024-07-01",
     "active_to": "2024-09-30"},
]  # fmt: skip
LOGINS = [
    {"activity_id": "a1", "type": "login", "user_id": "u1", "occurred_at": "2024-03-01"},
    {"activity_id": "a2", "type": "call", "user_id": "u2", "occurred_at": "2024-08-01"},
]


def _tco(ws: Workspace, insert: Insert, ledger: list[dict[str, Any]], amortisation: int = 0) -> Tco:
    insert(ws, "costs", ledger)
    insert(ws, "users", USERS)
    insert(ws, "activities", LOGINS)
    return compute_tco(
        ws,
        start=START,
        horizon=12,
        fx=FX,
        adoption=pd.Timestamp("2024-01-01"),
        amortisation_months=amortisation,
    )


def test_tco_hand_ledger(workspace: Workspace, insert: Insert) -> None:
    tco = _tco(workspace, insert, LEDGER)
    assert tco.total == pytest.approx(25_800)
    by_cat = tco.by_category()
    assert by_cat["implementation"] == pytest.approx(12_000)
    assert by_cat["licence"] == pytest.approx(6_000)
    assert by_cat["maintenance"] == pytest.approx(1_800)
    assert by_cat["admin"] == pytest.approx(2_400)
    assert by_cat["training"] == pytest.approx(3_000)
    assert by_cat["integration"] == pytest.approx(600)
    assert by_cat["other"] == 0
    expected = [13_000, 1_450, 4_000, 1_000, 1_450, 1_000, 0, 450, 0, 200, 650, 2_600]
    np.testing.assert_allclose(tco.monthly, expected)
    np.testing.assert_allclose(tco.cumulative, np.cumsum(expected))
    assert tco.one_off_total == pytest.approx(15_000)
    assert tco.recurring_total == pytest.approx(10_800)
    assert tco.initial == pytest.approx(12_000)
    assert tco.licence_source == "ledger"
    assert (tco.seats, tco.active_users) == (2, 1)
    assert tco.unused_seat_cost == pytest.approx(135)
    assert tco.cost_per_seat == pytest.approx(12_900)
    assert tco.cost_per_active_user == pytest.approx(25_800)
    assert tco.month_labels()[0] == "2024-01"


def test_amortisation_spreads_one_offs(workspace: Workspace, insert: Insert) -> None:
    tco = _tco(workspace, insert, LEDGER, amortisation=6)
    monthly = tco.amortised.sum(axis=0)
    assert monthly[0] == pytest.approx(3_000)  # 2,000 implementation + 1,000 licence
    assert monthly[2] == pytest.approx(2_000 + 1_000 + 500)  # + training 500 from March
    assert monthly[7] == pytest.approx(500 + 450)  # training's last month + maintenance
    assert tco.amortised.sum() == pytest.approx(25_800)  # fully inside the window
    assert tco.total == pytest.approx(25_800)  # the cash view is unchanged


def test_seat_licences_only_without_ledger_licences(workspace: Workspace, insert: Insert) -> None:
    """Without c2: u1 12 × 50 + u2 3 × 50 USD × 0.9 = 600 + 135 = 735."""
    tco = _tco(workspace, insert, [row for row in LEDGER if row["cost_id"] != "c2"])
    assert tco.licence_source == "seats"
    assert tco.by_category()["licence"] == pytest.approx(735)
    assert tco.total == pytest.approx(25_800 - 6_000 + 735)


def test_missing_rate_names_the_currency(workspace: Workspace, insert: Insert) -> None:
    insert(workspace, "costs", [{**LEDGER[0], "currency": "CHF"}])
    with pytest.raises(AnalysisError, match="CHF"):
        compute_tco(
            workspace, start=START, horizon=12, fx=FX, adoption=START, amortisation_months=0
        )
