"""Oracle tests of the sales-pipeline KPIs on a seven-deal company worked out by hand.

The company (pipeline ``p``: new 0, qual 1, prop 2, won 3 (closed won), lost 4 (closed lost)):

=====  =====  =====  ======  =======  ==========  ==========  ======================================
deal   owner  acct   status  amount   created     closed      stage history
=====  =====  =====  ======  =======  ==========  ==========  ======================================
d1     u1     a1     won     1,000    2024-01-01  2024-01-11  new 01-01, won 01-11
d2     u1     a1     won     3,000    2024-01-05  2024-01-25  new 01-05, qual 01-10, won 01-25
d3     u2     a2     lost      500    2024-01-10  2024-01-20  new 01-10, lost 01-20
d4     u2     a2     won     2,000    2024-01-01  2024-02-10  new 01-01, qual 01-15, prop 01-20,
                                                             won 02-10
d5     u1     a1     open    4,000    2024-01-15              new 01-15, qual 01-20
d6     u2     a2     open    1,000    2024-02-05              new 02-05, prop 02-10 (skips qual)
d7     u2     a2     lost      700    2024-02-01  2024-02-15  new 02-01, qual 02-05, lost 02-15
=====  =====  =====  ======  =======  ==========  ==========  ======================================

Quota (targets of won_revenue by month): January 5,000, February 2,500.
"""

from __future__ import annotations

import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.metrics import MetricQuery, query

from .kit import put

DEALS = [
    ("d1", "u1", "a1", "won", 1000.0, "2024-01-01", "2024-01-11", "won", "web"),
    ("d2", "u1", "a1", "won", 3000.0, "2024-01-05", "2024-01-25", "won", "ads"),
    ("d3", "u2", "a2", "lost", 500.0, "2024-01-10", "2024-01-20", "lost", "web"),
    ("d4", "u2", "a2", "won", 2000.0, "2024-01-01", "2024-02-10", "won", "web"),
    ("d5", "u1", "a1", "open", 4000.0, "2024-01-15", None, "qual", "ads"),
    ("d6", "u2", "a2", "open", 1000.0, "2024-02-05", None, "prop", "web"),
    ("d7", "u2", "a2", "lost", 700.0, "2024-02-01", "2024-02-15", "lost", "web"),
]
HISTORY = [
    ("d1", "new", "2024-01-01"),
    ("d1", "won", "2024-01-11"),
    ("d2", "new", "2024-01-05"),
    ("d2", "qual", "2024-01-10"),
    ("d2", "won", "2024-01-25"),
    ("d3", "new", "2024-01-10"),
    ("d3", "lost", "2024-01-20"),
    ("d4", "new", "2024-01-01"),
    ("d4", "qual", "2024-01-15"),
    ("d4", "prop", "2024-01-20"),
    ("d4", "won", "2024-02-10"),
    ("d5", "new", "2024-01-15"),
    ("d5", "qual", "2024-01-20"),
    ("d6", "new", "2024-02-05"),
    ("d6", "prop", "2024-02-10"),
    ("d7", "new", "2024-02-01"),
    ("d7", "qual", "2024-02-05"),
    ("d7", "lost", "2024-02-15"),
]


def fill_sales(ws: Workspace) -> None:
    put(ws, "users", {"user_id": "u1", "team": "A"}, {"user_id": "u2", "team": "B"})
    put(
        ws,
        "accounts",
        {"account_id": "a1", "segment": "SMB", "owner_id": "u1"},
        {"account_id": "a2", "segment": "Enterprise", "owner_id": "u2"},
    )
    put(
        ws,
        "stages",
        *[
            {
                "stage_key": f"p|{s}",
                "pipeline": "p",
                "stage": s,
                "position": i,
                "is_closed": s in ("won", "lost"),
                "is_won": s == "won",
            }
            for i, s in enumerate(["new", "qual", "prop", "won", "lost"])
        ],
    )
    put(
        ws,
        "deals",
        *[
            {
                "deal_id": d,
                "owner_id": o,
                "account_id": a,
                "status": st,
                "amount": amt,
                "created_at": c,
                "closed_at": cl,
                "pipeline": "p",
                "stage": stage,
                "source": src,
            }
            for d, o, a, st, amt, c, cl, stage, src in DEALS
        ],
    )
    put(
        ws,
        "deal_stage_history",
        *[
            {"history_key": f"{d}|{s}", "deal_id": d, "stage": s, "entered_at": at}
            for d, s, at in HISTORY
        ],
    )
    put(
        ws,
        "targets",
        {"kpi": "won_revenue", "grain": "month", "period_start": "2024-01-01", "value": 5000.0},
        {"kpi": "won_revenue", "grain": "month", "period_start": "2024-02-01", "value": 2500.0},
    )
    put(
        ws,
        "activities",
        {"type": "call", "user_id": "u2", "deal_id": "d4", "occurred_at": "2024-01-25"},
        {"type": "call", "user_id": "u1", "deal_id": "d5", "occurred_at": "2024-02-20"},
    )


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    fill_sales(workspace)
    return workspace


def one(
    ws: Workspace, kpi: str, start: str = "2024-01-01", end: str = "2024-02-29", **kw: object
) -> float:
    from datetime import date

    df = query(
        ws,
        MetricQuery(
            kpis=(kpi,), start=date.fromisoformat(start), end=date.fromisoformat(end), **kw
        ),
    )  # type: ignore[arg-type]
    assert len(df) == 1, df
    return float(df["value"].iloc[0])


def monthly(ws: Workspace, kpi: str, **kw: object) -> list[float]:
    from datetime import date

    df = query(
        ws,
        MetricQuery(
            kpis=(kpi,), grain="month", start=date(2024, 1, 1), end=date(2024, 2, 29), **kw
        ),
    )  # type: ignore[arg-type]
    return [float(v) for v in df["value"]]


def test_won_revenue(ws: Workspace) -> None:
    """Won by close date: January d1 + d2 = 4,000; February d4 = 2,000; whole range 6,000."""
    assert monthly(ws, "won_revenue") == [4000.0, 2000.0]
    assert one(ws, "won_revenue") == 6000.0


def test_won_revenue_is_unknown_where_no_won_deal_has_an_amount(workspace: Workspace) -> None:
    """An export without amounts (the Olist closed deals): January's two won deals have none,
    so its won revenue is unknown, not 0; February has one priced win (800) beside an unpriced
    one, so 800 (the known part); March has only a lost deal, so 0; April has no deal, so 0.
    The average deal size is over the priced wins: unknown in January, 800 (not 400) in
    February, unknown in March and April (no win)."""
    put(workspace, "users", {"user_id": "u1"})
    rows = [
        ("w1", "won", None, "2024-01-05", "2024-01-20"),
        ("w2", "won", None, "2024-01-06", "2024-01-25"),
        ("w3", "won", 800.0, "2024-02-01", "2024-02-10"),
        ("w4", "won", None, "2024-02-01", "2024-02-11"),
        ("l1", "lost", 300.0, "2024-03-01", "2024-03-10"),
    ]
    put(
        workspace,
        "deals",
        *[
            {
                "deal_id": d,
                "owner_id": "u1",
                "status": status,
                "amount": amount,
                "created_at": created,
                "closed_at": closed,
            }
            for d, status, amount, created, closed in rows
        ],
    )
    from datetime import date

    df = query(
        workspace,
        MetricQuery(
            kpis=("won_revenue", "avg_deal_size"),
            grain="month",
            start=date(2024, 1, 1),
            end=date(2024, 4, 30),
        ),  # type: ignore[arg-type]
    )
    revenue = df[df["kpi"] == "won_revenue"]["value"].tolist()
    assert pd.isna(revenue[0]) and revenue[1:] == [800.0, 0.0, 0.0]
    size = df[df["kpi"] == "avg_deal_size"]["value"].tolist()
    assert pd.isna(size[0]) and size[1] == 800.0 and pd.isna(size[2]) and pd.isna(size[3])


def test_won_and_lost_deals(ws: Workspace) -> None:
    """Won: January 2 (d1, d2), February 1 (d4). Lost: January 1 (d3), February 1 (d7)."""
    assert monthly(ws, "won_deals") == [2.0, 1.0]
    assert monthly(ws, "lost_deals") == [1.0, 1.0]


def test_win_rate(ws: Workspace) -> None:
    """won ÷ (won + lost) by close date: January 2/3, February 1/2, both 3/5; open d5, d6 not
    in any denominator. By owner for the range: u1 2/2 = 1, u2 1/3."""
    assert monthly(ws, "win_rate") == pytest.approx([2 / 3, 1 / 2])
    assert one(ws, "win_rate") == pytest.approx(0.6)
    df = query(ws, MetricQuery(kpis=("win_rate",), dimensions=("owner",)))
    assert dict(zip(df["owner"], df["value"], strict=True)) == pytest.approx(
        {"u1": 1.0, "u2": 1 / 3}
    )


def test_avg_deal_size(ws: Workspace) -> None:
    """Σ won ÷ won: January 4,000 ÷ 2 = 2,000; range 6,000 ÷ 3 = 2,000; by source web
    (d1 1,000 + d4 2,000) ÷ 2 = 1,500."""
    assert monthly(ws, "avg_deal_size") == [2000.0, 2000.0]
    df = query(ws, MetricQuery(kpis=("avg_deal_size",), dimensions=("channel",)))
    assert dict(zip(df["channel"], df["value"], strict=True)) == {"ads": 3000.0, "web": 1500.0}


def test_sales_cycle(ws: Workspace) -> None:
    """Won cycles d1 10, d2 20, d4 40 days: mean 70/3 = 23.33, median 20; January (10, 20):
    mean and median 15."""
    assert one(ws, "sales_cycle_days") == pytest.approx(70 / 3)
    assert one(ws, "sales_cycle_days_median") == pytest.approx(20.0)
    assert monthly(ws, "sales_cycle_days") == pytest.approx([15.0, 40.0])
    assert monthly(ws, "sales_cycle_days_median") == pytest.approx([15.0, 40.0])


def test_open_pipeline(ws: Workspace) -> None:
    """Open at the end of January (Feb 1): d4 (closes Feb 10) and d5: 2 deals, 6,000.
    At the end of February (Mar 1): d5, d6: 2 deals, 5,000."""
    assert monthly(ws, "open_deals") == [2.0, 2.0]
    assert monthly(ws, "open_pipeline_value") == [6000.0, 5000.0]


def test_weighted_pipeline(ws: Workspace) -> None:
    """Empirical p(stage) over closed deals that entered it: new 3/5 (d1 d2 d4 won, d3 d7
    lost), qual 2/3 (d2 d4 | d7), prop 1/1 (d4). End of January: d4 in prop 2,000 × 1 + d5 in
    qual 4,000 × 2/3 = 4,666.67. End of February: d5 4,000 × 2/3 + d6 (prop) 1,000 × 1 =
    3,666.67."""
    assert monthly(ws, "weighted_pipeline_value") == pytest.approx(
        [2000 + 8000 / 3, 1000 + 8000 / 3]
    )


def test_pipeline_velocity(ws: Workspace) -> None:
    """Whole range: open deals at its end 2 × avg deal 2,000 × win rate 0.6 ÷ cycle 70/3 days
    = 2,400 ÷ 23.33 = 102.86 per day."""
    assert one(ws, "pipeline_velocity") == pytest.approx(2 * 2000 * 0.6 / (70 / 3))


def test_quota_attainment(ws: Workspace) -> None:
    """January 4,000 ÷ 5,000 = 0.8; February 2,000 ÷ 2,500 = 0.8; range 6,000 ÷ 7,500 = 0.8."""
    assert monthly(ws, "quota_attainment") == pytest.approx([0.8, 0.8])
    assert one(ws, "quota_attainment") == pytest.approx(0.8)


def test_pipeline_coverage(ws: Workspace) -> None:
    """Open at the start of January: none, 0 ÷ 5,000 = 0. At the start of February: d4 + d5
    = 6,000 ÷ 2,500 = 2.4."""
    assert monthly(ws, "pipeline_coverage") == pytest.approx([0.0, 2.4])


def test_neglected_deals(ws: Workspace) -> None:
    """N = 14 days. End of January: open d4 (call Jan 25, inside Jan 18 – Feb 1) and d5 (no
    activity) → 1. End of February: d5 (call Feb 20, inside Feb 15 – Mar 1) and d6 (none) → 1.
    With N = 40 the window of d5 at end of January reaches back to Dec 22, but d5 (created
    Jan 15) is younger than 40 days and does not count; d4 was touched → 0."""
    from crmroi.metrics import KpiSettings

    assert monthly(ws, "neglected_deals") == [1.0, 1.0]
    late = KpiSettings(neglected_deal_days=40)
    assert monthly(ws, "neglected_deals", settings=late)[0] == 0.0


def test_dimensions_team_and_segment(ws: Workspace) -> None:
    """Team (through the owner) and segment (through the account): team A = u1 = won 4,000;
    team B = u2 = won 2,000; segment SMB = a1 = 4,000."""
    df = query(ws, MetricQuery(kpis=("won_revenue",), dimensions=("team",)))
    assert dict(zip(df["team"], df["value"], strict=True)) == {"A": 4000.0, "B": 2000.0}
    df = query(ws, MetricQuery(kpis=("won_revenue",), dimensions=("segment",)))
    assert dict(zip(df["segment"], df["value"], strict=True)) == {
        "Enterprise": 2000.0,
        "SMB": 4000.0,
    }
