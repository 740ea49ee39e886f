"""Views on the engagement score: distribution, trend, by segment or owner, falling fastest.

Every view is an Ibis expression over :func:`crmroi.engagement.score.score_table` and returns a
small frame: ten buckets, one row per period, per segment or owner, or the top-N accounts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import ibis
import pandas as pd

from crmroi.engagement.periods import Grain, index_start
from crmroi.engagement.purchases import Customer, customer_orders
from crmroi.engagement.score import (
    DEFAULT_SETTINGS,
    Level,
    latest_interaction,
    score_table,
    scores,
)
from crmroi.engagement.settings import EngagementSettings
from crmroi.errors import AnalysisError
from crmroi.workspace import Workspace


class By(StrEnum):
    """Dimensions the score can be broken down by."""

    segment = "segment"
    owner = "owner_id"
    industry = "industry"
    lifecycle_stage = "lifecycle_stage"


def distribution(
    ws: Workspace,
    as_of: datetime | None = None,
    *,
    level: Level = Level.account,
    settings: EngagementSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Entities per ten-point band of the score (0–10, 10–20, …, 90–100), with their share."""
    table = scores(ws, as_of, level=level, settings=settings)
    band = ibis.least((table.score / 10).floor().cast("int64"), 9)
    out = table.group_by(band=band).aggregate(entities=table.count(), mean=table.score.mean())
    frame = out.order_by("band").to_pandas()
    full = pd.DataFrame({"band": range(10)}).merge(frame, on="band", how="left")
    full["entities"] = full["entities"].fillna(0).astype(int)
    full.insert(0, "low", full["band"] * 10)
    full.insert(1, "high", full["band"] * 10 + 10)
    total = full["entities"].sum()
    full["share"] = full["entities"] / total if total else 0.0
    return full.drop(columns=["band"])


def trend(
    ws: Workspace,
    start: datetime,
    end: datetime,
    *,
    grain: Grain = Grain.month,
    level: Level = Level.account,
    settings: EngagementSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """The score at the end of each period from ``start`` to ``end``: mean, median, engaged."""
    moments = _period_ends(start, end, grain)
    table = score_table(ws, moments, level=level, settings=settings)
    out = table.group_by("as_of").aggregate(
        engaged_entities=table.count(),
        mean_score=table.score.mean(),
        median_score=table.score.median(),
        mean_recency=table.recency.mean(),
        mean_frequency=table.frequency.mean(),
        mean_depth=table.depth.mean(),
    )
    frame: pd.DataFrame = out.order_by("as_of").to_pandas()
    return frame


def _period_ends(start: datetime, end: datetime, grain: Grain) -> list[datetime]:
    first = _index_of(start, grain)
    last = _index_of(end, grain)
    ends = [index_start(i + 1, grain) for i in range(first, last + 1)]
    return [datetime(d.year, d.month, d.day) for d in ends]


def _index_of(moment: datetime, grain: Grain) -> int:
    # the Python twin of periods.period_index
    epoch_days = (moment.date() - datetime(1970, 1, 1).date()).days
    if grain is Grain.day:
        return epoch_days
    if grain is Grain.week:
        return (epoch_days + 3) // 7
    months = moment.year * 12 + moment.month - 1
    return {Grain.month: months, Grain.quarter: months // 3, Grain.year: moment.year}[grain]


def by_dimension(
    ws: Workspace,
    by: By = By.segment,
    as_of: datetime | None = None,
    *,
    level: Level = Level.account,
    settings: EngagementSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Entities, mean and median score per value of a dimension of accounts or contacts."""
    table = scores(ws, as_of, level=level, settings=settings)
    own = ws.table("accounts" if level is Level.account else "contacts")
    accounts = ws.table("accounts")
    if by.value in own.columns:
        base = own.select(**{level.value: own[level.value], "dim": own[by.value]})
    elif level is Level.contact and by.value in accounts.columns:
        contacts = ws.table("contacts").select("contact_id", c_account="account_id")
        base = contacts.join(accounts, contacts.c_account == accounts.account_id).select(
            contact_id=contacts.contact_id, dim=accounts[by.value]
        )
    else:
        raise AnalysisError(f"accounts have no {by.value}: break contacts down by it instead")
    joined = table.left_join(base, table.entity == base[level.value])
    out = joined.group_by(value=joined.dim.fill_null("(none)")).aggregate(
        entities=joined.count(),
        mean_score=joined.score.mean(),
        median_score=joined.score.median(),
        share_engaged=(joined.score >= 50).mean(),
    )
    frame: pd.DataFrame = out.order_by(ibis.desc("mean_score")).to_pandas()
    return frame.rename(columns={"value": by.value})


def falling_fastest(
    ws: Workspace,
    as_of: datetime | None = None,
    *,
    compare_days: int = 90,
    top: int = 20,
    level: Level = Level.account,
    settings: EngagementSettings = DEFAULT_SETTINGS,
    customers_only: bool = False,
) -> pd.DataFrame:
    """Entities whose score fell most between ``as_of − compare_days`` and ``as_of``.

    Columns: entity, score_before, score_now, change (now − before, most negative first).
    ``customers_only`` keeps the entities that were customers throughout the window: a purchase
    in ``orders`` on or before its start and another inside it. That leaves out prospects whose
    sales activity ended with their deal, which is what a churn-risk list wants.
    """
    now = as_of or latest_interaction(ws, settings)
    before = now - timedelta(days=compare_days)
    table = score_table(ws, [before, now], level=level, settings=settings)
    is_now = table.as_of == ibis.timestamp(now)
    per = table.group_by("entity").aggregate(
        score_before=table.score.max(where=~is_now),
        score_now=table.score.max(where=is_now),
    )
    per = per.mutate(
        score_before=per.score_before.fill_null(0.0), score_now=per.score_now.fill_null(0.0)
    )
    per = per.mutate(change=per.score_now - per.score_before).filter(lambda t: t.change < 0)
    if customers_only:
        rows = customer_orders(ws, Customer(level.value), purchases_only=True)
        start = ibis.timestamp(before)
        earlier = rows.filter(rows.occurred_at <= start).select("customer").distinct()
        inside = rows.filter((rows.occurred_at > start) & (rows.occurred_at <= ibis.timestamp(now)))
        kept = earlier.semi_join(inside.select("customer").distinct(), "customer")
        per = per.semi_join(kept, per.entity == kept.customer)
    frame: pd.DataFrame = per.order_by(["change", "entity"]).limit(top).to_pandas()
    return frame
