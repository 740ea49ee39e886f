"""Monte Carlo, tornado and scenarios on hand-made cash flows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmroi.roi.cashflows import CashFlows, evaluate
from crmroi.roi.sensitivity import monte_carlo, scenario, tornado
from crmroi.roi.settings import Scenario

CATS = ("licence", "implementation")


def flows(revenue: float = 240.0) -> CashFlows:
    """12 months: revenue 20 a month; licence 5 a month (60) and implementation 40 in month 1.

    Cost 100, benefit 240 → ROI (240 − 100) ÷ 100 = 140 %.
    """
    costs = np.zeros((2, 12))
    costs[0] = 5.0
    costs[1, 0] = 40.0
    return CashFlows(np.full(12, revenue / 12), np.zeros(12), costs, CATS, initial=40.0)


def test_evaluate_hand_case() -> None:
    fig = evaluate(flows(), margin=1.0, discount_rate=0.1)
    assert fig.total_cost == pytest.approx(100.0)
    assert fig.roi_pct.value == pytest.approx(140.0)
    # month 1: benefit 20 vs cost 45; month 2: 40 vs 50; month 3: 60 vs 55 → payback 3
    assert fig.payback_months.value == 3.0
    # TEI flows: −40 at t0, year 1 = 240 − 60 = 180 → NPV = −40 + 180/1.1 = 123.636
    assert fig.npv == pytest.approx(-40 + 180 / 1.1)
    assert fig.irr.value == pytest.approx(180 / 40 - 1)
    # Nucleus: 240 over 36 months → 80 a year ÷ 40 initial = 200 %
    assert fig.nucleus_roi_pct.value == pytest.approx(200.0)


def test_monte_carlo_matches_normal_theory() -> None:
    """Revenue ~ N(240, 50), cost 100: ROI ~ N(140, 50) → P(ROI > 0) = Φ(2.8) = 0.9974."""
    mc = monte_carlo(flows(), revenue_se=50.0, margin=1.0, draws=200_000, seed=1)
    assert mc.prob_roi_positive == pytest.approx(0.99744, abs=0.001)
    assert mc.roi_pct_low == pytest.approx(140 - 1.95996 * 50, abs=1.0)
    assert mc.roi_pct_high == pytest.approx(140 + 1.95996 * 50, abs=1.0)


def test_monte_carlo_without_uncertainty_shows_no_interval() -> None:
    """A count (SE 0) has no interval: not "140 % … 140 %, P(ROI > 0) = 100 %"."""
    mc = monte_carlo(flows(), revenue_se=0.0, margin=1.0)
    assert (mc.roi_pct_low, mc.roi_pct_high, mc.prob_roi_positive) == (None, None, None)
    assert mc.reason is not None and "count" in mc.reason


def test_monte_carlo_without_cost_has_a_reason() -> None:
    f = flows()
    free = CashFlows(f.revenue, f.productivity, f.costs * 0, f.categories, 0.0)
    mc = monte_carlo(free, revenue_se=10.0, margin=1.0)
    assert mc.roi_pct_low is None and mc.reason is not None


def test_tornado_rows() -> None:
    rows = {r.input: r for r in tornado(flows(), margin=1.0, discount_rate=0.1,
                                         revenue_bounds=(140.0, 340.0), swing=0.2)}  # fmt: skip
    lic = rows["cost: licence"]
    # licence 60 × 0.8 = 48 → cost 88 → ROI (240 − 88)/88
    assert lic.roi_pct_low == pytest.approx((240 - 88) / 88 * 100)
    assert lic.roi_pct_high == pytest.approx((240 - 112) / 112 * 100)
    up = rows["uplift (revenue)"]
    assert (up.low_setting, up.high_setting) == pytest.approx((140.0, 340.0))
    assert up.roi_pct_low == pytest.approx(40.0)
    rate = rows["discount rate"]
    assert rate.roi_pct_low == rate.roi_pct_high  # the rate moves NPV only
    assert rate.npv_low > rate.npv_high
    ordered = tornado(flows(), margin=1.0, discount_rate=0.1, revenue_bounds=None)
    assert [r.swing for r in ordered] == sorted((r.swing for r in ordered), reverse=True)


def test_scenarios() -> None:
    base = evaluate(flows(), margin=1.0, discount_rate=0.1)
    price = scenario(flows(), Scenario("licence +20 %", cost_factors={"licence": 1.2}),
                     base=base, margin=1.0, discount_rate=0.1, adoption_rate=0.6)  # fmt: skip
    assert price.figures is not None and price.figures.total_cost == pytest.approx(112.0)
    adopt = scenario(flows(), Scenario("adoption 90 %", adoption=0.9), base=base, margin=1.0,
                     discount_rate=0.1, adoption_rate=0.6)  # fmt: skip
    assert adopt.figures is not None and adopt.figures.revenue == pytest.approx(240 * 1.5)
    unknown = scenario(flows(), Scenario("adoption 90 %", adoption=0.9), base=base, margin=1.0,
                       discount_rate=0.1, adoption_rate=None)  # fmt: skip
    assert unknown.figures is None and unknown.reason is not None


@given(
    revenue=st.floats(min_value=0, max_value=1e6),
    more=st.floats(min_value=1.01, max_value=3.0),
    dearer=st.floats(min_value=1.01, max_value=3.0),
    rate=st.floats(min_value=0.0, max_value=0.5),
)
def test_more_benefit_never_hurts_more_cost_never_helps(
    revenue: float, more: float, dearer: float, rate: float
) -> None:
    base = evaluate(flows(revenue), margin=1.0, discount_rate=rate)
    richer = evaluate(flows(revenue).scaled(revenue=more), margin=1.0, discount_rate=rate)
    costly = evaluate(
        flows(revenue).scaled(cost_factors={"licence": dearer}), margin=1.0, discount_rate=rate
    )
    assert base.roi_pct.value is not None
    assert richer.roi_pct.value is not None and costly.roi_pct.value is not None
    assert richer.roi_pct.value >= base.roi_pct.value >= costly.roi_pct.value
    assert richer.npv >= base.npv - 1e-9 and costly.npv <= base.npv + 1e-9
    if base.payback_months.value is not None:
        assert richer.payback_months.value is not None
        assert richer.payback_months.value <= base.payback_months.value
