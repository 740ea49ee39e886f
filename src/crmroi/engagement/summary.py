"""The frequency / recency / T / monetary summary that BG/NBD and Gamma-Gamma are fitted on.

Built in the engine from ``orders``, with the same meaning as lifetimes'
``summary_data_from_transaction_data`` (``include_first_transaction=False``):

* purchases are grouped by customer and **day** (several purchases on one day are one);
* ``frequency`` = purchase days − 1 (repeat purchases);
* ``recency`` = last purchase day − first purchase day; ``T`` = end of observation − first day;
  both in the chosen time unit (a week is 7 days, a month 365.25/12 days, so times can be
  fractional, as in Fader, Hardie & Lee's CDNOW data: 213 days = 30.43 weeks);
* ``monetary_value`` = mean amount per repeat purchase day, the first day left out (0 for
  customers without a repeat purchase).

Only purchases (see :mod:`crmroi.engagement.purchases`) up to the observation end count;
customers whose first purchase is after it are not in the summary.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import ibis
import ibis.expr.types as ir
import pandas as pd

from crmroi.engagement.purchases import Customer, customer_orders
from crmroi.errors import AnalysisError
from crmroi.workspace import Workspace

SUMMARY_COLUMNS = ("customer", "frequency", "recency", "T", "monetary_value")


class TimeUnit(StrEnum):
    """The unit recency, T and forecast horizons are measured in."""

    day = "day"
    week = "week"
    month = "month"

    @property
    def days(self) -> float:
        """Length of one unit in days (a month is 365.25/12 = 30.4375 days)."""
        return {"day": 1.0, "week": 7.0, "month": 365.25 / 12}[self.value]


def summary_expr(
    ws: Workspace,
    *,
    customer: Customer = Customer.account,
    time_unit: TimeUnit = TimeUnit.week,
    observation_end: date | datetime | str | None = None,
) -> ir.Table:
    """Ibis expression: one row per customer with frequency, recency, T, monetary_value.

    ``observation_end`` (inclusive, a day) defaults to the day of the last purchase.
    """
    rows = customer_orders(ws, customer, purchases_only=True)
    rows = rows.mutate(day=rows.occurred_at.date())
    if observation_end is not None:
        end: ir.DateScalar = ibis.date(pd.Timestamp(observation_end).date())
        rows = rows.filter(rows.day <= end)
    else:
        end = rows.day.max()
    days = rows.group_by(["customer", "day"]).aggregate(amount=rows.amount.sum())
    days = days.mutate(first_day=days.day.min().over(group_by=days.customer))
    per = days.group_by("customer").aggregate(
        n_days=days.count(),
        first_day=days.first_day.min(),
        last_day=days.day.max(),
        repeat_amount=ibis.ifelse(days.day == days.first_day, 0.0, days.amount).sum(),
    )
    unit = TimeUnit(time_unit).days
    frequency = per.n_days - 1
    return per.select(
        customer=per.customer,
        frequency=frequency.cast("float64"),
        recency=per.last_day.delta(per.first_day, unit="day").cast("float64") / unit,
        T=end.delta(per.first_day, unit="day").cast("float64") / unit,
        monetary_value=ibis.ifelse(frequency > 0, per.repeat_amount / frequency, 0.0),
    ).order_by("customer")


def purchase_summary(
    ws: Workspace,
    *,
    customer: Customer = Customer.account,
    time_unit: TimeUnit = TimeUnit.week,
    observation_end: date | datetime | str | None = None,
) -> pd.DataFrame:
    """Execute :func:`summary_expr`; raise AnalysisError when there are no purchases."""
    frame: pd.DataFrame = summary_expr(
        ws, customer=customer, time_unit=time_unit, observation_end=observation_end
    ).to_pandas()
    if frame.empty:
        raise AnalysisError("no purchases in `orders` to summarise (import orders first)")
    return frame


def read_summary_csv(path: str) -> pd.DataFrame:
    """Read a ready summary CSV: frequency, recency, T and optionally monetary_value.

    Accepts the CDNOW/Fader–Hardie column names too (``x``, ``t_x``, ``T``, ``zbar``), and an
    optional id column (``customer``, ``id`` or ``ID``; row numbers otherwise).
    """
    from crmroi.errors import InputError

    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the summary: {exc}", file=path) from exc
    frame = frame.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})
    for name in ("ID", "id", "customer_id"):
        if name in frame.columns and "customer" not in frame.columns:
            frame = frame.rename(columns={name: "customer"})
    missing = [c for c in ("frequency", "recency", "T") if c not in frame.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; expected frequency, recency, T "
            "(and monetary_value for CLV)",
            file=path,
        )
    if "customer" not in frame.columns:
        frame.insert(0, "customer", [str(i + 1) for i in range(len(frame))])
    for name in ("frequency", "recency", "T", "monetary_value"):
        if name in frame.columns:
            values = pd.to_numeric(frame[name], errors="coerce")
            bad = values.isna()
            if bad.any():
                row = int(bad.to_numpy().nonzero()[0][0]) + 1
                raise InputError("not a number", file=path, row=row, column=name)
            frame[name] = values.astype("float64")
    frame["customer"] = frame["customer"].astype(str)
    return frame
