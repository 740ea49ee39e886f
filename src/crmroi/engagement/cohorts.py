"""Cohort matrices: customers and revenue by acquisition period and periods since.

A customer's **cohort** is the period of their first purchase (``CohortBy.first_order``) or of
their first won deal (``CohortBy.first_won``, from ``deals.closed_at`` with status ``won``; the
customer column must exist on deals, i.e. account_id or contact_id). Cell (c, k) holds, for the
customers of cohort c, k periods later:

* ``customers``: how many made a purchase in that period (returns and cancellations do not make
  a customer active, see :mod:`crmroi.engagement.purchases`);
* ``revenue``: their net revenue in that period (cancellations and returns subtracted in the
  period they were booked);
* ``retention``: customers ÷ cohort size (REFERENCE §3.3 "cohort retention").

Activity before a customer's cohort period (possible with ``first_won``) is not shown.
"""

from __future__ import annotations

from enum import StrEnum

import ibis.expr.types as ir
import pandas as pd

from crmroi.engagement.periods import Grain, index_start, period_index
from crmroi.engagement.purchases import Customer, customer_orders
from crmroi.errors import AnalysisError
from crmroi.workspace import Workspace


class CohortBy(StrEnum):
    """What puts a customer into a cohort."""

    first_order = "first_order"
    first_won = "first_won"


class CohortValue(StrEnum):
    """Which number a cohort matrix shows."""

    customers = "customers"
    revenue = "revenue"
    retention = "retention"


def cohort_starts(ws: Workspace, customer: Customer, by: CohortBy, grain: Grain) -> ir.Table:
    """One row per customer: ``customer``, ``cohort`` (period index of acquisition)."""
    if by is CohortBy.first_order:
        rows = customer_orders(ws, customer, purchases_only=True)
        first = rows.group_by("customer").aggregate(at=rows.occurred_at.min())
    else:
        deals = ws.table("deals")
        won = deals.filter((deals.status == "won") & deals.closed_at.notnull())
        won = won.filter(won[customer.value].notnull())
        first = won.group_by(customer=won[customer.value]).aggregate(at=won.closed_at.min())
    return first.select(customer=first.customer, cohort=period_index(first.at, grain))


def cohort_table(
    ws: Workspace,
    *,
    grain: Grain = Grain.month,
    customer: Customer = Customer.account,
    by: CohortBy = CohortBy.first_order,
) -> ir.Table:
    """Ibis expression, long form: cohort, offset, cohort_size, customers, revenue."""
    starts = cohort_starts(ws, customer, by, grain)
    sizes = starts.group_by("cohort").aggregate(cohort_size=starts.count())
    rows = customer_orders(ws, customer)
    rows = rows.mutate(period=period_index(rows.occurred_at, grain))
    joined = rows.join(starts, "customer")
    joined = joined.mutate(offset=joined.period - joined.cohort).filter(lambda t: t.offset >= 0)
    cells = joined.group_by(["cohort", "offset"]).aggregate(
        customers=joined.customer.nunique(where=joined.purchase),
        revenue=joined.amount.sum(),
    )
    return cells.join(sizes, "cohort").order_by(["cohort", "offset"])


def cohort_frame(
    ws: Workspace,
    *,
    grain: Grain = Grain.month,
    customer: Customer = Customer.account,
    by: CohortBy = CohortBy.first_order,
) -> pd.DataFrame:
    """:func:`cohort_table` executed, with ``cohort_start`` (a date) and ``retention`` added."""
    frame: pd.DataFrame = cohort_table(ws, grain=grain, customer=customer, by=by).to_pandas()
    if frame.empty:
        raise AnalysisError("no cohorts: `orders` (or won deals) has no customers yet")
    frame["cohort_start"] = [index_start(int(i), grain) for i in frame["cohort"]]
    frame["retention"] = frame["customers"] / frame["cohort_size"]
    return frame


def cohort_matrix(
    ws: Workspace,
    value: CohortValue = CohortValue.customers,
    *,
    grain: Grain = Grain.month,
    customer: Customer = Customer.account,
    by: CohortBy = CohortBy.first_order,
) -> pd.DataFrame:
    """Cohorts (rows, by first day) × periods since acquisition (columns 0, 1, …)."""
    frame = cohort_frame(ws, grain=grain, customer=customer, by=by)
    matrix = frame.pivot(index="cohort_start", columns="offset", values=value.value)
    matrix.columns = [int(c) for c in matrix.columns]
    if value is not CohortValue.revenue:
        matrix = matrix.fillna(0)
    matrix.insert(0, "cohort_size", frame.groupby("cohort_start")["cohort_size"].first())
    return matrix
