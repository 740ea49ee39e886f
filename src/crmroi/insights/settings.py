"""Thresholds of the findings detectors (``[findings]`` in ``crmroi.toml``)."""

from __future__ import annotations

from dataclasses import dataclass

from crmroi.errors import ConfigError


@dataclass(frozen=True)
class FindingsSettings:
    """When a detector speaks up; every default is explained in ``docs/findings.md``."""

    neglect_gap_quantile: float = 0.9
    """An open deal is neglected when its idle time exceeds this quantile of the gaps between
    activities on the deals of its owner's team (the team's usual gap)."""

    neglect_min_days: float = 14.0
    """…and at least this many days (the KPI ``neglected_deals`` default), so a team that logs
    something daily does not flag a deal after two quiet days."""

    neglect_min_gaps: int = 20
    """Gaps a team needs before its own quantile is used; fewer: the company's gaps."""

    quality_min_share: float = 0.02
    """A missing field is reported when it is empty on more than this share of the deals it
    applies to."""

    duplicate_min_share: float = 0.0
    """Duplicate contacts are reported when more than this share of the contacts with an
    e-mail repeat an earlier one (0: any duplicate; every one splits a customer's history)."""

    unused_seat_days: float = 60.0
    """A licensed seat whose user has logged nothing (not even a login) for this many days is
    unused; the confidence reaches 1 at twice as many days."""

    adoption_window_days: int = 365
    """Days before the data's end over which activities and win rates of reps are compared."""

    adoption_low_ratio: float = 0.5
    """A rep is a low adopter when their activities per deal handled are below this share of
    the median rep's."""

    workflow_max_p_value: float = 0.05
    """A workflow whose lift over its holdout has a p-value above this (or is not positive) is
    reported: its effect is not distinguishable from zero."""

    stage_recent_days: int = 180
    """Stage entries of the last this many days are compared with…"""

    stage_history_days: int = 365
    """…the entries of this many days before them (the stage's own history)."""

    stage_min_drop: float = 0.10
    """A stage is reported when its conversion fell by more than this (absolute share)…"""

    stage_time_growth: float = 1.5
    """…or its mean time in stage grew by this factor or more."""

    stage_min_entries: int = 20
    """Entries (that have left the stage) each period needs before a stage is judged."""

    engagement_compare_days: int = 90
    """Engagement now is compared with engagement this many days before the data's end."""

    engagement_min_drop: float = 0.15
    """A segment is reported when its customers' mean engagement score fell by more than this
    share of its earlier value."""

    engagement_min_customers: int = 5
    """Customers a segment needs before it is judged."""

    churn_baseline_days: int = 180
    """A customer's usual rate of interactions is measured over this many days before the last
    ``engagement_compare_days``."""

    churn_min_drop: float = 0.5
    """A paying customer is at risk when their interactions of the last
    ``engagement_compare_days`` fell by at least this share of their usual rate…"""

    churn_max_p_value: float = 0.005
    """…and a one-sided Poisson test puts the chance of such a fall at most this."""

    churn_min_p_alive: float = 0.5
    """…and they are still alive by BG/NBD (P(alive) at least this): a customer already gone
    is a loss, not a risk."""

    def __post_init__(self) -> None:
        for name, low, high in _OPEN_RANGES:
            if not low < getattr(self, name) < high:
                raise ConfigError(f"{name} must lie between {low:g} and {high:g}")
        for name in _AT_LEAST_ONE:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1")
        for name in ("quality_min_share", "duplicate_min_share"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"{name} must lie in [0, 1)")
        if self.neglect_min_days < 0:
            raise ConfigError("neglect_min_days must not be negative")
        if self.unused_seat_days <= 0:
            raise ConfigError("unused_seat_days must be positive")
        if self.stage_time_growth <= 1.0:
            raise ConfigError("stage_time_growth must be above 1")


_OPEN_RANGES = tuple(
    (name, 0.0, 1.0)
    for name in (
        "neglect_gap_quantile",
        "adoption_low_ratio",
        "workflow_max_p_value",
        "stage_min_drop",
        "engagement_min_drop",
        "churn_min_drop",
        "churn_min_p_alive",
        "churn_max_p_value",
    )
)
"""Settings that must lie strictly between 0 and 1."""
_AT_LEAST_ONE = (
    "neglect_min_gaps",
    "adoption_window_days",
    "stage_recent_days",
    "stage_history_days",
    "stage_min_entries",
    "engagement_compare_days",
    "engagement_min_customers",
    "churn_baseline_days",
)
"""Counts and day spans that must be at least 1."""
