"""Settings of an ROI analysis: horizon, discount rate, margin, currency, scenarios.

Every default is a published convention (REFERENCE.md §4): a three-year horizon and a 10 % yearly
discount rate as in Forrester TEI and the Nucleus three-year average; a margin of 1 so that, unless
told otherwise, the numerator is revenue as in the brief's formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Literal

from crmroi.errors import ConfigError

Basis = Literal["touched", "attributed", "incremental"]
BASES: tuple[Basis, ...] = ("touched", "attributed", "incremental")
BasisChoice = Literal["auto", "touched", "attributed", "incremental"]
STRONGEST_FIRST: tuple[Basis, ...] = ("incremental", "attributed", "touched")
"""``basis = "auto"`` takes the first of these the data supports."""
IncrementalMethod = Literal["auto", "parts", "staggered", "synthetic", "its", "did", "holdouts"]
HoldoutOutcome = Literal["won", "opportunity"]
MmmOutcome = Literal["revenue", "deals", "leads"]


@dataclass(frozen=True)
class Scenario:
    """A what-if: multiply the benefit, cost lines, adoption or change margin/discount rate.

    ``adoption`` is a target share of seats in active use (0–1); the benefit is scaled by
    ``adoption / current adoption``, i.e. assumed proportional to active use (a linear, optimistic
    assumption stated in ``docs/roi.md``).
    """

    name: str
    benefit_factor: float = 1.0
    cost_factors: Mapping[str, float] = field(default_factory=dict)
    adoption: float | None = None
    margin: float | None = None
    discount_rate: float | None = None


DEFAULT_SCENARIOS: tuple[Scenario, ...] = (
    Scenario("adoption reaches 90 %", adoption=0.9),
    Scenario("licence price +20 %", cost_factors={"licence": 1.2}),
)


@dataclass(frozen=True)
class RoiSettings:
    """Everything an ROI analysis can be told; every field has a documented default."""

    basis: BasisChoice = "auto"
    """Headline basis; ``auto``: the strongest the data supports (:data:`STRONGEST_FIRST`)."""
    horizon_months: int | None = None
    """Window length in months; default: from ``start`` through the last month with a won deal.

    Benefits are never extrapolated beyond the data, so a window longer than the data counts
    costs for months whose benefit is unknown (zero). Nucleus and TEI use three years (36).
    """
    start: datetime | None = None
    """First month of the window; default: the earlier of the adoption month and the first cost."""
    discount_rate: float = 0.10
    """Yearly discount rate for NPV (Forrester TEI default 10 %)."""
    margin: float = 1.0
    """Gross margin applied to revenue (1: the brief's revenue-based ROI)."""
    currency: str | None = None
    """Reporting currency; default: the cost ledger's currency when it uses exactly one."""
    fx_rates: Mapping[str, float] = field(default_factory=dict)
    """Units of reporting currency per one unit of each other currency."""
    adoption_date: datetime | None = None
    """Go-live of the CRM; default: the earliest ``users.active_from``, else the first licence
    cost line, else the first cost line (:mod:`crmroi.impact.adoption`)."""
    amortisation_months: int = 0
    """Spread each one-off cost over this many months in the amortised view (0: cash basis)."""
    incremental_method: IncrementalMethod = "auto"
    conversion_window_days: int = 180
    """A holdout/control contact converts if it converts within this many days (B2B cycles)."""
    holdout_outcome: HoldoutOutcome = "opportunity"
    """``opportunity``: a deal created in the window (its revenue is what it wins, whenever);
    ``won``: a won deal closed in it. Campaigns and workflows act on leads becoming
    opportunities, which are about three times as many as won deals, so a holdout shows a
    lift there with a third of the contacts; won deals of long cycles close after the window."""
    attribution_model: str = "data_driven"
    attribution_lookback_days: int = 90
    attribution_bootstrap: int = 200
    mmm_outcome: MmmOutcome = "leads"
    """Weekly outcome the marketing-mix model explains for channels known only by their spend
    (``channel_spend``): ``leads``, ``deals`` (won) or ``revenue`` (won); counts are valued at
    the won revenue per lead or per deal (:mod:`crmroi.mmm.weekly`)."""
    mmm_bootstrap: int = 500
    """Bootstrap replicates of the marketing-mix model's intervals."""
    hours_saved_per_user_month: float = 0.0
    """Optional productivity benefit: hours saved per active user and month."""
    loaded_hourly_cost: float = 0.0
    """Loaded cost of one hour of a user's time, in the reporting currency."""
    monte_carlo_draws: int = 4000
    tornado_swing: float = 0.2
    """Relative swing of each cost line in the tornado (±20 %)."""
    scenarios: tuple[Scenario, ...] = DEFAULT_SCENARIOS
    seed: int = 0

    def __post_init__(self) -> None:
        problems = []
        if self.basis not in ("auto", *BASES):
            problems.append(f"basis must be auto or one of {', '.join(BASES)}, not {self.basis!r}")
        if self.horizon_months is not None and self.horizon_months < 1:
            problems.append("horizon_months must be at least 1")
        if not -1.0 < self.discount_rate < 10.0:
            problems.append("discount_rate is a yearly fraction, e.g. 0.1 for 10 %")
        if not 0.0 <= self.margin <= 1.0:
            problems.append("margin is a fraction between 0 and 1")
        if self.holdout_outcome not in ("won", "opportunity"):
            problems.append("holdout_outcome must be won or opportunity")
        if self.mmm_outcome not in ("leads", "deals", "revenue"):
            problems.append("mmm_outcome must be leads, deals or revenue")
        if self.mmm_bootstrap < 0:
            problems.append("mmm_bootstrap cannot be negative")
        if self.amortisation_months < 0:
            problems.append("amortisation_months cannot be negative")
        if any(rate <= 0 for rate in self.fx_rates.values()):
            problems.append("fx_rates must be positive")
        if problems:
            raise ConfigError("roi settings: " + "; ".join(problems))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> RoiSettings:
        """Build settings from a parsed ``[roi]`` TOML table; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"roi settings: unknown key(s) {', '.join(unknown)}")
        values = dict(data)
        if "scenarios" in values:
            values["scenarios"] = tuple(_scenario(s) for s in values["scenarios"])
        if "fx_rates" in values:
            values["fx_rates"] = {str(k).upper(): float(v) for k, v in values["fx_rates"].items()}
        return cls(**values)

    def with_overrides(self, **changes: Any) -> RoiSettings:
        """A copy with the non-None ``changes`` applied (used by the CLI options)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _scenario(data: Mapping[str, Any] | Scenario) -> Scenario:
    if isinstance(data, Scenario):
        return data
    try:
        return Scenario(**data)
    except TypeError as exc:
        raise ConfigError(f"roi scenario {data!r}: {exc}") from exc
