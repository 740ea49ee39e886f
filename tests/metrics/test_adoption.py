"""Oracle tests of the CRM-adoption and data-quality KPIs.

Seats: u1 (team A) from Jan 1; u2 (team B) Jan 1 – Jan 31; u3 (team A) from Feb 1.
Meaningful actions: u1 calls on the Tuesdays Jan 2, 9, 16 and Feb 6, 13, 20, 27 (a login on
Jan 23 and an automated e-mail on Jan 30 are not meaningful); u2 one call on Jan 3; u3 one call
on Feb 7.
"""

from __future__ import annotations

from datetime import date

import pytest

from crmroi import Workspace
from crmroi.metrics import KpiSettings, MetricQuery, query

from .kit import put

CALLS = {
    "u1": ["01-02", "01-09", "01-16", "02-06", "02-13", "02-20", "02-27"],
    "u2": ["01-03"],
    "u3": ["02-07"],
}


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    w = workspace
    put(
        w,
        "users",
        {"user_id": "u1", "team": "A", "active_from": "2024-01-01"},
        {"user_id": "u2", "team": "B", "active_from": "2024-01-01", "active_to": "2024-01-31"},
        {"user_id": "u3", "team": "A", "active_from": "2024-02-01"},
    )
    acts = [
        {"type": "call", "user_id": u, "occurred_at": f"2024-{d}"}
        for u, days in CALLS.items()
        for d in days
    ]
    acts += [
        {"type": "login", "user_id": "u1", "occurred_at": "2024-01-23"},
        {"type": "email", "user_id": "u1", "automated": True, "occurred_at": "2024-01-30"},
    ]
    put(w, "activities", *acts)
    put(
        w,
        "contacts",
        {
            "contact_id": "k1",
            "owner_id": "u1",
            "email_hash": "e",
            "source": "web",
            "created_at": "2024-01-05",
        },
        {"contact_id": "k2", "owner_id": "u1", "email_hash": "", "created_at": "2024-01-06"},
    )
    put(
        w,
        "deals",
        {
            "deal_id": "d1",
            "owner_id": "u2",
            "status": "open",
            "amount": 100.0,
            "created_at": "2024-01-07",
        },
    )
    return w


def run(ws: Workspace, kpi: str, grain: str | None = "month", **kw: object) -> list[float]:
    q = MetricQuery(kpis=(kpi,), grain=grain, start=date(2024, 1, 1), end=date(2024, 2, 29), **kw)  # type: ignore[arg-type]
    return [float(v) for v in query(ws, q)["value"]]


def by_owner(ws: Workspace, kpi: str, **kw: object) -> dict[str, float]:
    q = MetricQuery(
        kpis=(kpi,), dimensions=("owner",), start=date(2024, 1, 1), end=date(2024, 2, 29), **kw
    )  # type: ignore[arg-type]
    df = query(ws, q)
    return dict(zip(df["owner"], df["value"], strict=True))


def test_crm_adoption_rate(ws: Workspace) -> None:
    """Workdays: January 23, February 21. Licensed user-workdays: January u1 23 + u2 23 = 46,
    February u1 21 + u3 21 = 42. Days of use (a login counts, an automated e-mail does not):
    January u1 4 (3 calls + the login of Jan 23), u2 1 → 5/46; February u1 4, u3 1 → 5/42.
    Without logins January is 4/46. By owner over both months: u1 8/44, u2 1/23, u3 1/21."""
    assert run(ws, "crm_adoption_rate") == pytest.approx([5 / 46, 5 / 42])
    strict = KpiSettings(adoption_counts_logins=False)
    assert run(ws, "crm_adoption_rate", settings=strict) == pytest.approx([4 / 46, 5 / 42])
    assert by_owner(ws, "crm_adoption_rate") == pytest.approx(
        {"u1": 8 / 44, "u2": 1 / 23, "u3": 1 / 21}
    )


def test_activities_per_rep(ws: Workspace) -> None:
    """January: 4 meaningful activities ÷ seats u1, u2 = 2. February: 5 ÷ u1, u3 = 2.5.
    By owner over both months: u1 7, u2 1, u3 1."""
    assert run(ws, "activities_per_rep") == pytest.approx([2.0, 2.5])
    assert by_owner(ws, "activities_per_rep") == {"u1": 7.0, "u2": 1.0, "u3": 1.0}


def test_records_updated_per_user(ws: Workspace) -> None:
    """January: 2 contacts (u1) + 1 deal (u2) + 4 activities = 7 ÷ 2 seats = 3.5.
    February: 5 activities ÷ 2 seats = 2.5."""
    assert run(ws, "records_updated_per_user") == pytest.approx([3.5, 2.5])


def test_data_completeness(ws: Workspace) -> None:
    """Fields contacts.email_hash (k1 filled, k2 empty string → 1/2), contacts.source (1/2),
    deals.amount (1/1). Overall the mean (0.5 + 0.5 + 1)/3; by owner u1 0.5, u2 1."""
    settings = KpiSettings(
        completeness_fields=("contacts.email_hash", "contacts.source", "deals.amount")
    )
    q = MetricQuery(kpis=("data_completeness",), dimensions=("field",), settings=settings)
    df = query(ws, q)
    assert dict(zip(df["field"], df["value"], strict=True)) == {
        "contacts.email_hash": 0.5,
        "contacts.source": 0.5,
        "deals.amount": 1.0,
    }
    assert run(ws, "data_completeness", grain=None, settings=settings) == pytest.approx([2 / 3])
    assert by_owner(ws, "data_completeness", settings=settings) == {"u1": 0.5, "u2": 1.0}


def test_data_completeness_blank_strings(workspace: Workspace) -> None:
    """Only whitespace is blank: of "", " ", "\\t\\n", "\\x0b\\x0c\\r", " x", "x\\t", "-" and
    "é" (8 contacts), the last four are filled (4/8 = 0.5). The engine strips only values whose
    first character is at most a space; this pins that the shortcut misses none."""
    values = ["", " ", "\t\n", "\x0b\x0c\r", " x", "x\t", "-", "é"]
    put(
        workspace,
        "contacts",
        *(
            {"contact_id": f"k{i}", "email_hash": v, "created_at": "2024-01-05"}
            for i, v in enumerate(values)
        ),
    )
    settings = KpiSettings(completeness_fields=("contacts.email_hash",))
    assert run(workspace, "data_completeness", grain=None, settings=settings) == [0.5]
