"""Monthly won revenue from the workspace, overall and per deal owner, in the reporting currency.

The engine groups won deals by close month, owner and currency; only that aggregate (a few
thousand rows at most) comes back, and the missing months are filled with zero here.
"""

from __future__ import annotations

import pandas as pd

from crmroi.roi.fx import FxRates, distinct_currencies
from crmroi.workspace import Workspace


def won_revenue(
    ws: Workspace,
    fx: FxRates,
    *,
    by: tuple[str, ...] = (),
    since: object = None,
    date: str = "closed",
) -> pd.DataFrame:
    """Won revenue per month and ``by`` columns: ``month``, *by*, ``revenue``, ``deals``.

    ``date="closed"`` dates a deal by its close month (cash view); ``date="created"`` by its
    creation month, i.e. revenue per *cohort* of deals, which is where a CRM that raises win
    rates shows its effect. Won deals without the date are left out.
    """
    deals = ws.table("deals")
    when = deals.closed_at if date == "closed" else deals.created_at
    won = deals.filter((deals.status == "won") & when.notnull())
    if since is not None:
        won = won.filter(won[f"{date}_at"] >= pd.Timestamp(since))  # type: ignore[arg-type]
    fx.check(distinct_currencies(won), where="deals")
    won = won.mutate(month=won[f"{date}_at"].truncate("M"), value=fx.amount_expr(won))
    keys = ["month", *by]
    agg = won.group_by(keys).aggregate(revenue=won.value.sum(), deals=won.count()).execute()
    agg["month"] = pd.to_datetime(agg["month"])
    agg["revenue"] = agg["revenue"].astype(float).fillna(0.0)
    out: pd.DataFrame = agg.sort_values(keys).reset_index(drop=True)
    return out


def mature_until(ws: Workspace, quantile: float = 0.9) -> pd.Timestamp | None:
    """First creation month whose deal cohort is still maturing (exclusive end of mature cohorts).

    A cohort created less than one typical sales cycle (the ``quantile`` of closed deals'
    created → closed days) before the last close date still has deals open, so its won revenue
    is not final; cohort series stop before it. None when no deal has closed.
    """
    deals = ws.table("deals")
    closed = deals.filter(deals.closed_at.notnull() & deals.created_at.notnull())
    days = (closed.closed_at.epoch_seconds() - closed.created_at.epoch_seconds()) / 86_400
    stats = closed.aggregate(last=closed.closed_at.max(), cycle=days.quantile(quantile)).execute()
    last, cycle = stats["last"].iloc[0], stats["cycle"].iloc[0]
    if last is None or pd.isna(last):
        return None
    edge = pd.Timestamp(last) - pd.Timedelta(days=float(cycle or 0.0))
    return pd.Timestamp(year=edge.year, month=edge.month, day=1)


def monthly_series(agg: pd.DataFrame, start: object = None, end: object = None) -> pd.Series:
    """Revenue per month as a gap-free series (missing months are zero)."""
    total = agg.groupby("month")["revenue"].sum()
    if total.empty and (start is None or end is None):
        # a month index even when empty, so callers can compare it with dates
        return pd.Series(dtype=float, index=pd.DatetimeIndex([]))
    lo = pd.Timestamp(start) if start is not None else total.index.min()  # type: ignore[arg-type]
    hi = pd.Timestamp(end) if end is not None else total.index.max()  # type: ignore[arg-type]
    index = pd.date_range(lo, hi, freq="MS")
    return total.reindex(index, fill_value=0.0).astype(float)
