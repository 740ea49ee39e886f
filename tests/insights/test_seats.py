"""Unused seats against hand-computed cases (the working is in each docstring)."""

from __future__ import annotations

import pytest

from crmroi import Workspace
from crmroi.insights import FindingsSettings
from crmroi.insights.context import DetectorContext, data_end
from crmroi.insights.seats import detect
from tests.support import insert_rows


def _ctx(ws: Workspace, **settings: float) -> DetectorContext:
    moment = data_end(ws)
    assert moment is not None
    return DetectorContext(ws, FindingsSettings(**settings), "EUR", moment)  # type: ignore[arg-type]


def _people(ws: Workspace) -> None:
    """Ann and Bob hold seats (100 EUR a month) all of 2025; Cid's ended on 2025-05-31; Dan's
    started 2025-12-01 (30 days: too new to judge) and he never logged anything. Ann works to
    the last day (2025-12-31, the data's end); Bob's last login was 2025-10-02: 90 days idle."""
    insert_rows(ws, "users", [
        {"user_id": "u1", "name": "Ann", "team": "A", "seat_cost": 100.0, "currency": "EUR",
         "active_from": "2025-01-01"},
        {"user_id": "u2", "name": "Bob", "team": "A", "seat_cost": 100.0, "currency": "EUR",
         "active_from": "2025-01-01"},
        {"user_id": "u3", "name": "Cid", "team": "A", "seat_cost": 100.0, "currency": "EUR",
         "active_from": "2025-01-01", "active_to": "2025-05-31"},
        {"user_id": "u4", "name": "Dan", "team": "A", "seat_cost": 100.0, "currency": "EUR",
         "active_from": "2025-12-01"},
    ])  # fmt: skip
    insert_rows(ws, "activities", [
        {"activity_id": "a1", "type": "call", "user_id": "u1", "occurred_at": "2025-12-31"},
        {"activity_id": "b1", "type": "login", "user_id": "u2", "occurred_at": "2025-10-02"},
    ])  # fmt: skip


def test_an_idle_seat_costs_a_year_of_the_ledger_price(workspace: Workspace) -> None:
    """The ledger's licence line (300 EUR a month from 2025-01) wins over seat_cost: 12 × 300
    = 3,600 EUR over 2025, for 12 + 12 + 5 + 1 = 30 seat-months (Ann, Bob, Cid Jan–May, Dan
    Dec) → 120 EUR a seat-month; Bob's seat is worth 12 × 120 = 1,440 EUR a year. He is idle
    90 days against a 60-day threshold: confidence 90 / 120 = 0.75."""
    _people(workspace)
    insert_rows(workspace, "costs", [
        {"cost_id": "lic", "category": "licence", "amount": 300.0, "currency": "EUR",
         "incurred_at": "2025-01-01", "recurrence": "monthly"},
    ])  # fmt: skip
    [bob] = detect(_ctx(workspace))
    assert (bob.kind, bob.subject) == ("unused_seats", "Bob")
    assert bob.money_at_stake == pytest.approx(1_440.0)
    assert bob.confidence == pytest.approx(0.75)
    assert bob.evidence["idle_days"] == 90.0
    assert bob.evidence["last_activity"] == "2025-10-02"
    assert bob.evidence["licence_per_month"] == 120.0


def test_without_ledger_licences_the_seat_cost_prices_it(workspace: Workspace) -> None:
    """No licence line: the seats themselves cost 100 EUR a seat-month → 1,200 EUR a year. A
    threshold of 100 days is above Bob's 90: silent."""
    _people(workspace)
    [bob] = detect(_ctx(workspace))
    assert bob.money_at_stake == pytest.approx(1_200.0)
    assert detect(_ctx(workspace, unused_seat_days=100)) == []


def test_no_licence_cost_no_finding(workspace: Workspace) -> None:
    """Seats without any known cost cannot be priced: the detector stays silent rather than
    claim 0 EUR."""
    insert_rows(workspace, "users", [{"user_id": "u1", "active_from": "2025-01-01"}])
    insert_rows(workspace, "activities", [
        {"activity_id": "x", "type": "call", "occurred_at": "2025-12-31"},
    ])  # fmt: skip
    assert detect(_ctx(workspace)) == []
