"""One finding: a weak spot of the CRM or its use, with the money at stake and what to do.

Every detector returns these; :func:`rank` orders them by expected money (money at stake ×
confidence), so the list reads top-down as "what to fix first".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = (
    "campaign_roi",
    "workflow_lift",
    "stage",
    "adoption",
    "neglected_deals",
    "data_quality",
    "engagement",
    "churn_risk",
    "target_gap",
    "unused_seats",
)
"""The kinds a finding can be (issue 12); a report or alert groups by these."""

Evidence = Mapping[str, float | int | str | None]


@dataclass(frozen=True)
class Finding:
    """A weak spot: what it concerns, what it is worth, how sure we are and what to do."""

    kind: str
    subject: str
    """The user, team, campaign, field … as named in the data."""
    money_at_stake: float
    currency: str
    confidence: float
    """0–1: how sure the detector is that the money is really at stake."""
    evidence: Evidence = field(default_factory=dict)
    """The figures behind the finding, so a reader can check it."""
    action: str = ""
    title: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} is not in [0, 1]")
        # in cents: the engine sums in parallel, so the same data can differ in the last bits
        # (2,093,202.24 and 2,093,202.2399999998), which must not make two runs disagree
        object.__setattr__(self, "money_at_stake", round(float(self.money_at_stake), 2))

    @property
    def id(self) -> str:
        """Stable across runs on the same data: kind and subject."""
        return f"{self.kind}:{self.subject}"

    @property
    def expected_money(self) -> float:
        """Money at stake × confidence: the ranking key."""
        return self.money_at_stake * self.confidence

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``crmroi findings --format json``."""
        return {
            "id": self.id,
            "kind": self.kind,
            "subject": self.subject,
            "money_at_stake": round(self.money_at_stake, 2),
            "currency": self.currency,
            "confidence": round(self.confidence, 4),
            "evidence": dict(self.evidence),
            "action": self.action,
            "title": self.title,
        }


def rank(findings: Iterable[Finding]) -> list[Finding]:
    """Largest expected money first; ties by id so the order is stable."""
    return sorted(findings, key=lambda f: (-f.expected_money, f.id))
