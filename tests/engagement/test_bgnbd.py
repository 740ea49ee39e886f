"""BG/NBD against Fader, Hardie & Lee (2005), hand-derived limits, and simulated data."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmroi import AnalysisError, Workspace
from crmroi.engagement import bgnbd
from crmroi.engagement.bgnbd import BGNBDParams
from crmroi.engagement.summary import purchase_summary

from .conftest import CDNOW_MAPPING, import_whole

# FHL (2005) / lifetimes' documented fit on the 2,357 CDNOW sample customers (weeks)
PUBLISHED = {"r": 0.242593, "alpha": 4.413532, "a": 0.792886, "b": 2.425752}


@pytest.fixture(scope="module")
def cdnow_summary(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "cdnow_lifetimes" / "cdnow_customers_summary.csv")


@pytest.fixture(scope="module")
def cdnow_fit(cdnow_summary: pd.DataFrame) -> BGNBDParams:
    s = cdnow_summary
    return bgnbd.fit(s["frequency"], s["recency"], s["T"])


def test_cdnow_reproduces_published_parameters(cdnow_fit: BGNBDParams) -> None:
    """r = 0.2426, α = 4.4135, a = 0.7929, b = 2.4258 (paper, to 4 decimals)."""
    for name, value in PUBLISHED.items():
        assert getattr(cdnow_fit, name) == pytest.approx(value, rel=1e-4), name
    assert round(cdnow_fit.r, 4) == 0.2426
    assert round(cdnow_fit.alpha, 4) == 4.4135
    assert round(cdnow_fit.a, 4) == 0.7929
    assert round(cdnow_fit.b, 4) == 2.4258
    assert cdnow_fit.log_likelihood == pytest.approx(-9582.43, abs=0.01)  # FHL Table / lifetimes


def test_cdnow_customer_1_expected_purchases_in_39_weeks(cdnow_fit: BGNBDParams) -> None:
    """Customer 1: x = 2, t_x = 30.43, T = 38.86 → 1.2259 purchases in the next 39 weeks."""
    value = bgnbd.conditional_expected_purchases(cdnow_fit, 39, 2, 30.43, 38.86)
    assert float(value) == pytest.approx(1.2259, abs=1e-4)


def test_log_likelihood_without_repeat_purchases_is_closed_form() -> None:
    """For x = 0, eq. (6) reduces to (α/(α+T))^r: B(a,b)/B(a,b) = 1, Γ(r)/Γ(r) = 1.

    r = 0.5, α = 2, T = 6: ln L = 0.5 · ln(2/8) = −0.693147.
    """
    params = (0.5, 2.0, 1.3, 4.0)
    assert float(bgnbd.log_likelihood(params, 0, 0, 6)) == pytest.approx(0.5 * math.log(0.25))


def test_log_likelihood_with_one_repeat_purchase_by_hand() -> None:
    """x = 1, t_x = 2, T = 5, r = 1, α = 1, a = 1, b = 1.

    B(1, 2)/B(1, 1) = 1/2 and Γ(2)·1/(Γ(1)·6²) = 1/36 → first term 1/72;
    B(2, 1)/B(1, 1) = 1/2 and 1/3² → second term 1/18; L = 1/72 + 4/72 = 5/72.
    """
    value = float(bgnbd.log_likelihood((1.0, 1.0, 1.0, 1.0), 1, 2, 5))
    assert value == pytest.approx(math.log(5 / 72))


def test_probability_alive_is_one_without_repeat_purchases(cdnow_fit: BGNBDParams) -> None:
    p = bgnbd.probability_alive(cdnow_fit, [0, 3, 3], [0, 30, 5], [38, 38, 38])
    assert p[0] == 1.0
    assert p[1] > p[2]  # same frequency, a recent last purchase is more likely alive


def test_unconditional_expectation_starts_at_the_mean_rate(cdnow_fit: BGNBDParams) -> None:
    """E[X(t)] ≈ (r/α)·t for small t: everyone is alive at first."""
    tiny = 1e-5
    slope = float(bgnbd.expected_purchases(cdnow_fit, tiny)) / tiny
    assert slope == pytest.approx(cdnow_fit.r / cdnow_fit.alpha, rel=1e-3)


def test_rejects_inconsistent_input() -> None:
    with pytest.raises(AnalysisError, match="recency"):
        bgnbd.fit([1, 2], [5, 1], [4, 10])


def test_cdnow_raw_transactions_through_the_workspace(
    shared_data: Path, workspace: Workspace, cdnow_summary: pd.DataFrame
) -> None:
    """CDNOW_sample.txt → ``crmroi import`` → orders → engine summary → the published fit.

    The raw log is whitespace-aligned with no header; the mapping in docs/examples names its
    columns. Calibration ends 1997-09-30, as in Fader, Hardie & Lee (2005).
    """
    log = shared_data / "cdnow_lifetimes" / "CDNOW_sample.txt"
    assert import_whole(workspace, log, CDNOW_MAPPING) == 6919
    summary = purchase_summary(workspace, observation_end="1997-09-30")
    assert len(summary) == 2357
    merged = summary.assign(ID=summary["customer"].astype(int)).merge(cdnow_summary, on="ID")
    assert len(merged) == 2357
    assert (merged["frequency_x"] == merged["frequency_y"]).all()
    assert np.abs(merged["recency_x"] - merged["recency_y"]).max() <= 0.005 + 1e-9
    assert np.abs(merged["T_x"] - merged["T_y"]).max() <= 0.005 + 1e-9
    fit = bgnbd.fit(summary["frequency"], summary["recency"], summary["T"])
    for name, value in PUBLISHED.items():
        assert getattr(fit, name) == pytest.approx(value, rel=5e-4), name


@pytest.mark.slow
def test_recovers_simulated_parameters() -> None:
    """20,000 customers observed 26–52 weeks from known (r, α, a, b): each within 15 %."""
    true = BGNBDParams(0.5, 6.0, 0.8, 2.5)
    rng = np.random.default_rng(7)
    x, t_x, big_t = bgnbd.simulate(true, rng.uniform(26, 52, 20_000), seed=7)
    fit = bgnbd.fit(x, t_x, big_t)
    for name, value in true.as_dict().items():
        assert getattr(fit, name) == pytest.approx(value, rel=0.15), name
    # the fitted model predicts the simulated repeat-purchase total closely
    expected = bgnbd.expected_purchases(fit, big_t).sum()
    assert expected == pytest.approx(x.sum(), rel=0.03)
