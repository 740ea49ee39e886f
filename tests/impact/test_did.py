"""Difference-in-differences on a simulated rep × month panel with a planted effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmroi.impact import difference_in_differences


def panel(seed: int, effect: float = 5_000.0) -> pd.DataFrame:
    """20 reps × 24 months; reps 0–9 exposed from month 12; y = α_i + γ_t + effect·D + ε."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2023-01-01", periods=24, freq="MS")
    rows = []
    alpha = rng.normal(20_000, 5_000, 20)
    gamma = rng.normal(0, 2_000, 24)
    for i in range(20):
        for t, month in enumerate(months):
            treat = float(i < 10 and t >= 12)
            y = alpha[i] + gamma[t] + effect * treat + rng.normal(0, 3_000)
            rows.append({"unit": f"r{i}", "month": month, "revenue": y, "treat": treat})
    return pd.DataFrame(rows)


def test_recovers_planted_effect() -> None:
    est = difference_in_differences(panel(3))
    assert est.ok and est.low is not None and est.high is not None
    planted = 5_000.0 * 10 * 12  # effect × exposed rep-months
    assert est.low <= planted <= est.high
    assert est.details["effect_per_rep_month"] == pytest.approx(5_000, rel=0.25)
    assert sum(est.monthly) == pytest.approx(est.value)


def test_matches_plain_two_by_two_on_balanced_panel() -> None:
    """With one exposure date, TWFE β equals (ȳ_T,post − ȳ_T,pre) − (ȳ_C,post − ȳ_C,pre)."""
    df = panel(5)
    df["treated"] = df["unit"].str[1:].astype(int) < 10
    df["post"] = df["month"] >= pd.Timestamp("2024-01-01")
    m = df.groupby(["treated", "post"])["revenue"].mean()
    dd = (m[True, True] - m[True, False]) - (m[False, True] - m[False, False])
    est = difference_in_differences(df.drop(columns=["treated", "post"]))
    assert est.details["effect_per_rep_month"] == pytest.approx(dd, rel=1e-9)


def test_no_comparison_is_a_reason() -> None:
    df = panel(1)
    df["treat"] = 1.0
    est = difference_in_differences(df)
    assert not est.ok and est.reason is not None
