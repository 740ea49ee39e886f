"""Synthetic control against known answers: exact convex combinations, pysyncon's weights, and
p-values and intervals on simulated panels with and without an effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmroi.impact.pilot import find_pilot
from crmroi.impact.synthetic import simplex_weights, synthetic_control

MONTHS = pd.date_range("2023-01-01", periods=30, freq="MS")
GO_LIVE = MONTHS[18]


def donors(means: list[float]) -> pd.DataFrame:
    """Five donors with season, trend and a random walk, rescaled to the given pre-period means."""
    rng = np.random.default_rng(1)
    t = np.arange(30)
    raw = {
        f"D{j}": 100 + 20 * np.sin(2 * np.pi * (t + 3 * j) / 12) + rng.normal(0, 4, 30).cumsum()
        for j in range(len(means))
    }
    frame = pd.DataFrame(raw, index=MONTHS)
    return frame / frame.iloc[:18].mean() * np.asarray(means)


def with_treated(frame: pd.DataFrame, weights: list[float], step: float) -> pd.DataFrame:
    treated = frame.to_numpy() @ np.asarray(weights)
    treated[18:] += step
    return pd.concat([pd.Series(treated, index=MONTHS, name="T"), frame], axis=1)


def test_exact_convex_combination_recovers_weights_and_step() -> None:
    """T = 0.5 D0 + 0.3 D1 + 0.2 D2 every month, + 15 a month from month 18; the donors' pre
    means are equal, so the weights on the scaled series are the same. The gap is 15 in each of
    the 12 post months; the pre-period fit is exact, so the interval closes on 15, no effect is
    rejected at the smallest p of the 1,000 permutations, and the treated unit's post/pre RMSPE
    ratio is the largest of the 6 units (in-space p = 1/6)."""
    fit = synthetic_control(
        with_treated(donors([100.0] * 5), [0.5, 0.3, 0.2, 0, 0], 15.0), "T", GO_LIVE
    )
    assert list(fit.weights.values()) == pytest.approx([0.5, 0.3, 0.2, 0, 0], abs=1e-6)
    assert fit.effect == pytest.approx(15.0, rel=1e-6)
    assert fit.gaps[GO_LIVE:].to_numpy() == pytest.approx(np.full(12, 15.0), rel=1e-5)
    assert fit.low is not None and fit.high is not None
    assert 15.0 - 1e-3 < fit.low <= 15.0 <= fit.high < 15.0 + 1e-3
    assert fit.pre_rmspe < 1e-4
    assert fit.p_value == pytest.approx(1 / 1000)
    assert fit.space_p_value == pytest.approx(1 / 6)


def test_donors_of_different_size_get_weights_scaled_by_their_means() -> None:
    """Raw weights 0.2, 0.5, 0.3 on donors with pre means 50, 100, 200 give the treated a pre
    mean of 10 + 50 + 60 = 120; on series relative to their own means the weights are
    0.2·50/120, 0.5·100/120, 0.3·200/120 = 1/12, 5/12, 1/2; the step of 12 comes back as 12."""
    panel = with_treated(donors([50.0, 100.0, 200.0, 400.0, 80.0]), [0.2, 0.5, 0.3, 0, 0], 12.0)
    fit = synthetic_control(panel, "T", GO_LIVE)
    assert list(fit.weights.values()) == pytest.approx([1 / 12, 5 / 12, 1 / 2, 0, 0], abs=1e-6)
    assert fit.pre_mean == pytest.approx(120.0)
    assert fit.effect == pytest.approx(12.0, rel=1e-6)


def test_weights_match_pysyncon_on_a_treated_unit_outside_the_hull() -> None:
    """pysyncon (maintained synthetic-control package) solves the same programme with V = I;
    on a noisy treated unit no convex mix fits, and both find the same optimum."""
    from pysyncon import Synth

    rng = np.random.default_rng(3)
    x = rng.normal(1.0, 0.3, (18, 6))
    y = x[:, :3].mean(axis=1) + rng.normal(0, 0.2, 18)
    ours = simplex_weights(y, x)
    theirs, _ = Synth.w_optimize(V_mat=np.eye(18), X0=x, X1=y)
    assert ours == pytest.approx(theirs, abs=2e-3)
    assert np.sum((y - x @ ours) ** 2) <= np.sum((y - x @ theirs) ** 2) + 1e-12


def factor_panel(rng: np.random.Generator, effect: float) -> pd.DataFrame:
    """8 donors = level + season + trend with random loadings + N(0, 1) noise; the treated unit's
    mean path is 0.4 D0 + 0.35 D1 + 0.25 D2, plus ``effect`` a month from month 18."""
    t = np.arange(30)
    factors = np.vstack([np.ones(30), np.sin(2 * np.pi * t / 12), t / 30])
    loads = np.column_stack([np.full(9, 10.0), rng.uniform(-2, 2, 9), rng.uniform(-3, 3, 9)])
    mean = loads @ factors
    mean[0] = np.r_[0.4, 0.35, 0.25, np.zeros(5)] @ mean[1:]
    y = mean + rng.normal(0, 1.0, mean.shape)
    y[0, 18:] += effect
    return pd.DataFrame(y.T, index=MONTHS, columns=["T"] + [f"D{j}" for j in range(8)])


@pytest.mark.slow
def test_no_effect_is_rarely_significant_and_intervals_cover() -> None:
    """60 panels without an effect: the conformal p-value should be below 0.05 for 5 % of them
    (3) and the in-space placebo p at its floor 1/9 for 11 % (6.7); measured 6 and 7, checked
    ≤ 8 and ≤ 13 (the conformal test is slightly liberal with 9 weights on 30 months). 60
    panels with +1 a month (1 noise SD): the 95 % interval covers it 56 times (checked ≥ 52)."""
    rng = np.random.default_rng(7)
    significant = floor = covered = 0
    for _ in range(60):
        fit = synthetic_control(factor_panel(rng, 0.0), "T", GO_LIVE)
        significant += fit.p_value < 0.05
        floor += fit.space_p_value is not None and fit.space_p_value <= 1 / 9 + 1e-9
    for _ in range(60):
        fit = synthetic_control(factor_panel(rng, 1.0), "T", GO_LIVE)
        covered += fit.low is not None and fit.high is not None and fit.low <= 1.0 <= fit.high
    assert significant <= 8 and floor <= 13 and covered >= 52, (significant, floor, covered)


def test_a_large_effect_is_significant() -> None:
    """+5 a month (5 noise SD): every one of 10 panels rejects no effect and puts the treated
    unit first among the in-space placebos (p = 1/9)."""
    rng = np.random.default_rng(5)
    for _ in range(10):
        fit = synthetic_control(factor_panel(rng, 5.0), "T", GO_LIVE)
        assert fit.p_value < 0.05
        assert fit.space_p_value == pytest.approx(1 / 9)
        assert fit.low is not None and fit.low > 0


def test_the_pilot_is_the_one_team_live_while_the_others_are_not_yet() -> None:
    """SMB live by the last month, Mid and Ent only after it → SMB treated, both donors; a team
    without a known go-live is left out; a second team live within the data (a staggered
    roll-out) or a single donor → no pilot."""
    ts = pd.Timestamp
    last = ts("2025-06-01")
    pilot = find_pilot(
        {"SMB": ts("2024-07-01"), "Mid": ts("2026-01-01"), "Ent": ts("2025-07-01"), "X": None},
        last,
    )
    assert pilot is not None
    assert (pilot.team, pilot.go_live, pilot.donors) == ("SMB", ts("2024-07-01"), ("Ent", "Mid"))
    staggered = {"A": ts("2024-07-01"), "B": ts("2025-01-01"), "C": ts("2026-01-01")}
    assert find_pilot(staggered, last) is None
    assert find_pilot({"A": ts("2024-07-01"), "B": ts("2026-01-01")}, last) is None


def test_a_treated_unit_without_outcome_before_go_live_is_refused() -> None:
    panel = with_treated(donors([100.0] * 5), [0.5, 0.3, 0.2, 0, 0], 15.0)
    panel.loc[: MONTHS[17], "T"] = 0.0
    with pytest.raises(ValueError, match="needs months before and after go-live"):
        synthetic_control(panel, "T", GO_LIVE)


def test_post_months_no_constant_effect_explains_have_no_interval() -> None:
    """T fits its donors exactly before go-live and swings ±60 around them after: the mean gap
    is 0, but every constant effect leaves the post residuals the largest of all orderings, so
    the 95 % set is empty: no interval (the pilot estimate then refuses to head the ROI, with
    its reason, rather than read as certain)."""
    from crmroi.impact.pilot import NO_INTERVAL
    from crmroi.report.reasons import german_reason

    frame = with_treated(donors([100.0] * 5), [0.5, 0.3, 0.2, 0, 0], 0.0)
    frame.loc[MONTHS[18:], "T"] += np.tile([60.0, -60.0], 6)
    fit = synthetic_control(frame, "T", GO_LIVE)
    assert fit.effect == pytest.approx(0.0, abs=1e-5)
    assert fit.low is None and fit.high is None
    assert german_reason(NO_INTERVAL).startswith("ihre 95-%-Menge des monatlichen Effekts")
