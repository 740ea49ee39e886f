"""Customer lifetime value: what customers have been worth, and what they are expected to be worth.

Two views:

* **Historical CLV** (:func:`historical_clv_expr`): net revenue per customer to date, in the
  engine, with tenure and purchase occasions; plus the textbook shortcut
  :func:`simple_clv` = ARPU × gross margin ÷ churn rate (REFERENCE §3.3).
* **Probabilistic CLV** (:func:`fit_clv`, :func:`predict_clv`): BG/NBD for how many purchases
  (:mod:`crmroi.engagement.bgnbd`) times Gamma-Gamma for their value
  (:mod:`crmroi.engagement.gamma_gamma`), discounted per period exactly like lifetimes'
  ``GammaGammaFitter.customer_lifetime_value``:

      CLV = Σ_{k=1..n} E(M) · (E[Y(k·s)] − E[Y((k−1)·s)]) / (1 + d)^k

  with n discount periods of length s (in the summary's time unit) and discount rate d per
  period. lifetimes' quickstart (``time=12, discount_rate=0.01``) on the weekly CDNOW summary
  used ``freq="D"``, so its "months" are s = 30 weeks: customer 1 ≈ 140.096; with real months
  on weekly data s = 365.25/12/7 ≈ 4.35.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from crmroi.engagement import bgnbd, gamma_gamma
from crmroi.engagement.bgnbd import BGNBDParams
from crmroi.engagement.gamma_gamma import GammaGammaParams
from crmroi.engagement.purchases import Customer, customer_orders
from crmroi.engagement.summary import TimeUnit
from crmroi.errors import AnalysisError
from crmroi.workspace import Workspace


def historical_clv_expr(ws: Workspace, customer: Customer = Customer.account) -> ir.Table:
    """Per customer: net revenue to date (returns and cancellations subtracted), occasions, dates.

    Columns: customer, net_revenue, gross_revenue, occasions, first_purchase, last_purchase,
    tenure_days. Customers with only returns/cancellations are left out.
    """
    rows = customer_orders(ws, customer)
    per = rows.group_by("customer").aggregate(
        net_revenue=rows.amount.sum(),
        gross_revenue=rows.amount.sum(where=rows.purchase),
        occasions=rows.occurred_at.nunique(where=rows.purchase),
        first_purchase=rows.occurred_at.min(where=rows.purchase),
        last_purchase=rows.occurred_at.max(where=rows.purchase),
    )
    per = per.filter(per.occasions > 0)
    return per.mutate(
        tenure_days=per.last_purchase.date().delta(per.first_purchase.date(), unit="day")
    )


def simple_clv(arpu: float, churn_rate: float, gross_margin: float = 1.0) -> float:
    """CLV = ARPU × gross margin ÷ churn rate (per period; average lifetime = 1 ÷ churn).

    Example from REFERENCE §3.3: 50 × 0.70 ÷ 0.05 = 700.
    """
    if churn_rate <= 0:
        raise AnalysisError("simple CLV needs a churn rate above 0 (lifetime = 1 / churn)")
    return arpu * gross_margin / churn_rate


@dataclass(frozen=True)
class ClvFit:
    """BG/NBD and (where monetary values exist) Gamma-Gamma fitted on one summary."""

    bgnbd: BGNBDParams
    gamma_gamma: GammaGammaParams | None
    spend_frequency_correlation: float
    """corr(monetary_value, frequency) over repeat buyers; Gamma-Gamma assumes about 0."""
    n_customers: int
    n_repeat: int
    n_repeat_without_spend: int = 0
    """Repeat buyers left out of the Gamma-Gamma fit: their repeat purchases average ≤ 0."""

    @property
    def notes(self) -> tuple[str, ...]:
        """What the fit left out, and why (empty when it used every repeat buyer)."""
        n = self.n_repeat_without_spend
        if not n or self.gamma_gamma is None:
            return ()
        return (
            f"Gamma-Gamma was fitted on {self.n_repeat - n:,} of {self.n_repeat:,} repeat "
            f"customers: {n:,} whose repeat purchases average 0 or less (free or fully "
            "returned) are left out, as the model needs a positive spend; they are valued at "
            "the spend the model expects of a mean of 0 (the population mean shrunk by their "
            "purchase count)",
        )


def fit_clv(summary: pd.DataFrame) -> ClvFit:
    """Fit BG/NBD on every customer, Gamma-Gamma on the repeat buyers (if monetary_value given).

    Gamma-Gamma models a positive spend, so repeat buyers whose repeat purchases average 0 or
    less are left out of its fit (lifetimes' and Fader & Hardie's practice) and counted in
    ``n_repeat_without_spend``; :func:`predict_clv` still values them.
    """
    # customers sharing (x, t_x, T) contribute the same likelihood: fit once per distinct row
    distinct = summary.groupby(["frequency", "recency", "T"]).size().reset_index(name="n")
    params = bgnbd.fit(
        distinct["frequency"], distinct["recency"], distinct["T"], weights=distinct["n"]
    )
    repeat = summary[summary["frequency"] > 0]
    gg = None
    corr = float("nan")
    without_spend = 0
    if "monetary_value" in summary.columns:
        # Where the likelihood is flat (p and v trade off along a ridge), the engine's parallel
        # sums, which differ in the last bits from run to run, moved the optimum: the fit sees
        # each customer's total rounded to micro-units of the currency (a sum of amounts in
        # cents, so no total lies near a rounding boundary, where a mean over 32 or 64 orders
        # can), divided by the count, in a fixed order.
        spending = repeat[repeat["monetary_value"] > 0].assign(
            monetary_value=lambda frame: (
                (frame["monetary_value"] * frame["frequency"]).round(6) / frame["frequency"]
            )
        )
        spending = spending.sort_values(["frequency", "monetary_value"], kind="stable")
        without_spend = len(repeat) - len(spending)
        if len(spending) >= 3:
            gg = gamma_gamma.fit(spending["frequency"], spending["monetary_value"])
            corr = float(np.corrcoef(spending["monetary_value"], spending["frequency"])[0, 1])
    return ClvFit(params, gg, corr, len(summary), len(repeat), without_spend)


def discounted_value(
    params: BGNBDParams,
    expected_spend: np.ndarray,
    summary: pd.DataFrame,
    *,
    periods: int,
    discount_rate: float,
    period_length: float = 1.0,
) -> np.ndarray:
    """Σ_k spend · (E[Y(k·s)] − E[Y((k−1)·s)]) / (1+d)^k, as lifetimes computes CLV."""
    x, t_x, big_t = summary["frequency"], summary["recency"], summary["T"]
    value = np.zeros(len(summary))
    previous = np.zeros(len(summary))
    for k in range(1, periods + 1):
        current = bgnbd.conditional_expected_purchases(params, k * period_length, x, t_x, big_t)
        value += expected_spend * (current - previous) / (1 + discount_rate) ** k
        previous = current
    return value


def predict_clv(
    fit: ClvFit,
    summary: pd.DataFrame,
    *,
    horizon: float,
    discount_rate: float,
    period_length: float = 1.0,
) -> pd.DataFrame:
    """Per customer: P(alive), purchases expected within ``horizon``, spend per purchase, CLV.

    ``horizon`` is in the summary's time unit; CLV discounts ``round(horizon / period_length)``
    periods of ``period_length`` units at ``discount_rate`` per period. Without a Gamma-Gamma
    fit (no monetary values) the value columns are NaN. A repeat buyer left out of the fit for
    a mean spend ≤ 0 gets E(M | x, m̄ = 0) = p v / (p x + q − 1): the model's own expectation as
    the mean tends to 0, the population mean shrunk by the weight of x purchases at 0.
    """
    x, t_x, big_t = summary["frequency"], summary["recency"], summary["T"]
    out = pd.DataFrame({"customer": summary["customer"].to_numpy()})
    out["p_alive"] = bgnbd.probability_alive(fit.bgnbd, x, t_x, big_t)
    out["expected_purchases"] = bgnbd.conditional_expected_purchases(
        fit.bgnbd, horizon, x, t_x, big_t
    )
    if fit.gamma_gamma is None:
        out["expected_spend"] = np.nan
        out["clv"] = np.nan
        return out
    observed = summary["monetary_value"].clip(lower=0.0)
    spend = gamma_gamma.conditional_expected_value(fit.gamma_gamma, x, observed)
    out["expected_spend"] = spend
    n_periods = max(1, round(horizon / period_length))
    out["clv"] = discounted_value(
        fit.bgnbd,
        spend,
        summary,
        periods=n_periods,
        discount_rate=discount_rate,
        period_length=period_length,
    )
    return out


MONTHLY_DISCOUNT_RATE = 0.01
"""Default discount rate: 1 % a month (≈ 12.7 % a year), lifetimes' documented example."""


def rate_per_unit(monthly_rate: float, time_unit: TimeUnit) -> float:
    """A monthly discount rate converted to one time unit: (1 + d)^(unit days / month days) − 1."""
    return float((1 + monthly_rate) ** (time_unit.days / TimeUnit.month.days) - 1)


def default_horizon(time_unit: TimeUnit) -> float:
    """One year in the time unit (365 days, 52.18 weeks, 12 months)."""
    return 365.25 / time_unit.days if time_unit is not TimeUnit.month else 12.0


@dataclass(frozen=True)
class ClvReport:
    """A fitted CLV model and its per-customer predictions over one horizon."""

    fit: ClvFit
    predictions: pd.DataFrame
    time_unit: TimeUnit
    horizon: float
    discount_rate: float
    """Per time unit."""

    @property
    def notes(self) -> tuple[str, ...]:
        """The fit's notes, and the customers whose expected spend does not exist."""
        gg = self.fit.gamma_gamma
        unvalued = int(self.predictions["expected_spend"].isna().sum()) if gg is not None else 0
        if gg is None or not unvalued:
            return self.fit.notes
        return (
            *self.fit.notes,
            f"Gamma-Gamma's q is {gg.q:.4g}: for {unvalued:,} of {len(self.predictions):,} "
            "customers, those with the fewest repeat purchases (p·x + q ≤ 1), the expected "
            "spend per purchase has no finite mean, so their CLV is unknown and left out of "
            "the total and the mean; one-price subscriptions, whose spend hardly varies, "
            "lead there",
        )

    def totals(self) -> dict[str, float]:
        """Sums and means over the customers with a value (see :attr:`notes`)."""
        p = self.predictions
        return {
            "expected_purchases": float(p["expected_purchases"].sum()),
            "mean_p_alive": float(p["p_alive"].mean()),
            "total_clv": float(p["clv"].sum(min_count=1)),
            "mean_clv": float(p["clv"].mean()),
        }

    def top_customers(self, top: int = 10) -> list[dict[str, object]]:
        """The ``top`` customers by CLV (by expected purchases without monetary values)."""
        by = "clv" if self.fit.gamma_gamma is not None else "expected_purchases"
        best = self.predictions.sort_values(by, ascending=False).head(top)
        return [{str(k): v for k, v in row.items()} for row in best.to_dict(orient="records")]

    def as_dict(self, top: int = 10) -> dict[str, object]:
        """Parameters, totals and the ``top`` customers by CLV, ready for JSON."""
        gg = self.fit.gamma_gamma
        return {
            "bgnbd": {
                **self.fit.bgnbd.as_dict(),
                "log_likelihood": self.fit.bgnbd.log_likelihood,
            },
            "gamma_gamma": None
            if gg is None
            else {**gg.as_dict(), "log_likelihood": gg.log_likelihood},
            "time_unit": self.time_unit.value,
            "horizon": self.horizon,
            "discount_rate_per_unit": self.discount_rate,
            "customers": self.fit.n_customers,
            "repeat_customers": self.fit.n_repeat,
            "repeat_customers_without_spend": self.fit.n_repeat_without_spend,
            "notes": list(self.notes),
            "spend_frequency_correlation": self.fit.spend_frequency_correlation,
            "summary": self.totals(),
            "top_customers": self.top_customers(top),
        }


def analyse_clv(
    summary: pd.DataFrame,
    *,
    time_unit: TimeUnit = TimeUnit.week,
    horizon: float | None = None,
    discount_rate: float | None = None,
) -> ClvReport:
    """Fit both models on a summary and predict every customer over ``horizon`` units.

    Defaults: a one-year horizon, and 1 % a month converted to the time unit, discounted per
    time unit (period length 1).
    """
    unit = TimeUnit(time_unit)
    fit = fit_clv(summary)
    span = default_horizon(unit) if horizon is None else horizon
    if span <= 0:
        raise AnalysisError("the CLV horizon must be positive")
    rate = rate_per_unit(MONTHLY_DISCOUNT_RATE, unit) if discount_rate is None else discount_rate
    predictions = predict_clv(fit, summary, horizon=span, discount_rate=rate)
    return ClvReport(fit, predictions, unit, span, rate)
