"""Incremental revenue of a holdout test as conversion lift × revenue per conversion.

For treated group 1 and control group 0 with ``n`` contacts, ``C`` converting contacts and
revenue sum ``R`` each, the treated group's extra revenue is

    (p1 − p0) × r̄ × n1,   r̄ = (R1 + R0) ÷ (C1 + C0),

the conversion lift valued at the pooled revenue per converting contact. **Assumption:** the
workflow or campaign changes *whether* a contact converts, not what a conversion is worth, so
both groups' converting contacts estimate the same r̄. This is the usual "lift × value per
conversion" reading, and far more precise than the difference of revenue per contact
``(m1 − m0) × n1``: that difference carries the variance of every deal size in each group,
most of all the small control group's, while here deal sizes enter only through r̄, which
pools every conversion of both groups. With a lognormal deal size of log-sd σ and a small lift
the difference's variance is about (e^σ² − p) ÷ (1 − p) times this one's (σ = 1.5, p = 0.27:
12.6, an interval 3.6 times wider); simulated, Welch's interval came out 2.9 times as wide, and
covered the truth less often (92 % against 95 %), its sample variance being mostly too small.

95 % interval by the delta method, with Var(r̄) = s² ÷ (C1 + C0), s² the sample variance of
revenue among converting contacts (non-converters have revenue 0, so the sums over all
contacts are the sums over converters), and r̄ independent of the conversion counts:

    Var(effect per treated contact) = r̄² · Var(p1 − p0) + (p1 − p0)² · Var(r̄).

The lift's centre and variance are Agresti & Caffo's (one success and one failure added to each
group), the same as the lift interval of :func:`crmroi.impact.holdout.compare`: when every
conversion is worth the same the revenue interval is exactly the lift interval × r̄ × n1, and a
small control without conversions keeps an honest width (its Wald variance would be 0).

With no converting contact in either group there is no value to put on the lift; with one, r̄
is a single deal and its spread unknown: both give no estimate and say why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scipy import stats

from crmroi.impact.estimate import Z95

if TYPE_CHECKING:
    from crmroi.impact.holdout import GroupStats

MIN_CONVERSIONS = 2
"""Converting contacts (both groups together) needed for r̄ and its sample variance."""


@dataclass(frozen=True)
class RatioEstimate:
    """Incremental revenue with its 95 % interval, or the reason it does not exist."""

    value: float | None
    low: float | None
    high: float | None
    reason: str | None
    value_p_value: float | None
    """Welch's p-value that revenue per converting contact differs between the groups."""


def ratio_incremental(treated: GroupStats, control: GroupStats) -> RatioEstimate:
    """``(p1 − p0) × r̄ × n1`` with its delta-method interval (formulas in the module doc)."""
    converted = treated.conversions + control.conversions
    if converted < MIN_CONVERSIONS:
        why = (
            "no contact converted in either group: no revenue per conversion to value the lift"
            if converted == 0
            else "one converting contact: too few to value a conversion and its spread"
        )
        return RatioEstimate(None, None, None, why, None)
    per_conversion = (treated.revenue + control.revenue) / converted
    spread = _variance(treated.revenue_sq + control.revenue_sq, per_conversion, converted)
    a1 = (treated.conversions + 1) / (treated.n + 2)
    a0 = (control.conversions + 1) / (control.n + 2)
    lift_var = a1 * (1 - a1) / (treated.n + 2) + a0 * (1 - a0) / (control.n + 2)
    centre = a1 - a0
    se = treated.n * math.sqrt(per_conversion**2 * lift_var + centre**2 * spread / converted)
    mid = centre * per_conversion * treated.n
    return RatioEstimate(
        value=(treated.rate - control.rate) * per_conversion * treated.n,
        low=mid - Z95 * se,
        high=mid + Z95 * se,
        reason=None,
        value_p_value=_value_test(treated, control),
    )


def _variance(sum_sq: float, mean: float, count: int) -> float:
    """Sample variance from a sum of squares and the mean (rounding can make it slightly < 0)."""
    return max((sum_sq - count * mean**2) / (count - 1), 0.0)


def _value_test(treated: GroupStats, control: GroupStats) -> float | None:
    """Welch's two-sided p-value for revenue per converting contact, treated vs control."""
    c1, c0 = treated.conversions, control.conversions
    if c1 < MIN_CONVERSIONS or c0 < MIN_CONVERSIONS:
        return None
    v1, v0 = treated.revenue / c1, control.revenue / c0
    a = _variance(treated.revenue_sq, v1, c1) / c1
    b = _variance(control.revenue_sq, v0, c0) / c0
    if a + b == 0:
        return None
    dof = (a + b) ** 2 / (a**2 / (c1 - 1) + b**2 / (c0 - 1))
    return float(2 * stats.t.sf(abs(v1 - v0) / math.sqrt(a + b), dof))
