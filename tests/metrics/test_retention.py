"""Oracle tests of the retention, customer-value and feedback KPIs.

Net revenue per customer and month (orders on the 15th; a2's February is 150 − a 50 return;
c9 is a contact without an account):

========  ====  ====  ====  ====
customer  Dec   Jan   Feb   Mar
========  ====  ====  ====  ====
a1 (SMB)  100   120         100
a2 (Ent)  200   150   100   300
a3 (SMB)         50    50
c9                     80    80
========  ====  ====  ====  ====
"""

from __future__ import annotations

from datetime import date

import pytest

from crmroi import Workspace
from crmroi.metrics import KpiSettings, MetricQuery, query

from .kit import put

REVENUE = {
    "a1": {"12-15": 100.0, "01-15": 120.0, "03-15": 100.0},
    "a2": {"12-15": 200.0, "01-15": 150.0, "02-15": 150.0, "03-15": 300.0},
    "a3": {"01-15": 50.0, "02-15": 50.0},
}


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    w = workspace
    put(
        w,
        "accounts",
        {"account_id": "a1", "segment": "SMB"},
        {"account_id": "a2", "segment": "Ent"},
        {"account_id": "a3", "segment": "SMB"},
    )
    rows = [
        {"account_id": a, "amount": v, "occurred_at": f"{2023 if d.startswith('12') else 2024}-{d}"}
        for a, months in REVENUE.items()
        for d, v in months.items()
    ]
    rows += [
        {"account_id": "a2", "amount": -50.0, "occurred_at": "2024-02-20", "kind": "return"},
        {"contact_id": "c9", "amount": 80.0, "occurred_at": "2024-02-15"},
        {"contact_id": "c9", "amount": 80.0, "occurred_at": "2024-03-15"},
    ]
    put(w, "orders", *rows)
    put(
        w,
        "deals",
        {
            "deal_id": "d1",
            "account_id": "a3",
            "status": "won",
            "amount": 50.0,
            "created_at": "2024-01-20",
            "closed_at": "2024-02-05",
        },
    )
    put(w, "campaigns", {"campaign_id": "k", "started_at": "2024-02-01", "cost": 460.0})
    return w


def monthly(ws: Workspace, kpi: str, **kw: object) -> list[float]:
    q = MetricQuery(kpis=(kpi,), grain="month", start=date(2024, 1, 1), end=date(2024, 3, 31), **kw)  # type: ignore[arg-type]
    return [float(v) for v in query(ws, q)["value"]]


def test_customer_churn_rate(ws: Workspace) -> None:
    """S(Jan) = {a1, a2}: none lost → 0. S(Feb) = {a1, a2, a3}: a1 lost → 1/3.
    S(Mar) = {a2, a3, c9}: a3 lost → 1/3. By segment in February: SMB {a1, a3} 1/2, Ent 0/1."""
    assert monthly(ws, "customer_churn_rate") == pytest.approx([0.0, 1 / 3, 1 / 3])
    q = MetricQuery(
        kpis=("customer_churn_rate",),
        grain="month",
        dimensions=("segment",),
        start=date(2024, 2, 1),
        end=date(2024, 2, 29),
    )
    df = query(ws, q)
    assert dict(zip(df["segment"], df["value"], strict=True)) == {"Ent": 0.0, "SMB": 0.5}


def test_nrr_and_grr(ws: Workspace) -> None:
    """January: start 300 (a1 100, a2 200); kept 120 + 150 = 270 → NRR 0.9; capped
    min(120, 100) + min(150, 200) = 250 → GRR 0.8333.
    February: start 320; kept 0 + 100 + 50 = 150 → NRR = GRR = 0.46875.
    March: start 230 (a2 100, a3 50, c9 80); kept 300 + 0 + 80 = 380 → NRR 1.6522;
    capped 100 + 0 + 80 = 180 → GRR 0.7826; revenue churn 1 − GRR."""
    assert monthly(ws, "nrr") == pytest.approx([0.9, 150 / 320, 380 / 230])
    assert monthly(ws, "grr") == pytest.approx([250 / 300, 150 / 320, 180 / 230])
    assert monthly(ws, "revenue_churn_rate") == pytest.approx([50 / 300, 170 / 320, 50 / 230])


def test_retention_without_grain_compares_the_range_before(ws: Workspace) -> None:
    """Range Feb 1 – Mar 31 (60 days) against Dec 3 – Jan 31: before a1 220, a2 350, a3 50
    (620); now a1 100, a2 400, a3 50 (c9 is new). Nobody lost; NRR 550/620; GRR
    (100 + 350 + 50)/620."""
    q = MetricQuery(
        kpis=("customer_churn_rate", "nrr", "grr"), start=date(2024, 2, 1), end=date(2024, 3, 31)
    )
    assert list(query(ws, q)["value"]) == pytest.approx([0.0, 550 / 620, 500 / 620])


def test_arpa_and_ltv(ws: Workspace) -> None:
    """ARPA: January 320/3, February (100 + 50 + 80)/3, March 480/3. LTV = ARPA ÷ churn:
    January none (no churn), February 76.67 × 3 = 230, March 160 × 3 = 480; with a gross
    margin of 0.5, half. LTV:CAC in February: CAC = 460 / 1 new customer (a3's first win);
    230 / 460 = 0.5."""
    assert monthly(ws, "avg_revenue_per_account") == pytest.approx([320 / 3, 230 / 3, 160])
    ltv = monthly(ws, "ltv_simple")
    assert ltv[0] != ltv[0]
    assert ltv[1:] == pytest.approx([230.0, 480.0])
    half = monthly(ws, "ltv_simple", settings=KpiSettings(gross_margin=0.5))
    assert half[1:] == pytest.approx([115.0, 240.0])
    assert monthly(ws, "ltv_to_cac")[1] == pytest.approx(0.5)


@pytest.fixture
def survey_ws(workspace: Workspace) -> Workspace:
    answers = [("nps", s, None, "2024-01-10") for s in (10, 9, 8, 7, 6, 0, None)] + [
        ("nps", s, None, "2024-02-10") for s in (10, 10, 3)
    ]
    answers += [
        ("csat", s, m, "2024-01-10") for s, m in ((5, None), (4, 5), (3, 5), (2, 5), (6, 7), (5, 7))
    ]
    answers += [("ces", s, 7, "2024-01-10") for s in (7, 5, 4, 2)]
    put(
        workspace,
        "survey_responses",
        *[{"survey": k, "score": s, "scale_max": m, "answered_at": at} for k, s, m, at in answers],
    )
    return workspace


def test_nps(survey_ws: Workspace) -> None:
    """January 10 9 | 8 7 | 6 0 (one answer without a score left out): (2 − 2)/6 = 0.
    February 10 10 | 3: 100 × (2 − 1)/3 = 33.33."""
    q = MetricQuery(kpis=("nps",), grain="month", start=date(2024, 1, 1), end=date(2024, 2, 29))
    assert list(query(survey_ws, q)["value"]) == pytest.approx([0.0, 100 / 3])


def test_csat_top_two_box(survey_ws: Workspace) -> None:
    """Top two boxes: 5 (scale empty → 5) ✓, 4/5 ✓, 3/5 ✗, 2/5 ✗, 6/7 ✓, 5/7 ✗ → 3/6.
    With the top box only: 5/5 → 1/6."""
    q = MetricQuery(kpis=("csat",), start=date(2024, 1, 1), end=date(2024, 1, 31))
    assert query(survey_ws, q)["value"].iloc[0] == pytest.approx(0.5)
    q1 = MetricQuery(
        kpis=("csat",),
        start=date(2024, 1, 1),
        end=date(2024, 1, 31),
        settings=KpiSettings(csat_top_boxes=1),
    )
    assert query(survey_ws, q1)["value"].iloc[0] == pytest.approx(1 / 6)


def test_ces_both_definitions(survey_ws: Workspace) -> None:
    """Answers 7 5 4 2: mean 4.5; share of 5 or more 2/4."""
    q = MetricQuery(kpis=("ces",), start=date(2024, 1, 1), end=date(2024, 1, 31))
    assert query(survey_ws, q)["value"].iloc[0] == pytest.approx(4.5)
    q2 = MetricQuery(
        kpis=("ces",),
        start=date(2024, 1, 1),
        end=date(2024, 1, 31),
        settings=KpiSettings(ces_definition="share_at_least_5"),
    )
    assert query(survey_ws, q2)["value"].iloc[0] == pytest.approx(0.5)
