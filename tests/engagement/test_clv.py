"""CLV: lifetimes' documented CDNOW example, discounting by hand, historical CLV."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmroi import AnalysisError, Workspace
from crmroi.engagement import bgnbd, gamma_gamma
from crmroi.engagement.clv import (
    ClvReport,
    analyse_clv,
    discounted_value,
    fit_clv,
    historical_clv_expr,
    predict_clv,
    rate_per_unit,
    simple_clv,
)
from crmroi.engagement.gamma_gamma import GammaGammaParams
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


def test_repeat_buyers_without_spend_are_left_out_of_gamma_gamma_and_still_valued(
    summary: pd.DataFrame,
) -> None:
    """Three repeat buyers whose repeat purchases average $0 (x = 2 and 1) or −$5 (returns, x = 4)
    are added to the 2,357 CDNOW customers. Gamma-Gamma is fitted on the others, so its
    parameters stay FHL (2005)'s p = 6.2488, q = 3.7446, v = 15.4477 (README), and each added
    customer is worth E(M | x, m̄ = 0) = p v / (p x + q − 1); for x = 2:
    6.2488 · 15.4477 / (12.4976 + 2.7446) = 96.5296 / 15.2422 = 6.3331.
    """
    extra = pd.DataFrame(
        {
            "customer": ["z2", "z1", "z4"],
            "frequency": [2.0, 1.0, 4.0],
            "recency": [20.0, 10.0, 30.0],
            "T": [38.0, 38.0, 38.0],
            "monetary_value": [0.0, 0.0, -5.0],
        }
    )
    both = pd.concat([summary, extra], ignore_index=True)
    report = analyse_clv(both, time_unit=TimeUnit.week, horizon=39)
    fit = report.fit
    assert fit.gamma_gamma is not None
    for name, value in {"p": 6.2488, "q": 3.7446, "v": 15.4477}.items():
        assert getattr(fit.gamma_gamma, name) == pytest.approx(value, rel=1e-3), name
    assert fit.n_repeat_without_spend == 3
    (note,) = fit.notes
    assert "3 whose repeat purchases average 0 or less" in note
    assert f"{fit.n_repeat - 3:,} of {fit.n_repeat:,}" in note
    spend = report.predictions.set_index("customer")["expected_spend"]
    assert spend["z2"] == pytest.approx(6.3331, rel=1e-3)
    p, q, v = 6.2488, 3.7446, 15.4477
    assert spend["z1"] == pytest.approx(p * v / (p + q - 1), rel=1e-3)
    assert spend["z4"] == pytest.approx(p * v / (4 * p + q - 1), rel=1e-3)
    assert (report.predictions["clv"] >= 0).all()
    payload = report.as_dict(top=1)
    assert payload["repeat_customers_without_spend"] == 3
    assert payload["notes"] == [note]


def test_customers_without_a_finite_expected_spend_are_left_out_of_the_totals_and_named(
    summary: pd.DataFrame,
) -> None:
    """A Gamma-Gamma fit with q = 0.5 and p = 0.3 (as one-price subscriptions produce) gives no
    finite expected spend to customers with 0.3 x + 0.5 ≤ 1, i.e. x ≤ 1: CDNOW has 1,411
    customers with no repeat purchase and 439 with one (pandas below). Their CLV is unknown,
    the total sums the other customers only and a note says how many were left out."""
    fit = replace(fit_clv(summary), gamma_gamma=GammaGammaParams(0.3, 0.5, 10.0))
    predictions = predict_clv(fit, summary, horizon=39, discount_rate=0.0)
    report = ClvReport(fit, predictions, TimeUnit.week, 39, 0.0)
    unvalued = int((summary["frequency"] <= 1).sum())
    assert unvalued == 1_411 + 439
    assert int(predictions["clv"].isna().sum()) == unvalued
    valued = predictions.loc[summary["frequency"] > 1, "clv"]
    assert (valued > 0).all()
    assert report.totals()["total_clv"] == pytest.approx(float(valued.sum()))
    (note,) = report.notes
    assert f"{unvalued:,} of {len(summary):,} customers" in note and "q is 0.5" in note
    assert report.as_dict(top=1)["notes"] == [note]


def test_no_note_when_every_repeat_buyer_spends(summary: pd.DataFrame) -> None:
    fit = fit_clv(summary)
    assert (fit.n_repeat_without_spend, fit.notes) == (0, ())


def test_a_fit_on_a_flat_ridge_ignores_last_bit_noise_in_the_means(tmp_path: Path) -> None:
    """The small simulated company spends the same per order, so the Gamma-Gamma likelihood is
    flat along p → ∞, v → 0 and the optimum wandered with the last bits of m̄, which the
    engine's parallel sums change from run to run (the API and the CLI disagreed). Noise of
    a few ulps must leave the fitted parameters exactly as they are."""
    from crmroi import open_workspace, synth
    from crmroi.engagement.summary import purchase_summary
    from tests.metrics.kit import load

    ws = open_workspace(tmp_path / "small.duckdb")
    load(ws, synth.generate("small", 0).tables)
    summary = purchase_summary(ws, time_unit=TimeUnit.month)
    base = fit_clv(summary).gamma_gamma
    rng = np.random.default_rng(1)
    for _ in range(3):
        noisy = summary.assign(
            monetary_value=summary["monetary_value"]
            * (1 + rng.choice([-4, -1, 0, 1, 4], len(summary)) * np.finfo(float).eps)
        )
        assert fit_clv(noisy.sample(frac=1.0, random_state=rng)).gamma_gamma == base
