"""The attributed basis from an attribution table (the crmroi.attribution contract)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmroi.roi.benefits import Benefit, attributed

TOUCHED = Benefit("touched", "t", 200.0, 200.0, 200.0, 0.0, np.array([100.0, 100.0]))


def table(low: float | None = 0.5, high: float | None = 0.7) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": ["c1", "(none)", "(baseline)"],
            "channel": ["Launch", "(no campaign)", "(baseline)"],
            "conversions": [3.0, 1.0, 6.0],
            "revenue": [60.0, 20.0, 120.0],
            "share": [0.3, 0.1, 0.6],
            "share_low": [0.2, 0.05, low],
            "share_high": [0.4, 0.15, high],
        }
    )


def test_share_of_campaigns_excludes_baseline_and_unowned_touches() -> None:
    """1 − 0.6 (baseline) − 0.1 (no campaign) = 0.3 → 60 of 200; interval 0.2 … 0.4 → 40 … 80."""
    b = attributed(TOUCHED, table(), "data_driven")
    assert (b.value, b.low, b.high) == pytest.approx((60.0, 40.0, 80.0))
    np.testing.assert_allclose(b.monthly, [30.0, 30.0])
    assert b.se == pytest.approx(40.0 / (2 * 1.959964), rel=1e-5)


def test_without_bootstrap_there_is_no_interval() -> None:
    """Without a bootstrap the share is a point: 60 and no interval (not "60 … 60")."""
    b = attributed(TOUCHED, table(None, None), "data_driven")
    assert b.value == pytest.approx(60.0)
    assert (b.low, b.high, b.se) == (None, None, 0.0)


def test_unavailable_attribution_is_a_reason() -> None:
    b = attributed(TOUCHED, "crmroi.attribution is not installed", "data_driven")
    assert b.value is None and b.reason == "crmroi.attribution is not installed"
