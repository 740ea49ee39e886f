"""Presets of the simulated company: which problems it plants for ``crmroi findings`` to find.

``default`` is the demo company with every weak spot the findings detectors look for: reps who
barely use the CRM (so their deals go quiet), duplicate contacts, campaigns and a workflow
without any effect (one of the campaigns tested against a control group), with spend-only
channels a print channel that returns less than a third of its spend, a sales stage that
broke in the last year, and customers whose engagement fades before they leave, some of them
still paying at the end (at risk), and a customer segment whose engagement falls. ``healthy``
is the same company with none of them: everybody uses the CRM and keeps a next step on every
open deal, every campaign and workflow has a real effect, no stage breaks, no contact is
entered twice and customers leave without warning signs (churn itself is normal business, not
a planted problem). Its workflows also keep holdouts sized to prove their lifts (half of the
eligible leads, against the default's 15 %) and lift as much as the best published
programmes (4–10 points, against the default's 0–2.5): a workflow whose holdout is too small
to show its effect is itself a weak spot that ``workflow_lift`` reports. Everything else,
sizes and seeds included, is shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crmroi.errors import InputError
from crmroi.synth.plan import HOLDOUT_SHARE


@dataclass(frozen=True)
class Preset:
    """The knobs that plant problems; see the module docstring."""

    name: str
    low_adoption_share: float
    """Share of reps who barely use the CRM (at least one when positive)."""
    duplicate_share: float
    """Share of contacts entered twice (same e-mail hash, a second contact id)."""
    decline_share: float
    """Share of eligible churning subscriptions whose engagement fades before they leave."""
    at_risk_share: float
    """Share of subscriptions still running at the horizon, and ending within the decline
    window after it, whose engagement is already fading (the customers at risk now)."""
    broken_stage: bool
    """From ``plan.BROKEN_FROM`` on, a share of the sales pipeline's deals that would have got
    past Proposal are lost there (``plan.BROKEN_LOSS``); the later stages keep their
    conversion, the win rate falls."""
    falling_segment: bool
    """Customers of ``plan.FALLING_SEGMENT`` engage less and less over the last months."""
    follow_up: bool
    """Every deal still open at the end had a call logged in the last week (nothing neglected:
    a rep's deal can otherwise sit idle past the team's usual gap by chance)."""
    flop_campaign: bool = False
    """A costly campaign without effect, run against a control group (:mod:`crmroi.synth.flop`):
    the one campaign loss a control group can prove."""
    channel_lift: dict[str, float] = field(default_factory=dict)
    """Mean campaign lift per channel where it differs from ``marketing.CHANNELS``."""
    workflow_lift: dict[str, float] = field(default_factory=dict)
    """Lift per workflow name where it differs from ``marketing.WORKFLOWS``."""
    holdout_share: float = HOLDOUT_SHARE
    """Share of each workflow's eligible leads kept out as its holdout group."""
    spend_roas: dict[str, float] = field(default_factory=dict)
    """Planted ROAS per spend-only channel where it differs from ``spend.SPEND_CHANNELS``
    (only with ``generate(..., spend_channels=True)``)."""


PRESETS: dict[str, Preset] = {
    "default": Preset(
        "default",
        low_adoption_share=0.25,
        duplicate_share=0.015,
        decline_share=0.8,
        at_risk_share=0.8,
        broken_stage=True,
        falling_segment=True,
        follow_up=False,
        flop_campaign=True,
    ),
    "healthy": Preset(
        "healthy",
        low_adoption_share=0.0,
        duplicate_share=0.0,
        decline_share=0.0,
        at_risk_share=0.0,
        broken_stage=False,
        falling_segment=False,
        follow_up=True,
        channel_lift={"display": 0.015},
        workflow_lift={
            "Lead nurture": 0.04,
            "Demo request follow-up": 0.06,
            "Event follow-up": 0.10,
            "Win-back sequence": 0.05,
        },
        holdout_share=0.5,
        spend_roas={"print": 1.8},
    ),
}
"""Preset name → preset; ``default`` keeps the demo company as it always was."""


def preset(name: str) -> Preset:
    """The preset called ``name``, with a clear error naming the choices."""
    if name not in PRESETS:
        raise InputError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]
