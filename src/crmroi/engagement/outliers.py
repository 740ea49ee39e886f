"""Orders so large they would dominate customer value: flagged, never silently counted.

One mistyped quantity (Online Retail's 80,995 paper birds, 168,469.60, cancelled minutes later)
turns a customer into a CLV of six figures. A purchase is an **outlier** when its amount is more
than ``factor`` (default 100) times the median purchase amount; it is **reversed** when the same
customer has a return or cancellation of the same absolute amount on the same day. Both are
reported beside the figures they distort (CLV, average order value), not removed: whether a large
order is real is the reader's call.
"""

from __future__ import annotations

import math

import pandas as pd

from crmroi.engagement.purchases import Customer, customer_orders
from crmroi.workspace import Workspace

OUTLIER_FACTOR = 100.0
"""An order above this many times the median purchase is flagged."""


def outlier_orders(
    ws: Workspace, *, customer: Customer = Customer.account, factor: float = OUTLIER_FACTOR
) -> pd.DataFrame:
    """Purchases above ``factor`` × the median purchase, largest first.

    Columns: order_id, customer, occurred_at, amount, times_median, reversed_same_day.
    """
    columns = ["order_id", "customer", "occurred_at", "amount", "times_median", "reversed_same_day"]
    rows = customer_orders(ws, customer)
    purchases = rows.filter(rows.purchase & (rows.amount > 0))
    median = purchases.amount.median().execute()
    if median is None or not math.isfinite(float(median)) or float(median) <= 0:
        return pd.DataFrame(columns=columns)
    big = purchases.filter(purchases.amount > factor * float(median))
    big = big.mutate(day=big.occurred_at.date())
    backs = rows.filter(~rows.purchase)
    backs = backs.select(
        b_customer=backs.customer, b_day=backs.occurred_at.date(), b_amount=backs.amount.abs()
    ).distinct()
    joined = big.left_join(
        backs,
        [
            big.customer == backs.b_customer,
            big.day == backs.b_day,
            big.amount == backs.b_amount,
        ],
    )
    frame: pd.DataFrame = (
        joined.select(
            order_id=joined.order_id,
            customer=joined.customer,
            occurred_at=joined.occurred_at,
            amount=joined.amount,
            reversed_same_day=joined.b_customer.notnull(),
        )
        .distinct()
        .to_pandas()
    )
    frame["times_median"] = frame["amount"] / float(median)
    frame = frame.sort_values(["amount", "order_id"], ascending=[False, True])
    return frame[columns].reset_index(drop=True)
