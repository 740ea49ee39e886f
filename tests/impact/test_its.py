"""Interrupted time series on simulated monthly revenue with a planted level and slope change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmroi.impact import interrupted_time_series

MONTHS = pd.date_range("2022-01-01", periods=48, freq="MS")
ADOPTION = pd.Timestamp("2024-01-01")  # month 24: two seasonal cycles before it
SEASON = np.array([0, 2, 4, 1, 0, -1, -3, -6, 0, 3, 5, 7]) * 1_000.0


def simulate(seed: int, level: float = 20_000.0, slope: float = 500.0) -> pd.Series:
    """y = 100k + 1k·t + season + (level + slope·k)·post + N(0, 3k); k = months since adoption."""
    rng = np.random.default_rng(seed)
    t = np.arange(48)
    k = np.clip(t - 24, 0, None)
    post = t >= 24
    y = 100_000 + 1_000 * t + SEASON[MONTHS.month - 1] + (level + slope * k) * post
    return pd.Series(y + rng.normal(0, 3_000, 48), index=MONTHS)


def planted(level: float = 20_000.0, slope: float = 500.0) -> float:
    """Σ_{k=0}^{23} (level + slope·k) = 24·level + 276·slope = 618,000 for the defaults."""
    return 24 * level + slope * 276


def test_recovers_planted_incremental_revenue() -> None:
    est = interrupted_time_series(simulate(1), ADOPTION)
    assert est.ok and est.low is not None and est.high is not None
    assert est.low <= planted() <= est.high
    assert est.value == pytest.approx(planted(), rel=0.15)
    assert est.details["seasonal"] is True


def test_seasonal_dummies_need_two_cycles_before_adoption() -> None:
    est = interrupted_time_series(simulate(1).iloc[12:], ADOPTION)  # 12 months before
    assert est.ok and est.details["seasonal"] is False
    assert len(est.monthly) == 24 and sum(est.monthly) == pytest.approx(est.value)
    assert est.relative is not None and est.relative > 0


def test_no_effect_interval_covers_zero_mostly() -> None:
    covered = 0
    for seed in range(40):
        est = interrupted_time_series(simulate(seed, 0.0, 0.0), ADOPTION)
        assert est.low is not None and est.high is not None
        covered += est.low <= 0 <= est.high
    assert covered >= 33  # 36 of these 40 seeds; 89.5 % over 200 seeds (the slow test)


@pytest.mark.slow
def test_interval_coverage_of_planted_effect() -> None:
    hits = 0
    for seed in range(200):
        est = interrupted_time_series(simulate(seed), ADOPTION)
        assert est.low is not None and est.high is not None
        hits += est.low <= planted() <= est.high
    assert hits / 200 >= 0.85  # measured 0.895 (nominal 0.95)


def test_too_little_history_is_a_reason_not_an_error() -> None:
    est = interrupted_time_series(simulate(0).iloc[20:], ADOPTION)
    assert not est.ok and est.reason is not None and "before adoption" in est.reason
