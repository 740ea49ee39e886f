"""What a newly won customer is worth, from BG/NBD + Gamma-Gamma, when the orders allow it.

``ltv_to_cac`` compares the cost of winning a customer with what that customer brings in. The
simple LTV (ARPA × margin ÷ churn) needs a churn rate, which non-contractual buyers (shops,
distributors) never report: they just stop buying. For them the probabilistic model answers
better, so the KPI uses it whenever the data fit the model's assumptions:

* the revenue is mostly non-contractual (under half of the purchase revenue is ``subscription``);
* enough customers bought again (repeat buyers identify the dropout and spend parameters);
* both fits are proper: Gamma-Gamma's mean spend exists (q > 1) and no BG/NBD parameter ran to
  the search bound, which is how a model that does not fit shows itself.

A new customer is one at their first purchase (x = t_x = T = 0): their value is that purchase
plus the expected repeat purchases of each later week, E[X(k)] − E[X(k−1)] (Fader, Hardie & Lee
2005, eq. 9), discounted, all at the Gamma-Gamma population mean spend p·v ÷ (q − 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from crmroi.engagement import bgnbd
from crmroi.engagement.clv import MONTHLY_DISCOUNT_RATE, ClvFit, fit_clv, rate_per_unit
from crmroi.engagement.purchases import Customer, customer_orders
from crmroi.engagement.summary import TimeUnit, purchase_summary
from crmroi.errors import AnalysisError

if TYPE_CHECKING:
    from crmroi.workspace import Workspace

SEARCH_BOUND = math.exp(19.0)
"""A BG/NBD parameter this large sits at the fit's search bound (e^20): the model did not fit."""


@dataclass(frozen=True)
class NewCustomerValue:
    """The probabilistic value of a new customer, or why the data do not allow one."""

    value: float | None
    reason: str
    fit: ClvFit | None = None


def new_customer_value(fit: ClvFit, *, horizon_weeks: float, weekly_discount: float) -> float:
    """Discounted expected revenue of a customer at their first purchase (fit in weeks)."""
    gg = fit.gamma_gamma
    if gg is None or gg.q <= 1:
        raise AnalysisError("the mean spend needs a Gamma-Gamma fit with q > 1")
    mean_spend = gg.p * gg.v / (gg.q - 1)
    weeks = np.arange(0, max(1, round(horizon_weeks)) + 1, dtype=np.float64)
    cumulative = bgnbd.expected_purchases(fit.bgnbd, weeks)
    repeat = np.diff(cumulative) / (1 + weekly_discount) ** weeks[1:]
    return float(mean_spend * (1.0 + repeat.sum()))


def probabilistic_new_customer_value(
    ws: Workspace,
    *,
    end: date,
    horizon_months: float,
    min_repeat_customers: int,
    customer: Customer | None = None,
) -> NewCustomerValue:
    """Fit on the purchases up to ``end`` and value a new customer, if the data allow it.

    The customer is the account, or the contact when no order names an account (shops), as in
    the KPI engine's reading of ``orders``.
    """
    if customer is None:
        orders = ws.table("orders")
        accounts = orders.account_id.notnull().any().to_pandas()
        customer = Customer.account if accounts else Customer.contact
    rows = customer_orders(ws, customer, purchases_only=True)
    rows = rows.filter(rows.occurred_at < end + timedelta(days=1))
    totals = rows.aggregate(
        total=rows.amount.sum(),
        subscription=rows.amount.sum(where=rows.kind == "subscription"),
    ).to_pandas()
    total = float(totals["total"].fillna(0.0).iloc[0])
    if total <= 0:
        return NewCustomerValue(None, "no purchases to fit")
    subscription = float(totals["subscription"].fillna(0.0).iloc[0])
    if subscription >= total / 2:
        return NewCustomerValue(
            None, "mostly subscription revenue: contractual, so BG/NBD does not apply"
        )
    summary = purchase_summary(ws, customer=customer, time_unit=TimeUnit.week, observation_end=end)
    repeaters = int((summary["frequency"] > 0).sum())
    if repeaters < min_repeat_customers:
        return NewCustomerValue(
            None, f"{repeaters} repeat buyers, fewer than the {min_repeat_customers} needed"
        )
    fit = fit_clv(summary)
    params = fit.bgnbd.as_dict().values()
    if any(p >= SEARCH_BOUND for p in params):
        return NewCustomerValue(None, "the BG/NBD fit is degenerate", fit)
    if fit.gamma_gamma is None or fit.gamma_gamma.q <= 1:
        return NewCustomerValue(None, "the Gamma-Gamma mean spend is undefined (q ≤ 1)", fit)
    weeks = horizon_months * TimeUnit.month.days / TimeUnit.week.days
    weekly = rate_per_unit(MONTHLY_DISCOUNT_RATE, TimeUnit.week)
    value = new_customer_value(fit, horizon_weeks=weeks, weekly_discount=weekly)
    return NewCustomerValue(value, "BG/NBD + Gamma-Gamma", fit)
