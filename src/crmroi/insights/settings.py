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

    def __post_init__(self) -> None:
        if not 0.0 < self.neglect_gap_quantile < 1.0:
            raise ConfigError("neglect_gap_quantile must lie between 0 and 1")
        if self.neglect_min_days < 0:
            raise ConfigError("neglect_min_days must not be negative")
        if self.neglect_min_gaps < 1:
            raise ConfigError("neglect_min_gaps must be at least 1")
        if not 0.0 <= self.quality_min_share < 1.0:
            raise ConfigError("quality_min_share must lie in [0, 1)")
        if self.adoption_window_days < 1:
            raise ConfigError("adoption_window_days must be at least 1")
        if not 0.0 < self.adoption_low_ratio < 1.0:
            raise ConfigError("adoption_low_ratio must lie between 0 and 1")
        if self.unused_seat_days <= 0:
            raise ConfigError("unused_seat_days must be positive")
        if not 0.0 <= self.duplicate_min_share < 1.0:
            raise ConfigError("duplicate_min_share must lie in [0, 1)")
