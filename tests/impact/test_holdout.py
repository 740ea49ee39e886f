"""Holdout and control comparisons: formulas against statsmodels/SciPy, recovery in a workspace."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from crmroi import Workspace
from crmroi.impact import GroupStats, campaign_controls, compare, workflow_holdouts
from crmroi.roi.fx import FxRates

Insert = Callable[[Workspace, str, list[dict[str, Any]]], None]


def stats_of(revenue: np.ndarray) -> GroupStats:
    return GroupStats(
        n=revenue.size,
        conversions=int((revenue > 0).sum()),
        revenue=float(revenue.sum()),
        revenue_sq=float((revenue**2).sum()),
    )


def test_two_proportion_hand_case() -> None:
    """150/1000 vs 100/1000: lift 0.05; pooled p 0.125 → SE0 √(.125·.875·.002) = 0.014790
    → z = 3.3806 (statsmodels agrees); relative lift 0.5."""
    t, c = GroupStats(1000, 150, 0.0, 0.0), GroupStats(1000, 100, 0.0, 0.0)
    res = compare("w", t, c)
    assert res.lift == pytest.approx(0.05)
    assert res.z == pytest.approx(0.05 / math.sqrt(0.125 * 0.875 * 0.002))
    z, p = proportions_ztest([150, 100], [1000, 1000])
    assert res.z == pytest.approx(z) and res.p_value == pytest.approx(p)
    # Agresti–Caffo: 151/1002 − 101/1002 = 0.0499, SE √(p̃1(1−p̃1)/1002 + p̃0(1−p̃0)/1002)
    a1, a0 = 151 / 1002, 101 / 1002
    se = math.sqrt(a1 * (1 - a1) / 1002 + a0 * (1 - a0) / 1002)
    assert res.lift_low == pytest.approx(a1 - a0 - 1.959964 * se, abs=1e-6)
    assert res.lift_high == pytest.approx(a1 - a0 + 1.959964 * se, abs=1e-6)
    assert res.relative_lift == pytest.approx(0.5)
    assert res.relative_low is not None and res.relative_low < 0.5 < (res.relative_high or 0)


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    treated = np.where(rng.random(300) < 0.3, rng.lognormal(8, 0.5, 300), 0.0)
    control = np.where(rng.random(200) < 0.2, rng.lognormal(8, 0.5, 200), 0.0)
    res = compare("w", stats_of(treated), stats_of(control))
    expected = stats.ttest_ind(treated, control, equal_var=False)
    assert res.revenue_diff == pytest.approx(treated.mean() - control.mean())
    assert res.revenue_p_value == pytest.approx(expected.pvalue)
    low, high = expected.confidence_interval(0.95)
    assert res.revenue_diff_low == pytest.approx(low)
    assert res.revenue_diff_high == pytest.approx(high)


def test_tiny_groups_give_a_reason() -> None:
    res = compare("w", GroupStats(1, 1, 5.0, 25.0), GroupStats(10, 1, 5.0, 25.0))
    assert res.lift is None and res.reason is not None


def world(ws: Workspace, insert: Insert, seed: int = 0) -> dict[str, float]:
    """Two workflows (planted conversion 0.30 vs 0.20, and 0.25 vs 0.25) and one campaign
    (0.20 vs 0.10) with 1,500 enrolled/targeted and 500 held-out contacts each. A converter wins
    one deal of 1,000 EUR 10 days after enrolment; every contact also has a won deal 200 days
    later, outside the 90-day window, which must not count."""
    rng = np.random.default_rng(seed)
    plan = {"w1": (0.30, 0.20), "w2": (0.25, 0.25), "c1": (0.20, 0.10)}
    enrol, members, deals = [], [], []
    at = pd.Timestamp("2024-03-01")
    for unit, (p1, p0) in plan.items():
        for i in range(2000):
            control = i >= 1500
            contact = f"{unit}-{i}"
            row = {"contact_id": contact, "at": at}
            if unit.startswith("w"):
                enrol.append(
                    {
                        "enrollment_key": contact,
                        "workflow_id": unit,
                        "contact_id": contact,
                        "enrolled_at": at,
                        "holdout": control,
                    }
                )
            else:
                members.append(
                    {
                        "member_key": contact,
                        "campaign_id": unit,
                        "contact_id": contact,
                        "added_at": None,
                        "is_control": control,
                    }
                )
            if rng.random() < (p0 if control else p1):
                deals.append(
                    {
                        "deal_id": f"d{contact}",
                        "contact_id": contact,
                        "status": "won",
                        "amount": 1000.0,
                        "currency": "EUR",
                        "created_at": at,
                        "closed_at": at + pd.Timedelta(days=10),
                    }
                )
            deals.append(
                {
                    "deal_id": f"late{contact}",
                    "contact_id": row["contact_id"],
                    "status": "won",
                    "amount": 5000.0,
                    "currency": "EUR",
                    "created_at": at,
                    "closed_at": at + pd.Timedelta(days=200),
                }
            )
    insert(ws, "workflow_enrollments", enrol)
    insert(ws, "campaign_members", members)
    insert(
        ws,
        "campaigns",
        [
            {
                "campaign_id": "c1",
                "name": "Spring",
                "started_at": at,
                "cost": 500.0,
                "currency": "EUR",
            }
        ],
    )
    insert(ws, "deals", deals)
    return {unit: p1 - p0 for unit, (p1, p0) in plan.items()}  # fmt: skip


def test_workflow_holdouts_recover_planted_lift(workspace: Workspace, insert: Insert) -> None:
    planted = world(workspace, insert)
    results = {c.key: c for c in workflow_holdouts(workspace, FxRates("EUR", {}), 90)}
    assert set(results) == {"w1", "w2"}
    for key in ("w1", "w2"):
        res = results[key]
        assert res.treated.n == 1500 and res.control.n == 500
        assert res.lift_low is not None and res.lift_high is not None
        assert res.lift_low <= planted[key] <= res.lift_high, key
        # revenue counts only the 1,000 EUR deals inside the window
        assert res.treated.revenue == pytest.approx(1000.0 * res.treated.conversions)


def test_campaign_control_uses_started_at_when_added_at_is_empty(
    workspace: Workspace, insert: Insert
) -> None:
    planted = world(workspace, insert)
    (res,) = campaign_controls(workspace, FxRates("EUR", {}), 90)
    assert res.key == "c1"
    assert res.lift_low is not None and res.lift_high is not None
    assert res.lift_low <= planted["c1"] <= res.lift_high
    assert res.incremental_revenue == pytest.approx(
        (res.treated.rate - res.control.rate) * 1000.0 * 1500
    )


def test_small_control_without_conversions_keeps_a_wide_interval() -> None:
    """17/85 vs 0/5: Wald would give 0.2 ± 0.085; Agresti–Caffo 18/87 − 1/7 ± 1.96·0.139."""
    res = compare("c", GroupStats(85, 17, 0.0, 0.0), GroupStats(5, 0, 0.0, 0.0))
    assert res.lift == pytest.approx(0.2)
    assert res.lift_low is not None and res.lift_high is not None
    assert res.lift_low < 0 < res.lift_high
