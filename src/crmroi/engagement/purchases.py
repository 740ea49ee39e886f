"""Purchases: which ``orders`` rows count as a customer buying, and who the customer is.

Every retention, RFM and CLV analysis starts from the same reading of the ``orders`` table:

* **The customer** is ``account_id`` by default (B2B: the company buys); ``contact_id`` for
  shops that sell to people. Rows without a customer id are left out.
* **A purchase** is an order row whose ``kind`` is ``order``, ``subscription`` or empty, with an
  amount that is not negative. Returns and cancellations (``kind`` ``return``/``cancellation``,
  or a negative amount) never make a customer new or active: a cancelled invoice is not a visit.
  They do count in *net revenue*, so revenue cohorts and NRR see the money that came back.
* **One purchase occasion** is all purchase rows of a customer with the same timestamp: the lines
  of one invoice share its time. RFM frequency counts occasions; the BG/NBD summary counts
  purchase *days* (:mod:`crmroi.engagement.summary`), as the model's authors do.
"""

from __future__ import annotations

from enum import StrEnum

import ibis.expr.types as ir

from crmroi.workspace import Workspace

NEGATIVE_KINDS = ("return", "cancellation")


class Customer(StrEnum):
    """Which column identifies the customer in ``orders``."""

    account = "account_id"
    contact = "contact_id"


def is_purchase(orders: ir.Table) -> ir.BooleanValue:
    """Ibis predicate: the row is a purchase (not a return or cancellation, amount ≥ 0)."""
    kind_ok = orders.kind.isnull() | ~orders.kind.isin(NEGATIVE_KINDS)
    amount_ok = orders.amount.isnull() | (orders.amount >= 0)
    return kind_ok & amount_ok


def customer_orders(
    ws: Workspace, customer: Customer = Customer.account, *, purchases_only: bool = False
) -> ir.Table:
    """``orders`` with a ``customer`` column, rows without one dropped.

    Columns: customer, occurred_at, amount (null → 0), purchase (bool), kind, order_id.
    """
    orders = ws.table("orders")
    out = orders.filter(orders[customer.value].notnull()).select(
        customer=orders[customer.value],
        order_id=orders.order_id,
        occurred_at=orders.occurred_at,
        amount=orders.amount.fill_null(0.0),
        kind=orders.kind,
        purchase=is_purchase(orders),
    )
    if purchases_only:
        out = out.filter(out.purchase)
    return out


def occasions(ws: Workspace, customer: Customer = Customer.account) -> ir.Table:
    """One row per purchase occasion (customer, occurred_at) with its total amount."""
    rows = customer_orders(ws, customer, purchases_only=True)
    return rows.group_by(["customer", "occurred_at"]).aggregate(amount=rows.amount.sum())


def as_of_default(ws: Workspace) -> ir.TimestampScalar:
    """The latest order timestamp: the default 'today' of an analysis on historical data."""
    return ws.table("orders").occurred_at.max()
