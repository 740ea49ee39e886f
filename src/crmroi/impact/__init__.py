"""Incrementality: revenue the CRM added, not just revenue it touched (REFERENCE.md §4.7).

Methods: interrupted time series around adoption (:mod:`.its`), difference-in-differences
against low-adoption reps or later teams (:mod:`.did`), workflow holdouts and campaign control
groups (:mod:`.holdout`). Each returns an :class:`Estimate` with a 95 % interval.
"""

from __future__ import annotations

from crmroi.impact.adoption import Adoption, adoption_date, resolve_adoption
from crmroi.impact.did import did_estimate, difference_in_differences
from crmroi.impact.estimate import Estimate
from crmroi.impact.holdout import (
    Comparison,
    GroupStats,
    campaign_controls,
    compare,
    workflow_holdouts,
)
from crmroi.impact.incremental import ImpactResult, holdout_total, incremental_revenue
from crmroi.impact.its import interrupted_time_series
from crmroi.impact.series import monthly_series, won_revenue

__all__ = [
    "Adoption",
    "Comparison",
    "Estimate",
    "GroupStats",
    "ImpactResult",
    "adoption_date",
    "campaign_controls",
    "compare",
    "did_estimate",
    "difference_in_differences",
    "holdout_total",
    "incremental_revenue",
    "interrupted_time_series",
    "monthly_series",
    "resolve_adoption",
    "won_revenue",
    "workflow_holdouts",
]
