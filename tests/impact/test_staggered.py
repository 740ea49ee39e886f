"""Group-time effects for staggered go-lives (:mod:`crmroi.impact.staggered`), by hand.

Reps A and B go live in March, C in April, D never; won revenue January … April:

    A 10 10 15 17      B 12 14 21 21      C 5 6 7 12      D 8 8 9 10

ATT(Mar, Mar): A, B change 5, 7 from February (mean 6); C and D (not live in March) 1, 1 →
2 × (6 − 1) = 10. ATT(Mar, Apr): A, B +7 since February; D alone +2 (C is live) → 2 × 5 = 10.
ATT(Apr, Apr): C +5 since March, D +1 → 4. Incremental revenue 24 (March 10, April 14).
Influence: only A (−1) and B (+1) deviate from their group's mean change, so the variance is
4/3 × 2 and the SE √(8/3). Pre-trend (January → the month before go-live): March group
A 0, B +2 (mean 1) vs C +1, D 0 (mean ½) → 2 × ½ = 1; April group C +2 vs D +1 → 1; sum 2,
influence A −1, B +1, C −½, D +½ → SE √(4/3 × 2.5).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from crmroi.impact.staggered import group_time_att

MONTHS = pd.date_range("2024-01-01", periods=4, freq="MS")
REVENUE = {"A": (10, 10, 15, 17), "B": (12, 14, 21, 21), "C": (5, 6, 7, 12), "D": (8, 8, 9, 10)}
FIRST = {"A": MONTHS[2], "B": MONTHS[2], "C": MONTHS[3], "D": None}


def panel() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"unit": u, "month": m, "revenue": float(y)}
            for u, ys in REVENUE.items()
            for m, y in zip(MONTHS, ys, strict=True)
        ]
    )


def test_group_time_effects_by_hand() -> None:
    est = group_time_att(panel(), FIRST)
    assert est.value == pytest.approx(24.0)
    assert est.months == ("2024-03", "2024-04") and est.monthly == pytest.approx((10.0, 14.0))
    assert est.se == pytest.approx(math.sqrt(8 / 3))
    crit = stats.t.ppf(0.975, 3)
    assert est.low == pytest.approx(24.0 - crit * math.sqrt(8 / 3))
    d = est.diagnostics
    assert d["placebo_value"] == pytest.approx(2.0)
    se_pre = math.sqrt(4 / 3 * 2.5)
    assert d["placebo_high"] == pytest.approx(2.0 + crit * se_pre)
    assert d["pre_trend_p_value"] == pytest.approx(2 * stats.t.sf(2.0 / se_pre, 3))
    assert est.details == {"groups": 2, "group_months": 3, "reps": 4}


def test_without_anyone_to_compare_it_is_unavailable() -> None:
    everyone_in_march = dict.fromkeys(REVENUE, MONTHS[2])
    est = group_time_att(panel(), everyone_in_march)
    assert not est.ok and "not (yet) exposed" in (est.reason or "")
