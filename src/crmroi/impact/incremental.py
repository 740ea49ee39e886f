"""Revenue incremental to the CRM: run every method the data allows and pick one.

Order of preference with ``method="auto"`` (REFERENCE.md §4.7): difference-in-differences
(needs a comparison group of reps or teams), then the interrupted time series (needs history
before adoption), then the sum of workflow holdout and campaign control lifts (needs holdouts; it
covers only the contacts in those experiments, so it is a lower bound on the CRM's effect).

Why DiD first: its month effects absorb seasonality and trend, which the time series must
extrapolate from the pre-adoption months. Measured on the synthetic company (planted uplift,
``tests/roi/test_synth.py``): on 8 small companies (~230 deals each) the DiD interval covered the
planted uplift 8 times and the ITS interval 4 times; on 6 medium ones (~5,600 deals) both 6.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from crmroi.impact.did import did_estimate
from crmroi.impact.estimate import Estimate, normal_interval
from crmroi.impact.holdout import Comparison, campaign_controls, workflow_holdouts
from crmroi.impact.its import interrupted_time_series
from crmroi.impact.series import mature_until, monthly_series, won_revenue
from crmroi.roi.fx import FxRates
from crmroi.workspace import Workspace

METHODS = ("did", "its", "holdouts")


@dataclass(frozen=True)
class ImpactResult:
    """Every incrementality estimate, the chosen one, and the per-unit comparisons."""

    chosen: Estimate
    estimates: dict[str, Estimate]
    workflows: tuple[Comparison, ...]
    campaigns: tuple[Comparison, ...]
    mature_until: pd.Timestamp | None = None
    """First creation month left out of ITS and DiD (cohort still maturing, or the window end)."""


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
    """
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
    workflows = workflow_holdouts(ws, fx, window_days, outcome)
    campaigns = campaign_controls(ws, fx, window_days, outcome)
    holdouts = holdout_total(workflows, campaigns)
    estimates = {"did": did, "its": its, "holdouts": holdouts}
    if method == "auto":
        chosen = next((e for e in estimates.values() if e.ok), its)
    elif method in estimates:
        chosen = estimates[method]
    else:
        raise ValueError(f"unknown incremental method {method!r}; use auto, {', '.join(METHODS)}")
    return ImpactResult(chosen, estimates, tuple(workflows), tuple(campaigns), cut)
