"""The deal-level parts estimate (:mod:`crmroi.impact.parts`) and its least squares.

Known answers: statsmodels' cluster-robust and HC1 standard errors for :mod:`crmroi.impact.ols`;
a hand-built book of deals whose win rate is exactly 20 % before and 30 % after go-live in every
owner × month for the parts estimate (incremental revenue = 0.1 × Σ amount of the exposed
deals); the hand-made company of ``tests/roi`` with its planted 1.3× deal size.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from crmroi import open_workspace
from crmroi.impact.deal_data import DealFrame
from crmroi.impact.ols import Cells, joint_cov, ols, rank
from crmroi.impact.parts import deal_level_estimate, parts_estimate
from crmroi.roi.fx import FxRates
from tests.roi.conftest import build_small_company


def test_joint_covariance_matches_statsmodels() -> None:
    rng = np.random.default_rng(3)
    n, groups = 400, rng.integers(0, 12, 400)
    x = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    y = x @ [1.0, 2.0, -1.0] + rng.normal(size=n) + 0.5 * rng.normal(size=12)[groups]
    fit = ols(x, y, Cells.each(groups))
    clustered, robust = joint_cov((fit,))
    ref_cluster = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups})
    ref_hc1 = sm.OLS(y, x).fit(cov_type="HC1")
    assert fit.params == pytest.approx(ref_cluster.params)
    assert np.sqrt(np.diag(clustered)) == pytest.approx(ref_cluster.bse, rel=1e-9)
    assert np.sqrt(np.diag(robust)) == pytest.approx(ref_hc1.bse, rel=1e-9)


def test_joint_covariance_cross_terms_match_statsmodels() -> None:
    """Two fits on one design: Var(β₁ − β₂) = V₁₁ + V₂₂ − V₁₂ − V₂₁ is the OLS of y₁ − y₂.

    statsmodels' clustered and HC1 errors of that one fit are the known answer for the joint
    covariance's cross blocks (same rows and regressors, so the same small-sample factors).
    """
    rng = np.random.default_rng(5)
    n, groups = 500, rng.integers(0, 9, 500)
    x = np.column_stack([np.ones(n), rng.normal(size=n), rng.integers(0, 2, n)])
    shock = rng.normal(size=9)[groups]
    y1 = x @ [1.0, 0.5, 2.0] + rng.normal(size=n) + shock
    y2 = x @ [0.0, -1.0, 1.0] + rng.normal(size=n) + 0.3 * y1
    cells = Cells.each(groups)
    clustered, robust = joint_cov((ols(x, y1, cells), ols(x, y2, cells)))
    diff = np.hstack([np.eye(3), -np.eye(3)])
    ref_cluster = sm.OLS(y1 - y2, x).fit(cov_type="cluster", cov_kwds={"groups": groups})
    ref_hc1 = sm.OLS(y1 - y2, x).fit(cov_type="HC1")
    assert np.sqrt(np.diag(diff @ clustered @ diff.T)) == pytest.approx(ref_cluster.bse, rel=1e-9)
    assert np.sqrt(np.diag(diff @ robust @ diff.T)) == pytest.approx(ref_hc1.bse, rel=1e-9)


def test_fits_over_cells_of_equal_rows_equal_the_fits_over_every_row() -> None:
    """Owner and month dummies with many deals per owner × month × exposure: grouping equal rows
    into cells must give the coefficients, fitted values and both covariances of the fits over
    every row, with a subset of rows (the deal-size fit) and cross terms between the fits."""
    rng = np.random.default_rng(8)
    n = 3_000
    keys = pd.DataFrame(
        {
            "owner": rng.choice(list("abcdefg"), n),
            "month": rng.integers(1, 13, n),
            "exposed": rng.integers(0, 2, n).astype(float),
        }
    )
    dummies = [pd.get_dummies(keys[c], drop_first=True, dtype=float) for c in ("owner", "month")]
    x = np.column_stack([np.ones(n), *dummies, keys["exposed"]])
    y1 = 0.3 * keys["exposed"].to_numpy() + rng.normal(size=n)
    y2 = rng.exponential(size=n)
    rows = rng.random(n) < 0.7
    grouped = Cells.of(keys, "owner")
    assert grouped.size < n / 10
    every = Cells.each(keys["owner"])
    by_cells = [ols(x[grouped.first], y1, grouped), ols(x[grouped.first], y2, grouped, rows)]
    by_rows = [ols(x, y1, every), ols(x, y2, every, rows)]
    for cell_fit, row_fit in zip(by_cells, by_rows, strict=True):
        assert cell_fit.params == pytest.approx(row_fit.params, rel=1e-9, abs=1e-12)
        assert cell_fit.fitted == pytest.approx(row_fit.fitted, rel=1e-9, abs=1e-12)
        assert (cell_fit.n, cell_fit.k) == (row_fit.n, row_fit.k)
    for cell_cov, row_cov in zip(joint_cov(by_cells), joint_cov(by_rows), strict=True):
        assert cell_cov == pytest.approx(row_cov, rel=1e-9, abs=1e-15)
    ref = sm.OLS(y2[rows], x[rows]).fit()
    assert by_cells[1].params == pytest.approx(ref.params, rel=1e-9, abs=1e-12)


def book(
    win_before: tuple[int, int], win_after: tuple[int, int], amount_after: float = 1_000.0
) -> pd.DataFrame:
    """4 owners (3 use the CRM) × 12 months of 2023 (before) and of 2024 (after go-live 2024-01).

    Each owner-month holds ``win_before = (won, n)`` deals before and ``win_after`` after; amounts
    1,000 before and ``amount_after`` after, for every owner.
    """
    rows = []
    for owner in ("a", "b", "c", "d"):
        for year, (won, n), amount in (
            (2023, win_before, 1_000.0),
            (2024, win_after, amount_after),
        ):
            for month in range(1, 13):
                for k in range(n):
                    rows.append(
                        {"owner": owner, "won": float(k < won), "amount": amount,
                         "segment": "SMB", "month": pd.Timestamp(year, month, 1),
                         "cycle_days": 30.0 if year == 2023 else 20.0,
                         "go_live": pd.Timestamp(2024, 1, 1), "uses_crm": owner != "d"}
                    )  # fmt: skip
    deals = pd.DataFrame(rows)
    post = deals["month"] >= deals["go_live"]
    deals["exposed"] = (post & deals["uses_crm"]).astype(float)
    deals["unexposed"] = (post & ~deals["uses_crm"]).astype(float)
    return deals


def test_win_rate_uplift_is_recovered_exactly() -> None:
    """Every owner-month: 1 of 5 won before, 3 of 10 after (owner d too, who does not use the
    CRM — so its change is the same 10 points). Exposed: 3 owners × 12 months × 10 deals of
    1,000 = 360,000 of pipeline; incremental revenue = 0.1 × 360,000 = 36,000."""
    est = parts_estimate(DealFrame(book((1, 5), (3, 10)), staggered=False))
    assert est.ok and est.value == pytest.approx(36_000.0)
    d = est.details
    assert d["win_rate_change"] == pytest.approx(0.1)
    assert d["unexposed_win_rate_change"] == pytest.approx(0.1)
    assert d["log_deal_size_change"] == pytest.approx(0.0, abs=1e-9)
    assert d["cycle_days_change"] == pytest.approx(-10.0)
    # counterfactual: 0.2 × 360,000 = 72,000 won; relative uplift 36,000 / 72,000
    assert est.relative == pytest.approx(0.5)
    assert est.low is not None and est.high is not None and est.low < 36_000 < est.high
    assert est.months == tuple(f"2024-{m:02d}" for m in range(1, 13))
    assert sum(est.monthly) == pytest.approx(36_000.0)
    assert est.design and len(est.assumptions) >= 4
    assert est.diagnostics["n"] == len(book((1, 5), (3, 10)))


def test_larger_deals_count_through_deal_size() -> None:
    """Same win rate before and after (2 of 10), exposed deals 1.25× larger than owner d's in
    the same months: counterfactual amount 1,000, so Δ = Σ p·a − Σ p·a/1.25 = 0.2 × 450,000 ×
    (1 − 0.8) = 18,000."""
    deals = book((2, 10), (2, 10), amount_after=1_250.0)
    deals.loc[(deals["owner"] == "d") & (deals["exposed"] == 0), "amount"] = 1_000.0
    est = parts_estimate(DealFrame(deals, staggered=False))
    assert est.details["win_rate_change"] == pytest.approx(0.0, abs=1e-9)
    assert math.exp(est.details["log_deal_size_change"]) == pytest.approx(1.25)
    assert est.value == pytest.approx(18_000.0)


def test_too_few_deals_is_unavailable_with_reason() -> None:
    deals = book((1, 5), (3, 10)).iloc[:150]
    est = parts_estimate(DealFrame(deals, staggered=False))
    assert not est.ok and est.reason is not None and "150 deals" in est.reason


def test_planted_deal_size_uplift_on_the_hand_made_company(tmp_path: Path) -> None:
    """``tests/roi/conftest.build_small_company``: after adoption (close month ≥ 2024-01, i.e.
    creation month ≥ 2023-12), deals of the 7 reps who log in are worth 1.3× their base amount;
    every deal is won. So Δ = Σ amount × (1 − 1/1.3) over those deals, which is the planted
    ``incremental`` less the workflow's revenue (its deals have no owner)."""
    with open_workspace(tmp_path / "w.duckdb") as ws:
        truth = build_small_company(ws)
        est = deal_level_estimate(ws, FxRates("EUR", {}), pd.Timestamp("2023-12-01"))
    planted = truth["incremental"] - truth["workflow_revenue"]
    assert est.ok and est.low is not None and est.high is not None
    assert est.low <= planted <= est.high, (est.low, planted, est.high)
    d = est.details
    assert abs(d["log_deal_size_change"] - math.log(1.3)) < 2 * d["log_deal_size_change_se"]
    assert d["win_rate_change"] == pytest.approx(0.0, abs=1e-9)
    assert "pre_trend_p_value" not in est.diagnostics  # every deal won: nothing to test
    assert est.diagnostics["non_user_p_value"] == 1.0


def test_rank_of_distinct_rows_is_the_rank_of_the_design() -> None:
    """Dummies that sum to the intercept (rank-deficient), many repeated rows, a real column."""
    rng = np.random.default_rng(4)
    group = rng.integers(0, 5, 3_000)
    dummies = (group[:, None] == np.arange(5)).astype(float)
    x = np.column_stack([np.ones(3_000), dummies, rng.integers(0, 2, 3_000)])
    assert rank(x) == np.linalg.matrix_rank(x) == 6
    real = np.column_stack([x, rng.normal(size=3_000)])
    assert rank(real) == np.linalg.matrix_rank(real) == 7
    assert rank(x[:1]) == 1 and rank(x[:0]) == 0
