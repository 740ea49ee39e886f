"""Uncertainty and what-ifs: Monte Carlo ROI, a one-at-a-time tornado, and named scenarios.

Everything re-runs :func:`crmroi.roi.cashflows.evaluate` on perturbed :class:`CashFlows`, so a
what-if uses exactly the headline's formulas.

* **Monte Carlo.** The benefit estimate's revenue is drawn from ``Normal(value, se)`` (the
  estimate's own 95 % interval ÷ 3.92); ROI = (revenue × margin + productivity − cost) ÷ cost.
  Reported: the 2.5 and 97.5 percentiles (``roi_pct_low``/``roi_pct_high``) and the share of
  draws with ROI > 0; nothing when the revenue has no uncertainty (SE 0: a count), where an
  "interval" of one point and P(ROI > 0) = 100 % would suggest a certainty nobody measured.
  Costs are taken as known (a ledger is a record, not an estimate).
* **Tornado.** One input at a time moves to a low and a high value — each cost category ×(1 ∓
  swing), the uplift to its interval bounds (± swing without one), the margin × (1 ∓ swing), the
  discount rate ± 5 points — and NPV and ROI are recomputed; rows sort by the NPV swing.
* **Scenarios** from the settings (:class:`~crmroi.roi.settings.Scenario`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from crmroi.roi.cashflows import CashFlows, Figures, evaluate
from crmroi.roi.settings import Scenario

RATE_STEP = 0.05


@dataclass(frozen=True)
class MonteCarlo:
    """ROI distribution from the benefit's uncertainty (percent)."""

    draws: int
    roi_pct_low: float | None
    roi_pct_high: float | None
    prob_roi_positive: float | None
    reason: str | None = None


def monte_carlo(
    flows: CashFlows,
    *,
    revenue_se: float,
    margin: float,
    draws: int = 4000,
    seed: int = 0,
) -> MonteCarlo:
    """Percentile interval of ROI and P(ROI > 0) when revenue ~ Normal(total, ``revenue_se``)."""
    cost = float(flows.costs.sum())
    if cost <= 0:
        return MonteCarlo(draws, None, None, None, "no cost recorded: ROI is undefined")
    if revenue_se <= 0:
        return MonteCarlo(
            draws, None, None, None, "no interval: this basis's revenue is a count, not an estimate"
        )
    revenue = float(flows.revenue.sum())
    sampled = np.random.default_rng(seed).normal(revenue, max(revenue_se, 0.0), size=draws)
    roi = (sampled * margin + float(flows.productivity.sum()) - cost) / cost * 100.0
    low, high = np.percentile(roi, [2.5, 97.5])
    return MonteCarlo(draws, float(low), float(high), float(np.mean(roi > 0)))


@dataclass(frozen=True)
class TornadoRow:
    """One input moved low and high: NPV and ROI at each end.

    ``low_setting``/``high_setting`` are in the input's own unit: a factor for cost lines, the
    revenue for the uplift, a fraction for margin and discount rate.
    """

    input: str
    low_setting: float
    high_setting: float
    npv_low: float
    npv_high: float
    roi_pct_low: float | None
    roi_pct_high: float | None

    @property
    def swing(self) -> float:
        """Absolute NPV range between the two ends."""
        return abs(self.npv_high - self.npv_low)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {**self.__dict__, "swing": self.swing}


def tornado(
    flows: CashFlows,
    *,
    margin: float,
    discount_rate: float,
    revenue_bounds: tuple[float, float] | None,
    swing: float = 0.2,
) -> list[TornadoRow]:
    """The one-at-a-time sensitivity of NPV and ROI (see the module docstring)."""

    def row(name: str, lo: float, hi: float, f_lo: Figures, f_hi: Figures) -> TornadoRow:
        return TornadoRow(name, lo, hi, f_lo.npv, f_hi.npv, f_lo.roi_pct.value, f_hi.roi_pct.value)

    def run(f: CashFlows, m: float = margin, r: float = discount_rate) -> Figures:
        return evaluate(f, margin=m, discount_rate=r)

    rows = []
    totals = flows.costs.sum(axis=1)
    for cat, total in zip(flows.categories, totals, strict=True):
        if total > 0:
            lo, hi = 1 - swing, 1 + swing
            rows.append(
                row(
                    f"cost: {cat}",
                    lo,
                    hi,
                    run(flows.scaled(cost_factors={cat: lo})),
                    run(flows.scaled(cost_factors={cat: hi})),
                )
            )
    revenue = float(flows.revenue.sum())
    if revenue_bounds is not None and revenue != 0 and revenue_bounds[0] != revenue_bounds[1]:
        lo, hi = revenue_bounds[0] / revenue, revenue_bounds[1] / revenue
    else:
        lo, hi = 1 - swing, 1 + swing
    low_run, high_run = run(flows.scaled(revenue=lo)), run(flows.scaled(revenue=hi))
    rows.append(row("uplift (revenue)", revenue * lo, revenue * hi, low_run, high_run))
    m_lo, m_hi = max(margin * (1 - swing), 0.0), min(margin * (1 + swing), 1.0)
    rows.append(row("margin", m_lo, m_hi, run(flows, m=m_lo), run(flows, m=m_hi)))
    r_lo, r_hi = max(discount_rate - RATE_STEP, 0.0), discount_rate + RATE_STEP
    rows.append(row("discount rate", r_lo, r_hi, run(flows, r=r_lo), run(flows, r=r_hi)))
    return sorted(rows, key=lambda r: r.swing, reverse=True)


@dataclass(frozen=True)
class ScenarioResult:
    """Headline figures under one scenario, and its change in NPV and ROI from the base."""

    name: str
    figures: Figures | None
    npv_change: float | None
    roi_pct_change: float | None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        base = self.figures.to_dict() if self.figures else {}
        return {
            "name": self.name,
            "roi_pct": base.get("roi_pct"),
            "npv": base.get("npv"),
            "payback_months": base.get("payback_months"),
            "total_cost": base.get("total_cost"),
            "benefit": base.get("benefit"),
            "npv_change": self.npv_change,
            "roi_pct_change": self.roi_pct_change,
            "reason": self.reason,
        }


def scenario(
    flows: CashFlows,
    spec: Scenario,
    *,
    base: Figures,
    margin: float,
    discount_rate: float,
    adoption_rate: float | None,
) -> ScenarioResult:
    """Apply one scenario: benefit × factor (× target/current adoption), cost rows × factors."""
    factor = spec.benefit_factor
    if spec.adoption is not None:
        if not adoption_rate:
            return ScenarioResult(spec.name, None, None, None, "no login data: adoption unknown")
        factor *= spec.adoption / adoption_rate
    changed = flows.scaled(revenue=factor, cost_factors=spec.cost_factors)
    productivity = changed.productivity * (factor if spec.adoption is not None else 1.0)
    changed = CashFlows(
        changed.revenue, productivity, changed.costs, changed.categories, changed.initial
    )
    figures = evaluate(
        changed,
        margin=spec.margin if spec.margin is not None else margin,
        discount_rate=spec.discount_rate if spec.discount_rate is not None else discount_rate,
    )
    roi_change = None
    if figures.roi_pct.value is not None and base.roi_pct.value is not None:
        roi_change = figures.roi_pct.value - base.roi_pct.value
    return ScenarioResult(spec.name, figures, figures.npv - base.npv, roi_change)
