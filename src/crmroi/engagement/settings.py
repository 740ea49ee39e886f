"""Settings of the engagement score: how much each interaction and each component counts.

The defaults are reasoned in ``docs/engagement.md``; every business should revisit them. Kinds of
interaction are named ``<source>:<value>``: ``touch:<touchpoints.interaction>``,
``activity:<activities.type>``, ``web:session`` / ``web:engaged`` (GA4 engaged session) and
``survey:<survey_responses.survey>``. A kind with weight 0 is not an interaction at all (an e-mail
*delivered*, a CRM user's login, an internal note); a kind missing from the table gets
``default_weight``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from crmroi.errors import ConfigError

DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        # marketing touches: opening is cheap, clicking and filling a form are intent
        "touch:delivered": 0.0,
        "touch:sent": 0.0,
        "touch:open": 1.0,
        "touch:click": 3.0,
        "touch:visit": 1.0,
        "touch:ad_click": 1.0,
        "touch:form": 5.0,
        "touch:reply": 4.0,
        "touch:support": 3.0,
        "touch:chat": 3.0,
        # CRM activities logged by people: a meeting is the deepest touch
        "activity:meeting": 8.0,
        "activity:call": 4.0,
        "activity:email": 2.0,
        "activity:support": 3.0,
        "activity:ticket": 3.0,
        "activity:task": 0.0,
        "activity:note": 0.0,
        "activity:login": 0.0,
        # web analytics and surveys
        "web:session": 1.0,
        "web:engaged": 2.0,
        "survey:nps": 4.0,
        "survey:csat": 4.0,
        "survey:ces": 4.0,
    }
)


@dataclass(frozen=True)
class EngagementSettings:
    """Weights and scales of the engagement score (see :mod:`crmroi.engagement.score`)."""

    half_life_days: float = 30.0
    """An interaction's weight halves every this many days (frequency and depth)."""
    recency_half_life_days: float = 30.0
    """The recency component is 100 · 2^(−days since last interaction / this)."""
    lookback_days: int = 365
    """Interactions older than this are ignored (at a 30-day half-life they weigh < 0.03 %)."""
    weight_recency: float = 0.35
    weight_frequency: float = 0.30
    weight_depth: float = 0.35
    frequency_midpoint: float = 4.0
    """Decayed number of interactions that gives a frequency component of 50."""
    depth_midpoint: float = 12.0
    """Decayed interaction points (Σ weight · decay) that give a depth component of 50."""
    interaction_weights: Mapping[str, float] = field(default_factory=lambda: DEFAULT_WEIGHTS)
    default_weight: float = 0.5
    """Points of an interaction kind that is not in ``interaction_weights``."""
    exclude_automated: bool = True
    """Leave out activities an automation logged (``activities.automated``)."""

    def __post_init__(self) -> None:
        weights = (self.weight_recency, self.weight_frequency, self.weight_depth)
        if any(w < 0 for w in weights) or abs(sum(weights) - 1.0) > 1e-9:
            raise ConfigError(
                "engagement component weights must be ≥ 0 and sum to 1, got "
                f"recency {weights[0]}, frequency {weights[1]}, depth {weights[2]}"
            )
        positive = (
            self.half_life_days,
            self.recency_half_life_days,
            self.lookback_days,
            self.frequency_midpoint,
            self.depth_midpoint,
        )
        if any(v <= 0 for v in positive):
            raise ConfigError("engagement half-lives, lookback and midpoints must be positive")
        if any(w < 0 for w in self.interaction_weights.values()) or self.default_weight < 0:
            raise ConfigError("interaction weights must be ≥ 0")
        object.__setattr__(
            self, "interaction_weights", MappingProxyType(dict(self.interaction_weights))
        )
