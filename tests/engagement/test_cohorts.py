"""Cohorts, churn, CRR, NRR and GRR: by hand, on Online Retail, and against pandas."""

from __future__ import annotations

import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.engagement.cohorts import CohortBy, CohortValue, cohort_frame, cohort_matrix
from crmroi.engagement.periods import Grain
from crmroi.engagement.retention import logo_retention, revenue_retention


def _insert(ws: Workspace, rows: list[tuple[str, str, float, str]]) -> None:
    ws.con.insert(
        "orders",
        pd.DataFrame(
            {
                "order_id": [str(i) for i in range(len(rows))],
                "account_id": [r[0] for r in rows],
                "occurred_at": pd.to_datetime([r[1] for r in rows]),
                "amount": [r[2] for r in rows],
                "kind": [r[3] for r in rows],
            }
        ),
    )


TINY = [
    # customer, when, amount, kind
    ("A", "2024-01-05", 100.0, "order"),
    ("A", "2024-02-05", 120.0, "order"),
    ("A", "2024-03-05", 50.0, "order"),
    ("B", "2024-01-20", 80.0, "order"),
    ("B", "2024-03-02", 80.0, "order"),
    ("C", "2024-02-10", 60.0, "order"),
    ("C", "2024-02-15", -60.0, "cancellation"),
    ("D", "2024-03-31", 10.0, "order"),
    ("E", "2024-02-11", -5.0, "return"),  # only a return: never a customer
]


def test_cohorts_by_hand(workspace: Workspace) -> None:
    """January cohort {A, B}: Feb active {A} (B did not buy), Mar {A, B}.

    February cohort {C}: its cancellation nets February revenue to 0. March cohort {D}.
    """
    _insert(workspace, TINY)
    customers = cohort_matrix(workspace)
    assert customers.loc[pd.Timestamp("2024-01-01").date()].tolist() == [2, 2, 1, 2]
    assert customers["cohort_size"].tolist() == [2, 1, 1]
    revenue = cohort_matrix(workspace, CohortValue.revenue)
    assert revenue.iloc[0][[0, 1, 2]].tolist() == [180.0, 120.0, 130.0]
    assert revenue.iloc[1][0] == 0.0
    retention = cohort_matrix(workspace, CohortValue.retention)
    assert retention.iloc[0][1] == pytest.approx(0.5)


def test_churn_and_retention_by_hand(workspace: Workspace) -> None:
    """Monthly, window 1. Active: Jan {A, B}; Feb {A, C}; Mar {A, B, D}.

    Feb: S = 2, E = 2, N = 1 (C), lost = 1 (B) → churn 50 %, CRR = (2 − 1)/2 = 50 %.
    Mar: S = 2, E = 3, N = 1 (D), lost = 1 (C), reactivated = 1 (B) → churn 50 %,
    CRR = (3 − 1)/2 = 100 % (B's return counts as retained under (E − N)/S).
    """
    _insert(workspace, TINY)
    frame = logo_retention(workspace).set_index("period_start")
    feb, mar = (
        frame.loc[pd.Timestamp("2024-02-01").date()],
        frame.loc[pd.Timestamp("2024-03-01").date()],
    )
    assert (feb["start"], feb["end"], feb["new"], feb["lost"]) == (2, 2, 1, 1)
    assert feb["churn_rate"] == pytest.approx(0.5)
    assert feb["retention_rate"] == pytest.approx(0.5)
    assert (mar["lost"], mar["reactivated"]) == (1, 1)
    assert mar["retention_rate"] == pytest.approx(1.0)
    # a two-month window keeps B in the base through February: nobody is lost in February
    wide = logo_retention(workspace, window=2).set_index("period_start")
    assert wide.loc[pd.Timestamp("2024-02-01").date(), "lost"] == 0


def test_nrr_grr_by_hand(workspace: Workspace) -> None:
    """Revenue Jan → Feb: A 100 → 120 (expansion 20), B 80 → 0 (churned 80).

    start = 180; NRR = (180 + 20 − 0 − 80)/180 = 120/180 = 66.7 %;
    GRR = (180 − 80 − 0)/180 = 55.6 %; revenue churn 80/180 = 44.4 %.
    Feb → Mar: A 120 → 50 (contraction 70), C 60 − 60 = 0 net (not in start).
    start = 120, NRR = GRR = 50/120.
    """
    _insert(workspace, TINY)
    frame = revenue_retention(workspace).set_index("period_start")
    feb = frame.loc[pd.Timestamp("2024-02-01").date()]
    assert feb["start_revenue"] == pytest.approx(180)
    assert feb["expansion"] == pytest.approx(20)
    assert feb["churned"] == pytest.approx(80)
    assert feb["nrr"] == pytest.approx(120 / 180)
    assert feb["grr"] == pytest.approx(100 / 180)
    assert feb["revenue_churn_rate"] == pytest.approx(80 / 180)
    mar = frame.loc[pd.Timestamp("2024-03-01").date()]
    assert mar["contraction"] == pytest.approx(70)
    assert mar["nrr"] == pytest.approx(50 / 120)
    assert mar["grr"] == pytest.approx(50 / 120)


def test_first_won_cohorts(workspace: Workspace) -> None:
    """Cohort by the first won deal: A won in February, so January activity is not shown."""
    _insert(workspace, TINY)
    workspace.con.insert(
        "deals",
        pd.DataFrame(
            {
                "deal_id": ["d1", "d2", "d3"],
                "account_id": ["A", "A", "B"],
                "status": ["won", "won", "lost"],
                "created_at": pd.to_datetime(["2023-12-01"] * 3),
                "closed_at": pd.to_datetime(["2024-02-01", "2024-03-01", "2024-01-01"]),
            }
        ),
    )
    frame = cohort_frame(workspace, by=CohortBy.first_won)
    assert frame["cohort_start"].astype(str).tolist() == ["2024-02-01", "2024-02-01"]
    assert frame["offset"].tolist() == [0, 1]
    assert frame["cohort_size"].tolist() == [1, 1]


def test_online_retail_reference_counts(retail_ws: Workspace) -> None:
    """4,339 customers; December 2010 cohort 885, of whom 324 bought in January 2011."""
    frame = cohort_frame(retail_ws)
    assert frame.groupby("cohort")["cohort_size"].first().sum() == 4339
    dec = frame[frame["cohort_start"] == pd.Timestamp("2010-12-01").date()].set_index("offset")
    assert dec.loc[0, "cohort_size"] == 885
    assert dec.loc[1, "customers"] == 324
    # churn January 2011 = customers of December who did not come back in January
    jan = logo_retention(retail_ws).iloc[0]
    assert (jan["start"], jan["retained"]) == (885, 324)
    assert jan["churn_rate"] == pytest.approx(561 / 885)


def test_online_retail_matrix_matches_pandas(
    retail_ws: Workspace, retail_frame: pd.DataFrame
) -> None:
    """The whole customers matrix, independently in pandas (months as periods)."""
    rows = retail_frame[(retail_frame["kind"] == "order") & (retail_frame["amount"] >= 0)]
    rows = rows.dropna(subset=["account_id"])
    month = rows["occurred_at"].dt.to_period("M")
    first = month.groupby(rows["account_id"]).transform("min")
    offset = (month - first).apply(lambda d: d.n)
    expected = (
        pd.DataFrame({"c": first.dt.start_time.dt.date, "k": offset, "id": rows["account_id"]})
        .groupby(["c", "k"])["id"]
        .nunique()
        .unstack(fill_value=0)
    )
    got = cohort_matrix(retail_ws, grain=Grain.month).drop(columns="cohort_size")
    assert got.to_numpy().tolist() == expected.to_numpy().tolist()


def test_quarterly_grain_keeps_customers(retail_ws: Workspace) -> None:
    frame = cohort_frame(retail_ws, grain=Grain.quarter)
    assert frame.groupby("cohort")["cohort_size"].first().sum() == 4339
    assert frame["cohort_start"].min() == pd.Timestamp("2010-10-01").date()
