"""CLV: lifetimes' documented CDNOW example, discounting by hand, historical CLV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmroi import AnalysisError, Workspace
from crmroi.engagement import bgnbd, gamma_gamma
from crmroi.engagement.clv import (
    analyse_clv,
    discounted_value,
    fit_clv,
    historical_clv_expr,
    rate_per_unit,
    simple_clv,
)
from crmroi.engagement.summary import TimeUnit, read_summary_csv


@pytest.fixture(scope="module")
def summary(shared_data: Path) -> pd.DataFrame:
    path = shared_data / "cdnow_lifetimes" / "cdnow_customers_summary_with_transactions.csv"
    return read_summary_csv(str(path))


def test_lifetimes_quickstart_customer_1(summary: pd.DataFrame) -> None:
    """lifetimes' quickstart: time=12, discount_rate=0.01, freq 'D' on weekly data → 140.096.

    (lifetimes' 'months' are then 30 time units long: period_length = 30.)
    """
    fit = fit_clv(summary)
    assert fit.gamma_gamma is not None
    spend = gamma_gamma.conditional_expected_value(
        fit.gamma_gamma, summary["frequency"], summary["monetary_value"]
    )
    value = discounted_value(
        fit.bgnbd, spend, summary, periods=12, discount_rate=0.01, period_length=30
    )
    assert value[0] == pytest.approx(140.096, abs=1e-3)


def test_undiscounted_value_is_spend_times_expected_purchases(summary: pd.DataFrame) -> None:
    """With d = 0 the sum telescopes: CLV = E(M) · E[Y(n·s)]."""
    fit = fit_clv(summary)
    spend = np.full(len(summary), 20.0)
    value = discounted_value(fit.bgnbd, spend, summary, periods=5, discount_rate=0.0)
    expected = 20.0 * bgnbd.conditional_expected_purchases(
        fit.bgnbd, 5, summary["frequency"], summary["recency"], summary["T"]
    )
    assert value == pytest.approx(expected)


def test_analyse_clv_report(summary: pd.DataFrame) -> None:
    report = analyse_clv(summary, time_unit=TimeUnit.week, horizon=39)
    payload = report.as_dict(top=3)
    assert set(payload) >= {"bgnbd", "gamma_gamma", "summary", "top_customers"}
    row = report.predictions.iloc[0]
    assert row["expected_purchases"] == pytest.approx(1.2259, abs=2e-3)  # unrounded T, t_x
    assert len(payload["top_customers"]) == 3  # type: ignore[arg-type]
    assert report.discount_rate == pytest.approx(1.01 ** (7 / 30.4375) - 1)


def test_rate_per_unit_round_trips_a_year() -> None:
    """1 % a month is (1.01)^12 − 1 = 12.68 % a year whatever the unit."""
    weekly = rate_per_unit(0.01, TimeUnit.week)
    assert (1 + weekly) ** (365.25 / 7) == pytest.approx(1.01**12)


def test_simple_clv_reference_example() -> None:
    """REFERENCE §3.3: ARPU 50 × margin 0.70 ÷ churn 0.05 = 700."""
    assert simple_clv(50, 0.05, 0.70) == pytest.approx(700)
    with pytest.raises(AnalysisError):
        simple_clv(50, 0)


def test_historical_clv_nets_out_cancellations(workspace: Workspace) -> None:
    """A: 100 + 50 − 30 (cancellation) = 120 net, 150 gross, two occasions, 31 days of tenure."""
    workspace.con.insert(
        "orders",
        pd.DataFrame(
            {
                "order_id": ["1", "2", "3", "4"],
                "account_id": ["A", "A", "A", "B"],
                "occurred_at": pd.to_datetime(
                    ["2024-01-01", "2024-02-01", "2024-02-03", "2024-01-05"]
                ),
                "amount": [100.0, 50.0, -30.0, 10.0],
                "kind": ["order", "order", "cancellation", "order"],
            }
        ),
    )
    frame = historical_clv_expr(workspace).to_pandas().set_index("customer")
    assert frame.loc["A", "net_revenue"] == pytest.approx(120)
    assert frame.loc["A", "gross_revenue"] == pytest.approx(150)
    assert frame.loc["A", "occasions"] == 2
    assert frame.loc["A", "tenure_days"] == 31
