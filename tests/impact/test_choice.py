"""Which incremental estimate heads the ROI, and how it is explained (``roi --explain``)."""

from __future__ import annotations

import pytest

from crmroi.impact.estimate import Estimate
from crmroi.impact.explain import explain_lines
from crmroi.impact.incremental import check_failures, choose


def est(method: str, **diagnostics: float) -> Estimate:
    return Estimate(
        method=method,
        value=100.0,
        low=50.0,
        high=150.0,
        design=f"{method} design",
        assumptions=(f"{method} holds",),
        diagnostics={"n": 10.0, **diagnostics},
    )


def test_a_placebo_that_excludes_zero_passes_the_choice_on() -> None:
    estimates = {
        "parts": est("parts", placebo_value=40.0, placebo_low=10.0, placebo_high=70.0),
        "did": est("did", placebo_value=1.0, placebo_low=-5.0, placebo_high=7.0),
        "its": est("its"),
        "holdouts": Estimate.unavailable("holdouts", "no holdouts"),
    }
    chosen, why = choose(estimates, "auto")
    assert chosen.method == "did"
    assert "parts failed: placebo 40 [10, 70] excludes 0" in why
    assert why.endswith("also computed: parts, its")


def test_pre_trend_and_non_user_change_are_checks() -> None:
    assert check_failures(est("x", pre_trend_p_value=0.01)) == ["pre-trend p = 0.010"]
    assert check_failures(est("x", non_user_p_value=0.04)) == [
        "non-users' win rate changed too (p = 0.040)"
    ]
    assert check_failures(est("x", pre_trend_p_value=0.05, non_user_p_value=0.5)) == []


def test_when_every_method_fails_the_first_is_taken_and_says_so() -> None:
    estimates = {
        "parts": est("parts", pre_trend_p_value=0.001),
        "its": est("its", pre_trend_p_value=0.002),
    }
    chosen, why = choose(estimates, "auto")
    assert chosen.method == "parts"
    assert why.startswith("parts: every method that runs fails a check")


def test_a_requested_method_is_taken_as_is() -> None:
    estimates = {"parts": est("parts", pre_trend_p_value=0.001), "its": est("its")}
    chosen, why = choose(estimates, "parts")
    assert chosen.method == "parts" and why == "requested: incremental method parts"
    with pytest.raises(ValueError, match="unknown incremental method 'x'"):
        choose(estimates, "x")


def test_explanation_lists_design_assumptions_and_checks() -> None:
    methods = {
        "parts": est(
            "parts",
            pre_trend_p_value=0.4,
            placebo_value=-3.0,
            placebo_low=-20.0,
            placebo_high=14.0,
            non_user_win_rate_change=0.012,
            non_user_p_value=0.6,
        ).to_dict(),
        "holdouts": Estimate.unavailable("holdouts", "no holdouts").to_dict(),
    }
    lines = explain_lines(methods, "parts: because")
    assert lines == [
        "chosen: parts: because",
        "",
        "[parts] parts: 100 [50, 150] (95 %)",
        "  design: parts design",
        "  assumes: parts holds",
        "  checks: n = 10; pre-trend p = 0.400; placebo -3 [-20, 14]; "
        "non-users' win rate +1.2% (p = 0.600)",
        "",
        "[holdouts] holdouts: not computed — no holdouts",
    ]
