"""Invariants of the engagement analyses, checked on generated inputs (Hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmroi import AnalysisError, open_workspace
from crmroi.engagement import bgnbd
from crmroi.engagement.bgnbd import BGNBDParams
from crmroi.engagement.cohorts import cohort_frame
from crmroi.engagement.retention import logo_retention
from crmroi.engagement.surveys import nps_interval

positive = st.floats(0.05, 20, allow_nan=False)


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_nps_interval_contains_estimate(promoters: int, passives: int, detractors: int) -> None:
    n = promoters + passives + detractors
    if n == 0:
        return
    low, high, value = nps_interval(promoters, detractors, n)
    assert -100 <= float(low) <= float(value) + 1e-9
    assert float(value) - 1e-9 <= float(high) <= 100


@given(
    positive, positive, positive, positive, st.integers(0, 30), st.floats(0, 1), st.floats(1, 60)
)
def test_bgnbd_predictions_are_sane(
    r: float, alpha: float, a: float, b: float, x: int, share: float, big_t: float
) -> None:
    params = BGNBDParams(r, alpha, a, b)
    t_x = share * big_t if x > 0 else 0.0
    p = float(bgnbd.probability_alive(params, x, t_x, big_t))
    assert 0 <= p <= 1
    e1 = float(bgnbd.conditional_expected_purchases(params, 10, x, t_x, big_t))
    e2 = float(bgnbd.conditional_expected_purchases(params, 20, x, t_x, big_t))
    assert np.isnan(e1) or (0 <= e1 <= e2 + 1e-9)


orders = st.lists(
    st.tuples(st.sampled_from("ABCDEFG"), st.integers(0, 400), st.floats(-50, 200)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders)
def test_cohorts_and_churn_add_up(rows: list[tuple[str, int, float]]) -> None:
    """Cohort sizes sum to the customers with a purchase; no cell exceeds its cohort;
    the base moves as E = S − lost + new + reactivated."""
    frame = pd.DataFrame(
        {
            "order_id": [str(i) for i in range(len(rows))],
            "account_id": [r[0] for r in rows],
            "occurred_at": [pd.Timestamp("2024-01-01") + pd.Timedelta(days=r[1]) for r in rows],
            "amount": [r[2] for r in rows],
        }
    )
    buyers = frame.loc[frame["amount"] >= 0, "account_id"].nunique()
    with open_workspace(":memory:") as ws:
        ws.con.insert("orders", frame)
        if buyers == 0:
            return
        cells = cohort_frame(ws)
        assert cells.groupby("cohort")["cohort_size"].first().sum() == buyers
        assert (cells["customers"] <= cells["cohort_size"]).all()
        try:
            churn = logo_retention(ws)
        except AnalysisError:  # fewer than two periods with customers
            return
        balance = churn["start"] - churn["lost"] + churn["new"] + churn["reactivated"]
        assert (balance == churn["end"]).all()
