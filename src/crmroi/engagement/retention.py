"""Churn and retention per period: logo churn, customer retention rate, NRR and GRR.

Definitions (REFERENCE §3.3), for a period P of the chosen grain:

* A customer is **in the base** at the end of P when they made a purchase in P or in one of the
  ``window − 1`` periods before it (``window = 1``: bought in P). Without contracts this activity
  window is what "being a customer" means; pick it to match the buying cycle (e.g. 3 months).
* S = base at the end of P − 1, E = base at the end of P, N = customers whose first purchase is
  in P (new), lost = in S but not in E, reactivated = in E but neither in S nor new.
* **Churn rate** (logo) = lost ÷ S. **Customer retention rate** CRR = (E − N) ÷ S; it counts
  reactivated customers as retained, so CRR = 1 − churn + reactivated ÷ S.
* Revenue per customer and period is net of returns and cancellations, floored at 0. With R₀ the
  revenue in P − 1 of the customers who paid in P − 1 and R₁ their revenue in P:
  **NRR** = Σ R₁ ÷ Σ R₀ = (start + expansion − contraction − churned) ÷ start (new customers
  left out); **GRR** = Σ min(R₀, R₁) ÷ Σ R₀ = (start − churned − contraction) ÷ start, ≤ 100 %;
  **revenue churn** = churned ÷ start. Pass ``kinds=("subscription",)`` for recurring revenue
  only (MRR at grain month, ARR-style at grain year).

The last period is flagged ``complete = False`` when the data ends before the period does.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import pandas as pd

from crmroi.engagement.periods import Grain, index_start, period_index
from crmroi.engagement.purchases import Customer, customer_orders
from crmroi.errors import AnalysisError
from crmroi.workspace import Workspace


def _base(ws: Workspace, customer: Customer, grain: Grain, window: int) -> ir.Table:
    rows = customer_orders(ws, customer, purchases_only=True)
    active = rows.select(customer=rows.customer, period=period_index(rows.occurred_at, grain))
    active = active.distinct()
    if window == 1:
        return active
    shifts = ibis.memtable({"shift": list(range(window))})
    spread = active.cross_join(shifts)
    return spread.select(customer=spread.customer, period=spread.period + spread.shift).distinct()


def _dimension(ws: Workspace, customer: Customer, by: str) -> ir.Table:
    """Each customer's value of column ``by`` of accounts (contacts, for contact customers)."""
    name = "accounts" if customer is Customer.account else "contacts"
    table = ws.table(name)
    if by not in table.columns:
        raise AnalysisError(f"{name} has no column {by!r} to break retention down by")
    return table.select(d_customer=table[customer.value], dim=table[by].cast("string"))


def logo_retention_table(
    ws: Workspace,
    *,
    grain: Grain = Grain.month,
    customer: Customer = Customer.account,
    window: int = 1,
    by: str | None = None,
) -> ir.Table:
    """Ibis expression: per period index (and ``by`` value) S, E, N, lost, retained, reactivated.

    ``by`` names a column of ``accounts`` (``contacts`` for contact customers), e.g. segment;
    customers without a value are grouped under "(none)".
    """
    if window < 1:
        raise AnalysisError("the activity window must be at least one period")
    base = _base(ws, customer, grain, window)
    rows = customer_orders(ws, customer, purchases_only=True)
    span = rows.group_by("customer").aggregate(first_at=rows.occurred_at.min())
    first = span.select(customer=span.customer, first=period_index(span.first_at, grain))
    if by is not None:
        dims = _dimension(ws, customer, by)
        joined = first.left_join(dims, first.customer == dims.d_customer)
        first = joined.select(
            customer=joined.customer, first=joined.first, dim=joined.dim.fill_null("(none)")
        )
    first = first.view()
    last_data = period_index(rows.occurred_at.max(), grain)
    prev = base.select(customer=base.customer, period=base.period + 1, was=ibis.literal(True))
    cur = base.mutate(now=ibis.literal(True))
    both = cur.outer_join(prev, ["customer", "period"])
    both = both.select(
        customer=ibis.coalesce(both.customer, both.customer_right),
        period=ibis.coalesce(both.period, both.period_right),
        was=both.was.fill_null(False),
        now=both.now.fill_null(False),
    ).view()  # a view ends the outer join's chain, so the next join may use its columns
    both = both.join(first, "customer")
    both = both.filter(both.period <= last_data)
    is_new = both.now & (both.period == both.first)
    out = both.group_by(["period", "dim"] if by is not None else ["period"]).aggregate(
        start=both.was.sum(),
        end=both.now.sum(),
        new=is_new.sum(),
        lost=(both.was & ~both.now).sum(),
        retained=(both.was & both.now).sum(),
        reactivated=(both.now & ~both.was & ~is_new).sum(),
    )
    if by is not None:
        out = out.rename({by: "dim"}).order_by(["period", by])
    return out.order_by("period")


def logo_retention(
    ws: Workspace,
    *,
    grain: Grain = Grain.month,
    customer: Customer = Customer.account,
    window: int = 1,
    by: str | None = None,
) -> pd.DataFrame:
    """Per period (and ``by`` value): S, E, N, lost, reactivated, churn and retention rate.

    Columns: period_start, [by], start, end, new, lost, retained, reactivated, churn_rate,
    retention_rate, complete.
    """
    table = logo_retention_table(ws, grain=grain, customer=customer, window=window, by=by)
    frame: pd.DataFrame = table.to_pandas()
    frame = frame[frame["start"] > 0].reset_index(drop=True)
    if frame.empty:
        raise AnalysisError("retention needs purchases in at least two consecutive periods")
    frame["churn_rate"] = frame["lost"] / frame["start"]
    frame["retention_rate"] = (frame["end"] - frame["new"]) / frame["start"]
    return _label(ws, frame, grain)


def revenue_retention_table(
    ws: Workspace,
    *,
    grain: Grain = Grain.month,
    customer: Customer = Customer.account,
    kinds: Sequence[str] | None = None,
) -> ir.Table:
    """Ibis expression: per period start revenue, expansion, contraction, churned, retained."""
    rows = customer_orders(ws, customer)
    if kinds is not None:
        rows = rows.filter(rows.kind.isin(list(kinds)))
    rows = rows.mutate(period=period_index(rows.occurred_at, grain))
    per = rows.group_by(["customer", "period"]).aggregate(net=rows.amount.sum())
    per = per.select(per.customer, per.period, rev=ibis.greatest(per.net, 0.0))
    last_data = per.period.max()
    prev = per.select(customer=per.customer, period=per.period + 1, r0=per.rev)
    cur = per.select(customer=per.customer, period=per.period, r1=per.rev)
    both = prev.left_join(cur, ["customer", "period"])
    both = both.select(both.customer, both.period, r0=both.r0, r1=both.r1.fill_null(0.0)).filter(
        lambda t: (t.r0 > 0) & (t.period <= last_data)
    )
    out = both.group_by("period").aggregate(
        start_revenue=both.r0.sum(),
        end_revenue=both.r1.sum(),
        expansion=ibis.greatest(both.r1 - both.r0, 0.0).sum(where=both.r1 > 0),
        contraction=ibis.greatest(both.r0 - both.r1, 0.0).sum(where=both.r1 > 0),
        churned=both.r0.sum(where=both.r1 <= 0),
        kept=ibis.least(both.r0, both.r1).sum(),
    )
    return out.order_by("period")


def revenue_retention(
    ws: Workspace,
    *,
    grain: Grain = Grain.month,
    customer: Customer = Customer.account,
    kinds: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per period: start/end revenue of existing customers, NRR, GRR and revenue churn rate."""
    table = revenue_retention_table(ws, grain=grain, customer=customer, kinds=kinds)
    frame = table.to_pandas()
    if frame.empty:
        raise AnalysisError("revenue retention needs revenue in two consecutive periods")
    frame["nrr"] = frame["end_revenue"] / frame["start_revenue"]
    frame["grr"] = frame["kept"] / frame["start_revenue"]
    frame["revenue_churn_rate"] = frame["churned"] / frame["start_revenue"]
    return _label(ws, frame, grain)


def _label(ws: Workspace, frame: pd.DataFrame, grain: Grain) -> pd.DataFrame:
    frame = frame.copy()
    frame["period"] = frame["period"].astype(int)
    starts = [index_start(int(i), grain) for i in frame["period"]]
    ends = [index_start(int(i) + 1, grain) for i in frame["period"]]
    last = ws.table("orders").occurred_at.max().to_pandas()
    frame.insert(0, "period_start", starts)
    frame["complete"] = [pd.Timestamp(e) <= pd.Timestamp(last) for e in ends]
    return frame.drop(columns=["period"])
