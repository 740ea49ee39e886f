"""Paying customers' engagement now and before, the shared input of the engagement detectors.

A steady customer is an account that has paid for a while (its first purchase long enough
before the period judged) and still pays (a purchase in the last ``engagement_compare_days``),
so its engagement reflects being a customer, not the sales activity that won it (the score's
half-life is 30 days; 90 days are three of them). Scores are
:func:`crmroi.engagement.score.score_table` at the two moments; an account without
interactions at a moment scores 0.
"""

from __future__ import annotations

from datetime import timedelta

import ibis
import pandas as pd

from crmroi.engagement.purchases import Customer, customer_orders
from crmroi.engagement.score import Level, score_table
from crmroi.insights.context import DetectorContext


def steady_customers(
    ctx: DetectorContext, paying_days: int, level: Customer = Customer.account
) -> pd.DataFrame:
    """Customers paying for at least ``paying_days`` that bought in the last window.

    First purchase at least ``paying_days`` before ``as_of``, a purchase within the last
    ``engagement_compare_days``. ``level``: accounts, or the contacts named on the orders (the
    buyer, not the account's other contacts, who may be leads). Index the account or contact
    id; columns revenue_12m (net orders of the last 365 days), segment (their account's),
    name (the account's, for contacts their id).
    """
    now = ctx.as_of
    recent = now - timedelta(days=ctx.settings.engagement_compare_days)
    rows = customer_orders(ctx.ws, level)
    t_now = ibis.timestamp(now)
    year_ago = ibis.timestamp(now - timedelta(days=365))
    per = rows.group_by("customer").aggregate(
        first=rows.occurred_at.min(where=rows.purchase),
        inside=rows.count(where=rows.purchase & (rows.occurred_at > ibis.timestamp(recent))
                          & (rows.occurred_at <= t_now)),
        revenue_12m=rows.amount.sum(where=(rows.occurred_at > year_ago)
                                    & (rows.occurred_at <= t_now)),
    )  # fmt: skip
    settled = ibis.timestamp(now - timedelta(days=paying_days))
    per = per.filter((per.first <= settled) & (per.inside > 0))
    frame: pd.DataFrame = per.select("customer", "revenue_12m").execute()
    frame = frame.rename(columns={"customer": level.value}).set_index(level.value)
    frame["revenue_12m"] = frame["revenue_12m"].fillna(0.0).astype(float)
    accounts = ctx.ws.table("accounts").select("account_id", "segment", "name").execute()
    accounts = accounts.set_index("account_id")
    if level is Customer.account:
        account = pd.Series(frame.index, index=frame.index)
    else:
        # only the buyers' rows: the large company has 1M contacts and some 17k steady buyers
        wanted = ibis.memtable({"_contact": pd.Series(frame.index.tolist(), dtype=str)})
        c = ctx.ws.table("contacts")
        c = c.semi_join(wanted, c.contact_id == wanted._contact)
        contacts = c.select("contact_id", "account_id").execute()
        account = contacts.set_index("contact_id")["account_id"].reindex(frame.index)
    frame["segment"] = accounts["segment"].reindex(account.to_numpy()).to_numpy()
    names = accounts["name"].reindex(account.to_numpy()).to_numpy()
    frame["name"] = names if level is Customer.account else frame.index.to_numpy()
    return frame


def customer_scores(ctx: DetectorContext) -> pd.DataFrame:
    """Engagement scores now and ``engagement_compare_days`` ago of the steady buyers.

    Buyers are the contacts named on the orders, so an account's leads (prospects in their
    own sales journey) do not blur its customers' engagement. Steady: paying for twice
    ``engagement_compare_days``. Columns as :func:`steady_customers`, plus score_before and
    score_now; indexed by contact id.
    """
    days = ctx.settings.engagement_compare_days
    out = steady_customers(ctx, 2 * days, Customer.contact)
    if out.empty:
        return out.assign(score_before=pd.Series(dtype=float), score_now=pd.Series(dtype=float))
    now = ctx.as_of
    before = now - timedelta(days=days)
    scores = score_table(
        ctx.ws, [before, now], level=Level.contact, among=out.index.tolist()
    ).execute()
    scores["when"] = (scores["as_of"] == pd.Timestamp(now)).map({True: "now", False: "before"})
    wide = scores.pivot_table(index="entity", columns="when", values="score", aggfunc="max")
    for col in ("before", "now"):
        got = wide[col] if col in wide else pd.Series(dtype=float)
        out[f"score_{col}"] = got.reindex(out.index).fillna(0.0).astype(float)
    return out
