"""Monthly benefits and costs of one benefit basis, and the financial figures they give.

This is the one place where benefit meets cost: :func:`evaluate` turns a :class:`CashFlows`
(revenue, optional productivity and cost by category, per month of the window) into every
headline figure. The sensitivity analysis calls it again with perturbed inputs, so the what-ifs
and the headline can never disagree on a formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from crmroi.roi import finance
from crmroi.roi.finance import Figure

Vector = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CashFlows:
    """Per-month flows of the window, in the reporting currency.

    ``revenue`` is the basis's revenue (before margin), ``productivity`` the optional
    hours-saved line, ``costs`` a category × month matrix (cash basis) whose rows follow
    ``categories``; ``initial`` is the part of the costs that is the initial investment.
    """

    revenue: Vector
    productivity: Vector
    costs: npt.NDArray[np.float64]
    categories: tuple[str, ...]
    initial: float

    def scaled(
        self,
        *,
        revenue: float = 1.0,
        cost_factors: Mapping[str, float] | None = None,
    ) -> CashFlows:
        """A copy with revenue multiplied by ``revenue`` and cost rows by their factors."""
        factors = np.array([(cost_factors or {}).get(c, 1.0) for c in self.categories])
        initial_share = self._initial_factor(factors)
        return replace(
            self,
            revenue=self.revenue * revenue,
            costs=self.costs * factors[:, None],
            initial=self.initial * initial_share,
        )

    def _initial_factor(self, factors: npt.NDArray[np.float64]) -> float:
        # the initial investment scales with the cost rows it sits in, weighted by their size
        total = float(self.costs.sum())
        if total <= 0:
            return 1.0
        return float((self.costs.sum(axis=1) * factors).sum() / total)


@dataclass(frozen=True)
class Figures:
    """Headline figures of one basis (money in the reporting currency)."""

    revenue: float
    gross_profit: float
    productivity: float
    benefit: float
    total_cost: float
    roi_pct: Figure
    payback_months: Figure
    npv: float
    irr: Figure
    nucleus_roi_pct: Figure

    def to_dict(self) -> dict[str, Any]:
        """Plain values; a missing figure is None with ``<name>_reason`` beside it."""
        out: dict[str, Any] = {
            "revenue": self.revenue,
            "gross_profit": self.gross_profit,
            "productivity": self.productivity,
            "benefit": self.benefit,
            "total_cost": self.total_cost,
            "npv": self.npv,
        }
        for name in ("roi_pct", "payback_months", "irr", "nucleus_roi_pct"):
            fig: Figure = getattr(self, name)
            out[name] = fig.value
            out[f"{name}_reason"] = fig.reason
            if fig.note:
                out[f"{name}_note"] = fig.note
        # IRR in percent, to sit beside ROI in percent (``irr`` stays a yearly fraction)
        out["irr_pct"] = self.irr.value * 100.0 if self.irr.value is not None else None
        return out


def evaluate(flows: CashFlows, *, margin: float, discount_rate: float) -> Figures:
    """Every headline figure from monthly flows (formulas in :mod:`crmroi.roi.finance`).

    Benefit per month = revenue × margin + productivity. ROI is the brief's
    ``(benefit − cost) ÷ cost × 100``; payback, NPV (TEI: initial investment at time 0,
    yearly flows discounted at ``discount_rate``) and IRR use the monthly flows, cash basis.
    """
    benefit = flows.revenue * margin + flows.productivity
    cost = flows.costs.sum(axis=0)
    total_benefit, total_cost = float(benefit.sum()), float(cost.sum())
    yearly = finance.annual_flows(benefit, cost, flows.initial)
    return Figures(
        revenue=float(flows.revenue.sum()),
        gross_profit=float(flows.revenue.sum() * margin),
        productivity=float(flows.productivity.sum()),
        benefit=total_benefit,
        total_cost=total_cost,
        roi_pct=finance.simple_roi(total_benefit, total_cost),
        payback_months=finance.payback_months(benefit, cost),
        npv=finance.npv(discount_rate, yearly),
        irr=finance.irr(yearly, discount_rate),
        nucleus_roi_pct=finance.nucleus_roi(benefit, flows.initial),
    )
