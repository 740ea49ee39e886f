"""Oracle tests of the lead, campaign, acquisition and e-mail KPIs on a five-lead company.

=====  ======  =====  ================  ======  =========================================
lead   source  owner  created           e-mail  what happens
=====  ======  =====  ================  ======  =========================================
c1     web     u1     2024-01-02 09:00  e1      converted_at Jan 20; called 11:00 (2 h)
c2     web     u1     2024-01-05 10:00  e1      duplicate of c1; e-mail 14:00 (4 h)
c3     ads     u2     2024-01-10 08:00  e3      deal d1; meeting Jan 11 08:00 (24 h)
c4     ads     u2     2024-02-01 12:00  —       never answered
c5     —       u2     2024-02-03 00:00  e5      called 10:00 (10 h)
=====  ======  =====  ================  ======  =========================================

Automated e-mails, logins and activities before the lead existed are not responses.
Deals: d1 (a1, contact c3, ads, campaign k1) won Jan 25; d2 (a1) won Feb 10, not a new
customer; d3 (no account, contact c1, web, k2) won Feb 15. Campaigns: k1 ads, Jan 1, 600;
k2 web, Feb 1, 400.
"""

from __future__ import annotations

from datetime import date

import pytest

from crmroi import Workspace
from crmroi.metrics import MetricQuery, query

from .kit import put


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    w = workspace
    put(w, "users", {"user_id": "u1", "team": "A"}, {"user_id": "u2", "team": "B"})
    put(w, "accounts", {"account_id": "a1", "segment": "SMB"})
    put(
        w,
        "contacts",
        {
            "contact_id": "c1",
            "source": "web",
            "owner_id": "u1",
            "email_hash": "e1",
            "created_at": "2024-01-02 09:00",
            "converted_at": "2024-01-20",
        },
        {
            "contact_id": "c2",
            "source": "web",
            "owner_id": "u1",
            "email_hash": "e1",
            "created_at": "2024-01-05 10:00",
        },
        {
            "contact_id": "c3",
            "source": "ads",
            "owner_id": "u2",
            "email_hash": "e3",
            "created_at": "2024-01-10 08:00",
        },
        {"contact_id": "c4", "source": "ads", "owner_id": "u2", "created_at": "2024-02-01 12:00"},
        {"contact_id": "c5", "owner_id": "u2", "email_hash": "e5", "created_at": "2024-02-03"},
    )
    put(
        w,
        "activities",
        {
            "type": "email",
            "user_id": "u1",
            "contact_id": "c1",
            "automated": True,
            "occurred_at": "2024-01-02 09:05",
        },
        {"type": "call", "user_id": "u1", "contact_id": "c1", "occurred_at": "2024-01-02 11:00"},
        {"type": "login", "user_id": "u1", "contact_id": "c2", "occurred_at": "2024-01-05 10:30"},
        {"type": "email", "user_id": "u1", "contact_id": "c2", "occurred_at": "2024-01-05 14:00"},
        {"type": "call", "user_id": "u2", "contact_id": "c3", "occurred_at": "2024-01-09 08:00"},
        {"type": "meeting", "user_id": "u2", "contact_id": "c3", "occurred_at": "2024-01-11 08:00"},
        {"type": "call", "user_id": "u2", "contact_id": "c5", "occurred_at": "2024-02-03 10:00"},
    )
    put(
        w,
        "deals",
        {
            "deal_id": "d1",
            "account_id": "a1",
            "contact_id": "c3",
            "owner_id": "u2",
            "status": "won",
            "amount": 100.0,
            "source": "ads",
            "campaign_id": "k1",
            "created_at": "2024-01-12",
            "closed_at": "2024-01-25",
        },
        {
            "deal_id": "d2",
            "account_id": "a1",
            "owner_id": "u2",
            "status": "won",
            "amount": 100.0,
            "source": "ads",
            "campaign_id": "k1",
            "created_at": "2024-01-20",
            "closed_at": "2024-02-10",
        },
        {
            "deal_id": "d3",
            "contact_id": "c1",
            "owner_id": "u1",
            "status": "won",
            "amount": 100.0,
            "source": "web",
            "campaign_id": "k2",
            "created_at": "2024-01-21",
            "closed_at": "2024-02-15",
        },
    )
    put(
        w,
        "campaigns",
        {"campaign_id": "k1", "channel": "ads", "started_at": "2024-01-01", "cost": 600.0},
        {"campaign_id": "k2", "channel": "web", "started_at": "2024-02-01", "cost": 400.0},
    )
    touches = [
        ("c1", "k1", "delivered", "01-03"),
        ("c1", "k1", "open", "01-03"),
        ("c1", "k1", "click", "01-04"),
        ("c1", "k1", "open", "01-05"),
        ("c2", "k1", "delivered", "01-03"),
        ("c2", "k1", "open", "01-06"),
        ("c3", "k1", "delivered", "01-03"),
        ("c1", "k2", "delivered", "02-02"),
        ("c1", "k2", "click", "02-03"),
    ]
    put(
        w,
        "touchpoints",
        *[
            {
                "contact_id": c,
                "campaign_id": k,
                "interaction": i,
                "channel": "email",
                "occurred_at": f"2024-{d}",
            }
            for c, k, i, d in touches
        ],
    )
    return w


def monthly(ws: Workspace, kpi: str) -> list[float]:
    q = MetricQuery(kpis=(kpi,), grain="month", start=date(2024, 1, 1), end=date(2024, 2, 29))
    return [float(v) for v in query(ws, q)["value"]]


def whole(ws: Workspace, kpi: str, *dims: str) -> object:
    q = MetricQuery(kpis=(kpi,), start=date(2024, 1, 1), end=date(2024, 2, 29), dimensions=dims)
    df = query(ws, q)
    if not dims:
        return float(df["value"].iloc[0])
    return dict(zip(df[dims[0]], df["value"], strict=True))


def test_new_leads(ws: Workspace) -> None:
    """January c1 c2 c3 = 3; February c4 c5 = 2."""
    assert monthly(ws, "new_leads") == [3.0, 2.0]


def test_lead_conversion_rate_cohort(ws: Workspace) -> None:
    """Converted: c1 (converted_at), c3 (has deal d1). January 2/3, February 0/2, range 2/5;
    by source web 1/2, ads 1/2, missing source (none) 0/1."""
    assert monthly(ws, "lead_conversion_rate") == pytest.approx([2 / 3, 0.0])
    assert whole(ws, "lead_conversion_rate") == pytest.approx(0.4)
    assert whole(ws, "lead_conversion_rate", "channel") == pytest.approx(
        {"web": 0.5, "ads": 0.5, "(none)": 0.0}
    )


def test_lead_response_time(ws: Workspace) -> None:
    """Responses 2, 4, 24 h in January: median 4, P95 = 4 + 0.9 × 20 = 22 (linear). Whole
    range 2, 4, 10, 24: median 7, P95 = 10 + 0.85 × 14 = 21.9."""
    assert monthly(ws, "lead_response_time_hours") == pytest.approx([4.0, 10.0])
    assert monthly(ws, "lead_response_time_hours_p95")[0] == pytest.approx(22.0)
    assert whole(ws, "lead_response_time_hours") == pytest.approx(7.0)
    assert whole(ws, "lead_response_time_hours_p95") == pytest.approx(21.9)


def test_campaign_cost_and_cost_per_lead(ws: Workspace) -> None:
    """Cost by start: January 600, February 400. Per lead: 600/3 = 200, 400/2 = 200; by
    channel ads 600 / 2 leads = 300, web 400 / 2 = 200, (none): no cost → empty."""
    assert monthly(ws, "campaign_cost") == [600.0, 400.0]
    assert monthly(ws, "cost_per_lead") == pytest.approx([200.0, 200.0])
    per = whole(ws, "cost_per_lead", "channel")
    assert isinstance(per, dict)
    assert per["ads"] == 300.0
    assert per["web"] == 200.0
    assert per["(none)"] != per["(none)"]  # NaN: no campaign cost without a channel


def test_new_customers_and_cac(ws: Workspace) -> None:
    """First wins: a1 with d1 (Jan 25), contact c1 with d3 (Feb 15); d2 is a1's second win.
    CAC: January 600/1, February 400/1, range 1,000/2 = 500; by channel ads 600/1, web 400/1."""
    assert monthly(ws, "new_customers") == [1.0, 1.0]
    assert monthly(ws, "cac") == [600.0, 400.0]
    assert whole(ws, "cac") == 500.0
    assert whole(ws, "cac", "channel") == {"ads": 600.0, "web": 400.0}


def test_email_rates(ws: Workspace) -> None:
    """Delivered messages: January c1·k1, c2·k1, c3·k1 (opened c1, c2; clicked c1) → open 2/3,
    click 1/3. February c1·k2 (clicked, never opened) → open 0, click 1. Range 2/4 and 2/4."""
    assert monthly(ws, "email_open_rate") == pytest.approx([2 / 3, 0.0])
    assert monthly(ws, "email_click_rate") == pytest.approx([1 / 3, 1.0])
    assert whole(ws, "email_open_rate") == pytest.approx(0.5)
    assert whole(ws, "email_click_rate") == pytest.approx(0.5)


def test_duplicate_contact_rate(ws: Workspace) -> None:
    """c2 has c1's e-mail hash and came later: January 1/3, February 0/2, range 1/5."""
    assert monthly(ws, "duplicate_contact_rate") == pytest.approx([1 / 3, 0.0])
    assert whole(ws, "duplicate_contact_rate") == pytest.approx(0.2)
