"""RFM segmentation: recency, frequency and monetary quintile scores, and named segments.

Per customer, from purchases up to ``as_of`` (default: the last order):

* ``recency_days``: days from the last purchase to ``as_of`` (lower is better);
* ``frequency``: purchase occasions (one invoice = one occasion, see
  :mod:`crmroi.engagement.purchases`);
* ``monetary``: net revenue (returns and cancellations subtracted).

Each is scored 1–5 by quintile in the engine: score = ⌊5 · percent_rank⌋ + 1 (capped at 5), with
percent_rank taken so that better is higher (recent, frequent, high spend). Tied values share a
score, so with many one-time buyers the frequency scores are lumpy (most get 1): that is honest,
not a bug. The **segment** is the first rule in :data:`SEGMENTS` whose recency and frequency
score ranges contain the customer's scores (the widely used R × F grid, with "lost" carved out of
the oldest one-time buyers). The monetary score is reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import ibis
import ibis.expr.types as ir
import pandas as pd

from crmroi.engagement.purchases import Customer, customer_orders
from crmroi.workspace import Workspace


@dataclass(frozen=True)
class Segment:
    """A named RFM segment: inclusive ranges of the recency and frequency scores."""

    name: str
    recency: tuple[int, int]
    frequency: tuple[int, int]
    action: str


SEGMENTS: tuple[Segment, ...] = (
    Segment("champions", (5, 5), (4, 5), "reward; ask for referrals and reviews"),
    Segment("loyal", (3, 5), (3, 5), "upsell; loyalty programme"),
    Segment("new", (5, 5), (1, 1), "onboard well; second purchase offer"),
    Segment("promising", (4, 4), (1, 1), "build the relationship"),
    Segment("potential_loyalists", (4, 5), (2, 3), "membership or recommendation offers"),
    Segment("need_attention", (3, 3), (1, 2), "limited-time offers based on history"),
    Segment("cant_lose", (1, 2), (5, 5), "win back with a personal approach"),
    Segment("at_risk", (1, 2), (3, 4), "reactivation campaign, personal e-mails"),
    Segment("lost", (1, 1), (1, 1), "ignore or one last low-cost attempt"),
    Segment("hibernating", (1, 2), (1, 2), "low-cost reactivation offers"),
)
"""Checked in order; together they cover every (R, F) pair from 1 to 5."""


def _score(value: ir.NumericValue, *, descending: bool = False) -> ir.IntegerValue:
    rank = ibis.percent_rank().over(order_by=value.desc() if descending else value)
    return ibis.least((rank * 5).floor().cast("int64") + 1, 5)


def rfm_table(
    ws: Workspace,
    *,
    customer: Customer = Customer.account,
    as_of: date | datetime | str | None = None,
    segments: tuple[Segment, ...] = SEGMENTS,
) -> ir.Table:
    """Ibis expression: per customer recency_days, frequency, monetary, r/f/m scores, segment."""
    rows = customer_orders(ws, customer)
    if as_of is not None:
        end: ir.TimestampScalar = ibis.timestamp(pd.Timestamp(as_of).to_pydatetime())
        rows = rows.filter(rows.occurred_at <= end)
    else:
        end = rows.occurred_at.max()
    per = rows.group_by("customer").aggregate(
        last_purchase=rows.occurred_at.max(where=rows.purchase),
        frequency=rows.occurred_at.nunique(where=rows.purchase),
        monetary=rows.amount.sum(),
    )
    per = per.filter(per.frequency > 0)
    per = per.mutate(recency_days=end.date().delta(per.last_purchase.date(), unit="day"))
    scored = per.mutate(
        r_score=_score(per.recency_days, descending=True),
        f_score=_score(per.frequency),
        m_score=_score(per.monetary),
    )
    cases = [
        (
            scored.r_score.between(*seg.recency) & scored.f_score.between(*seg.frequency),
            seg.name,
        )
        for seg in segments
    ]
    return scored.mutate(
        segment=ibis.cases(*cases, else_="other"),
        rfm=scored.r_score.cast("string")
        + scored.f_score.cast("string")
        + scored.m_score.cast("string"),
    )


def segment_summary_table(rfm: ir.Table) -> ir.Table:
    """Ibis expression: per segment customers, share, mean recency/frequency/monetary, revenue."""
    out = rfm.group_by("segment").aggregate(
        customers=rfm.count(),
        mean_recency_days=rfm.recency_days.mean(),
        mean_frequency=rfm.frequency.mean(),
        mean_monetary=rfm.monetary.mean(),
        revenue=rfm.monetary.sum(),
    )
    return out.mutate(share=out.customers / out.customers.sum().over()).order_by(
        ibis.desc("revenue")
    )


def rfm_segments(
    ws: Workspace,
    *,
    customer: Customer = Customer.account,
    as_of: date | datetime | str | None = None,
) -> pd.DataFrame:
    """Per-segment summary, executed, with each segment's suggested action."""
    frame: pd.DataFrame = segment_summary_table(
        rfm_table(ws, customer=customer, as_of=as_of)
    ).to_pandas()
    actions = {seg.name: seg.action for seg in SEGMENTS}
    frame["action"] = frame["segment"].map(actions).fillna("")
    return frame
