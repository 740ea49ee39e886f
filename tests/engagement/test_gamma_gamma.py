"""Gamma-Gamma against Fader, Hardie & Lee (2005b) on CDNOW, by hand, and on simulated data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmroi import AnalysisError
from crmroi.engagement import gamma_gamma
from crmroi.engagement.gamma_gamma import GammaGammaParams


@pytest.fixture(scope="module")
def cdnow(shared_data: Path) -> pd.DataFrame:
    path = shared_data / "cdnow_lifetimes" / "cdnow_customers_summary_with_transactions.csv"
    return pd.read_csv(path)


def test_cdnow_reproduces_published_parameters(cdnow: pd.DataFrame) -> None:
    """p = 6.2488, q = 3.7446, v = 15.4477 on the 946 repeat buyers."""
    fit = gamma_gamma.fit(cdnow["x"], cdnow["zbar"])
    assert fit.n_customers == 946
    assert round(fit.p, 4) == 6.2488
    assert round(fit.q, 4) == 3.7446
    assert round(fit.v, 4) == 15.4477
    repeat = cdnow[cdnow["x"] > 0]
    assert np.corrcoef(repeat["x"], repeat["zbar"])[0, 1] == pytest.approx(0.1139, abs=1e-4)


def test_expected_value_is_a_weighted_mean() -> None:
    """p = 2, q = 3, v = 10: population mean pv/(q−1) = 10.

    x = 0 → 10. x = 4, m̄ = 25: weight on own mean px/(px+q−1) = 8/10, so 0.2·10 + 0.8·25 = 22;
    the closed form p(v + x m̄)/(px + q − 1) = 2·110/10 = 22.
    """
    params = GammaGammaParams(2.0, 3.0, 10.0)
    values = gamma_gamma.conditional_expected_value(params, [0, 4], [0.0, 25.0])
    assert values.tolist() == pytest.approx([10.0, 22.0])
    assert params.population_mean == pytest.approx(10.0)


def test_expected_value_does_not_exist_where_p_x_plus_q_is_at_most_one() -> None:
    """p = 0.25, q = 0.5, v = 10: the posterior of ν is Gamma(px + q, v + x m̄), and p E[1/ν]
    exists only for px + q > 1. x = 0 (0.5) and x = 2 (1.0, the boundary) have no mean, where
    the closed form would give −5 and a division by zero; x = 4, m̄ = 30: 0.25 · 130 / 0.5 = 65.
    """
    params = GammaGammaParams(0.25, 0.5, 10.0)
    values = gamma_gamma.conditional_expected_value(params, [0, 2, 4], [0.0, 20.0, 30.0])
    assert np.isnan(values[:2]).all()
    assert values[2] == pytest.approx(65.0)
    assert params.population_mean == float("inf")


def test_density_integrates_to_one() -> None:
    """The density of m̄ (eq. 1) for x = 3 integrates to 1 over (0, ∞)."""
    from scipy import integrate

    params = (6.0, 4.0, 15.0)

    def density(m: float) -> float:
        return float(np.exp(gamma_gamma.log_likelihood(params, 3, m)))

    total, _ = integrate.quad(density, 0, np.inf, limit=200)
    assert total == pytest.approx(1.0, abs=1e-6)


def test_rejects_non_positive_spend() -> None:
    with pytest.raises(AnalysisError, match="positive"):
        gamma_gamma.fit([1, 2, 3], [10.0, 0.0, 5.0])


@pytest.mark.slow
def test_recovers_simulated_parameters() -> None:
    """10,000 repeat buyers from (p, q, v) = (6, 4, 15): p within 15 %, mean spend within 5 %."""
    true = GammaGammaParams(6.0, 4.0, 15.0)
    rng = np.random.default_rng(3)
    x = rng.integers(1, 10, 10_000).astype(float)
    m = gamma_gamma.simulate(true, x, seed=3)
    fit = gamma_gamma.fit(x, m)
    assert fit.p == pytest.approx(true.p, rel=0.15)
    assert fit.population_mean == pytest.approx(true.population_mean, rel=0.05)
