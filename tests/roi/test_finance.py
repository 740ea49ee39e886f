"""Finance functions against hand-computed cases, published figures and numpy-financial.

ROI rises with benefit only while there is some benefit: with B = 0 it is −100 % at any cost.
"""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from crmroi.roi.finance import (
    annual_flows,
    cumulative_net,
    irr,
    npv,
    nucleus_roi,
    payback_months,
    simple_roi,
)


def test_simple_roi_vendor_example() -> None:
    """REFERENCE §4.4: (210,000 − 60,000) ÷ 60,000 × 100 = 250 %."""
    assert simple_roi(210_000, 60_000).value == pytest.approx(250.0)


def test_simple_roi_forrester_salesloft() -> None:
    """Salesloft TEI: PV benefits 7,168,371 vs PV costs 1,672,201 → 329 % (rounded)."""
    roi = simple_roi(7_168_371, 1_672_201).value
    assert roi is not None and round(roi) == 329
    assert 7_168_371 - 1_672_201 == 5_496_170  # the study's NPV


def test_simple_roi_without_cost_is_none_with_reason() -> None:
    fig = simple_roi(1000.0, 0.0)
    assert fig.value is None and fig.reason is not None and "no cost" in fig.reason


def test_payback_hand_case() -> None:
    """Costs 100 in month 1; benefits 0, 50, 50, 50 → cumulative 0, 50, 100 ≥ 100 in month 3."""
    assert payback_months([0, 50, 50, 50], [100, 0, 0, 0]).value == 3.0


def test_payback_counts_later_costs() -> None:
    """Cost 10 a month, benefit 30 from month 2: cum net −10, 10 → month 2."""
    assert payback_months([0, 30, 30], [10, 10, 10]).value == 2.0


def test_never_pays_back() -> None:
    fig = payback_months([10, 10, 10], [100, 0, 0])
    assert fig.value is None and fig.reason is not None and "never pays back" in fig.reason


def test_payback_without_cost() -> None:
    fig = payback_months([10, 10], [0, 0])
    assert fig.value is None and fig.reason is not None and "no cost" in fig.reason


def test_npv_hand_case_and_numpy_financial() -> None:
    """−100 + 50/1.1 + 60/1.21 + 70/1.331 = −100 + 45.4545 + 49.5868 + 52.5920 = 47.6333."""
    flows = [-100.0, 50.0, 60.0, 70.0]
    assert npv(0.1, flows) == pytest.approx(47.6333, abs=1e-4)
    assert npv(0.1, flows) == pytest.approx(npf.npv(0.1, flows))


def test_irr_hand_case() -> None:
    """−100 + 60x + 60x² = 0 → x = (−60 + √(3600 + 24000))/120 = 0.88443 → r = 13.066 %."""
    x = (-60 + math.sqrt(3600 + 24_000)) / 120
    fig = irr([-100.0, 60.0, 60.0])
    assert fig.value == pytest.approx(1 / x - 1, rel=1e-9)
    assert fig.value == pytest.approx(npf.irr([-100.0, 60.0, 60.0]), rel=1e-9)


@pytest.mark.parametrize(
    "flows",
    [[-100.0, -50.0, -10.0], [0.0, 0.0, 0.0], [100.0, 20.0], [-100.0, 0.0, 0.0]],
)
def test_irr_undefined(flows: list[float]) -> None:
    fig = irr(flows)
    assert fig.value is None and fig.reason is not None and fig.reason.startswith("IRR undefined")


def test_irr_several_roots_takes_the_one_consistent_with_npv() -> None:
    """−100 + 230x − 132x² = 0 → x = 240/264 or 220/264 → r = 10 % or 20 % (two sign changes).

    At 15 %: NPV = −100 + 230/1.15 − 132/1.3225 = −100 + 200 − 99.811 = +0.189 > 0, so the IRR
    must lie above 15 %: 20 % (10 % would read "below the hurdle" beside a positive NPV).
    """
    fig = irr([-100.0, 230.0, -132.0], discount_rate=0.15)
    assert fig.value == pytest.approx(0.20, abs=1e-9)
    assert fig.note is not None and "10.00%" in fig.note and "20.00%" in fig.note


def test_irr_contradicting_npv_is_not_meaningful() -> None:
    """Same flows at 5 %: NPV = −100 + 219.048 − 119.728 = −0.680 < 0, so an IRR would have to
    lie below 5 %; both roots (10 %, 20 %) lie above: no meaningful IRR, with the reason."""
    assert npv(0.05, [-100.0, 230.0, -132.0]) == pytest.approx(-0.680, abs=1e-3)
    fig = irr([-100.0, 230.0, -132.0], discount_rate=0.05)
    assert fig.value is None and fig.reason is not None
    assert fig.reason.startswith("no meaningful IRR") and "2 times" in fig.reason


def test_irr_is_not_minus_97_beside_a_positive_npv() -> None:
    """−200 + 506x − 15x² = −15(x − 100/3)(x − 2/5): roots x = 100/3 → r = 3/100 − 1 = −97 %,
    and x = 2/5 → r = 150 %. NPV at 10 % = −200 + 460 − 12.40 = +247.6 > 0, so the IRR is 150 %;
    the root nearest 0 (what numpy-financial returns) would be the −97 % of the issue."""
    flows = [-200.0, 506.0, -15.0]
    assert npv(0.10, flows) == pytest.approx(-200 + 506 / 1.1 - 15 / 1.21)
    assert npv(-0.97, flows) == pytest.approx(0.0, abs=1e-6)
    fig = irr(flows, discount_rate=0.10)
    assert fig.value == pytest.approx(1.5, rel=1e-9)
    assert fig.note is not None and "-97.00%" in fig.note


def test_irr_of_a_loss_lies_below_the_hurdle() -> None:
    """−100 + 50x: x = 2 → r = −50 %; NPV at 10 % = −100 + 45.45 < 0, and −50 % < 10 %."""
    fig = irr([-100.0, 50.0], discount_rate=0.10)
    assert fig.value == pytest.approx(-0.5)
    assert fig.note is None


def test_annual_flows_put_initial_at_time_zero() -> None:
    """24 months of benefit 10; cost 120 in month 1 (100 initial + 20), then 20 a month.

    t0 = −100; year 1 = 120 − 12·20 = −120; year 2 = 120 − 240 = −120.
    """
    costs = np.full(24, 20.0)
    costs[0] = 120.0
    flows = annual_flows(np.full(24, 10.0), costs, 100.0)
    np.testing.assert_allclose(flows, [-100.0, -120.0, -120.0])
    assert flows.sum() == pytest.approx(np.sum(np.full(24, 10.0) - costs))


def test_nucleus_roi() -> None:
    """100 a month for 36 months → 1,200 a year; ÷ initial 1,000 → 120 %."""
    assert nucleus_roi(np.full(36, 100.0), 1000.0).value == pytest.approx(120.0)
    assert nucleus_roi(np.full(36, 100.0), 0.0).value is None


def test_no_nan_leaks() -> None:
    assert cumulative_net([np.nan, 1.0], [0.0, np.nan]).tolist() == [0.0, 1.0]
    assert simple_roi(float("nan"), 1.0).value is None


money = st.floats(min_value=0, max_value=1e9, allow_nan=False)


@given(benefit=money, extra=st.floats(min_value=1, max_value=1e6), cost=st.floats(1, 1e9))
def test_roi_rises_with_benefit(benefit: float, extra: float, cost: float) -> None:
    lo, hi = simple_roi(benefit, cost).value, simple_roi(benefit + extra, cost).value
    assert lo is not None and hi is not None and hi > lo


@given(
    benefit=st.floats(min_value=1, max_value=1e9),
    cost=st.floats(1, 1e6),
    extra=st.floats(min_value=1, max_value=1e6),
)
def test_roi_falls_with_cost(benefit: float, cost: float, extra: float) -> None:
    lo, hi = simple_roi(benefit, cost + extra).value, simple_roi(benefit, cost).value
    assert lo is not None and hi is not None and hi > lo


flow = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(rate=st.floats(min_value=-0.5, max_value=1.0), flows=st.lists(flow, min_size=1, max_size=8))
def test_npv_matches_numpy_financial(rate: float, flows: list[float]) -> None:
    assert npv(rate, flows) == pytest.approx(npf.npv(rate, flows), rel=1e-9, abs=1e-6)


@settings(max_examples=200)
@example(initial=1.0, later=[0.0, 36682.0, 3764.0, 0.0, 41759.0, 1e-05])
@given(
    initial=st.floats(min_value=1, max_value=1e6),
    later=st.lists(
        # numpy-financial (the oracle) crashes on denormal flows; ours treats them as 0
        st.floats(min_value=0, max_value=1e6).map(lambda v: 0.0 if v < 1e-6 else v),
        min_size=1,
        max_size=6,
    ),
)
def test_irr_matches_numpy_financial_on_conventional_flows(
    initial: float, later: list[float]
) -> None:
    """One sign change (−, +, +, …): a unique IRR, which numpy-financial also finds."""
    assume(sum(later) >= 0.01 * initial)  # IRR above −99 %: numerically meaningful
    flows = [-initial, *later]
    fig = irr(flows)
    assert fig.value is not None
    assert npv(fig.value, flows) == pytest.approx(0.0, abs=1e-6 * sum(abs(f) for f in flows))
    expected = npf.irr(flows)
    if np.isfinite(expected) and fig.value != pytest.approx(expected, rel=1e-6, abs=1e-9):
        # The root is unique, so where the two differ the one nearer NPV = 0 is the better one:
        # numpy-financial's own root is then the less exact (−1, 0, 36682, 3764, 0, 41759, 1e−5:
        # NPV 4e−15 at ours, −5e−6 at its 190.57721).
        assert abs(npv(fig.value, flows)) < abs(npv(expected, flows))
