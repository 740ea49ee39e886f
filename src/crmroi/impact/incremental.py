"""Revenue incremental to the CRM: run every method the data allows and pick one.

Order of preference with ``method="auto"`` (REFERENCE.md §4.7): the deal-level parts estimate
(:mod:`.parts`: win rate × deal size on every closed deal), then the synthetic control of a team
that piloted the CRM against the teams not yet live (:mod:`.pilot`; it runs only on such data),
then the group-time difference-in-differences for staggered go-lives (:mod:`.staggered`), then
two-way fixed effects on rep × month revenue (:mod:`.did`), then the interrupted time series,
then the sum of workflow holdout and campaign control lifts (it covers only the contacts in those
experiments: a lower bound). A method is taken only when its checks pass — its placebo interval
covers zero and its pre-trend test (and, for the parts, the change of reps who do not use the
CRM) has p ≥ 0.05; when none passes, the first that runs is taken and ``why`` says so.

Why the parts first: they use every deal, not monthly totals, so the noise of deal sizes and of
the number of deals per month does not enter the interval. Measured on 20 medium simulated
companies per design (``benchmarks/incremental_coverage.py``, table in ``docs/roi.md``): the
parts interval covered the planted effect 18 of 20 times with single and with staggered
go-lives, at a median half-width of ±47–48 % of the effect, and always excluded zero; the
totals-based intervals covered it 17–20 times at ±116 % (ITS) to ±344 %, and excluded zero in at
most 12 of 20.

Why the synthetic control before the DiDs: where one team piloted the CRM, the teams differ in
size and their won revenue in EUR does not move in parallel, which the rep × month DiDs assume.
On 20 medium pilot companies the group-time DiD covered the planted effect 16 times at ±2,466 %
(seed 0: −12.9 M against +0.52 M), two-way fixed effects 6 times, and the synthetic control, on
each team's win rate relative to its own level, 20 times at ±192 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from crmroi.impact.did import did_estimate
from crmroi.impact.estimate import Estimate, normal_interval
from crmroi.impact.holdout import Comparison, campaign_controls, workflow_holdouts
from crmroi.impact.its import interrupted_time_series
from crmroi.impact.parts import deal_level_estimate
from crmroi.impact.pilot import pilot_estimate
from crmroi.impact.series import mature_until, monthly_series, won_revenue
from crmroi.impact.staggered import staggered_estimate
from crmroi.roi.fx import FxRates
from crmroi.workspace import Workspace

METHODS = ("parts", "synthetic", "staggered", "did", "its", "holdouts")
PRE_TREND_ALPHA = 0.05
HOLDOUT_ASSUMPTIONS = (
    "Holdout and control contacts were chosen at random from the same audience.",
    "Workflows and campaigns change whether a contact converts, not what a conversion is worth "
    "(incremental revenue = lift × revenue per conversion).",
    "Experiments do not overlap (variances are added as if independent).",
    "Only the contacts in experiments count: a lower bound on the CRM's effect.",
)


@dataclass(frozen=True)
class ImpactResult:
    """Every incrementality estimate, the chosen one, and the per-unit comparisons."""

    chosen: Estimate
    estimates: dict[str, Estimate]
    workflows: tuple[Comparison, ...]
    campaigns: tuple[Comparison, ...]
    mature_until: pd.Timestamp | None = None
    """First creation month left out of ITS and DiD (cohort still maturing, or the window end)."""
    why: str = ""
    """Why ``chosen`` was taken over the others, one sentence."""


def check_failures(est: Estimate) -> list[str]:
    """The checks ``est`` fails, each as a short phrase.

    A placebo interval without zero, a pre-trend p below 0.05, a change for reps who do not use
    the CRM with p below 0.05 (a shock common to everyone).
    """
    d = est.diagnostics
    failed = []
    low, high = d.get("placebo_low"), d.get("placebo_high")
    if low is not None and high is not None and not low <= 0.0 <= high:
        failed.append(f"placebo {d.get('placebo_value'):,.0f} [{low:,.0f}, {high:,.0f}] excludes 0")
    p = d.get("pre_trend_p_value")
    if p is not None and p < PRE_TREND_ALPHA:
        failed.append(f"pre-trend p = {p:.3f}")
    p = d.get("non_user_p_value")
    if p is not None and p < PRE_TREND_ALPHA:
        failed.append(f"non-users' win rate changed too (p = {p:.3f})")
    return failed


def choose(estimates: dict[str, Estimate], method: str) -> tuple[Estimate, str]:
    """The estimate to report and why (module doc)."""
    if method != "auto":
        if method not in estimates:
            raise ValueError(
                f"unknown incremental method {method!r}; use auto, {', '.join(METHODS)}"
            )
        return estimates[method], f"requested: incremental method {method}"
    running = [(k, e) for k, e in estimates.items() if e.ok]
    if not running:
        return estimates["its"], "no method can run on this data"
    skipped: list[str] = []
    for name, est in running:
        failed = check_failures(est)
        if not failed:
            others = ", ".join(k for k, _ in running if k != name)
            why = f"{name}: the first method in the order {', '.join(estimates)} that runs"
            why += " and passes its placebo and pre-trend checks"
            if skipped:
                why += f" ({'; '.join(skipped)})"
            return est, why + (f"; also computed: {others}" if others else "")
        skipped.append(f"{name} failed: {', '.join(failed)}")
    name, est = running[0]
    return (
        est,
        f"{name}: every method that runs fails a check ({'; '.join(skipped)}); read with care",
    )


def holdout_total(workflows: list[Comparison], campaigns: list[Comparison]) -> Estimate:
    """Sum of incremental revenue over every workflow and campaign experiment.

    The variances are added as if the experiments were independent (contacts in several of them
    make this optimistic); each unit's SE is recovered from its interval half-width ÷ 1.96.
    """
    usable = [c for c in (*workflows, *campaigns) if c.incremental_revenue is not None]
    if not usable:
        why = [f"{c.key}: {c.reason}" for c in (*workflows, *campaigns) if c.late and c.reason]
        reason = "; ".join(why[:3]) or "no workflow holdout or campaign control group"
        return Estimate.unavailable("holdouts", reason)
    value = sum(c.incremental_revenue or 0.0 for c in usable)
    var = sum(
        (((c.incremental_high or 0.0) - (c.incremental_low or 0.0)) / (2 * 1.959964)) ** 2
        for c in usable
    )
    low, high = normal_interval(value, math.sqrt(var))
    return Estimate(
        method="holdouts",
        value=value,
        se=math.sqrt(var),
        low=low,
        high=high,
        details={"experiments": len(usable)},
        design="sum of workflow-holdout and campaign-control lifts × revenue per conversion",
        assumptions=HOLDOUT_ASSUMPTIONS,
        diagnostics={"n": float(len(usable))},
    )


def incremental_revenue(
    ws: Workspace,
    fx: FxRates,
    adoption: pd.Timestamp,
    *,
    method: str = "auto",
    window_days: int = 180,
    end: pd.Timestamp | None = None,
    outcome: str = "won",
) -> ImpactResult:
    """Run the incrementality methods on the workspace and choose one (see module doc).

    ITS and DiD work on won revenue per *creation-month cohort* (:func:`won_revenue` with
    ``date="created"``): the effect of a CRM on win rates shows in the deals created after
    adoption, and a close-month series would also mix in the ramp-up of a history that starts
    empty. Cohorts still maturing (:func:`mature_until`) and months from ``end`` on are cut.

    The models run on one BLAS thread: their products are small (tens of columns), and a
    second thread spun more CPU than it saved, worst on shared cores (the deal-level parts of
    the large simulated company: 9.8 s with two threads at load 3, 2.7 s with one).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _estimate_all(ws, fx, adoption, method, window_days, end, outcome)


def _estimate_all(
    ws: Workspace,
    fx: FxRates,
    adoption: pd.Timestamp,
    method: str,
    window_days: int,
    end: pd.Timestamp | None,
    outcome: str,
) -> ImpactResult:
    """:func:`incremental_revenue`'s work, on whatever BLAS threads the caller allows."""
    cut = mature_until(ws)
    if end is not None:
        cut = end if cut is None else min(cut, end)
    series = monthly_series(won_revenue(ws, fx, date="created"))
    if cut is not None:
        series = series[series.index < cut]
    its = (
        interrupted_time_series(series, adoption)
        if len(series)
        else Estimate.unavailable("interrupted_time_series", "no won deals")
    )
    did = did_estimate(ws, fx, adoption, end=cut)
    parts = deal_level_estimate(ws, fx, adoption, end=cut)
    staggered = staggered_estimate(ws, fx, adoption, end=cut)
    synthetic = pilot_estimate(ws, fx, end=cut)
    workflows = workflow_holdouts(ws, fx, window_days, outcome)
    campaigns = campaign_controls(ws, fx, window_days, outcome)
    holdouts = holdout_total(workflows, campaigns)
    estimates = {
        "parts": parts,
        "synthetic": synthetic,
        "staggered": staggered,
        "did": did,
        "its": its,
        "holdouts": holdouts,
    }
    chosen, why = choose(estimates, method)
    return ImpactResult(chosen, estimates, tuple(workflows), tuple(campaigns), cut, why)
