"""Engagement score per contact and per account: recency, frequency and depth, 0–100.

For an entity (contact or account) at a moment ``as_of``, over its interactions i of the last
``lookback_days`` (touchpoints, human CRM activities, web sessions, survey answers), with age aᵢ
in days, decay dᵢ = 2^(−aᵢ / half_life) and points wᵢ by kind (:mod:`.settings`):

* recency   R = 100 · 2^(−min aᵢ / recency_half_life)
* frequency F = 100 · Σdᵢ / (Σdᵢ + frequency_midpoint)           (decayed count, saturating)
* depth     D = 100 · Σwᵢdᵢ / (Σwᵢdᵢ + depth_midpoint)          (decayed points, saturating)
* score       = w_R·R + w_F·F + w_D·D, with w_R + w_F + w_D = 1, so 0 ≤ score ≤ 100.

The scaling is absolute, not a rank among entities, so a score means the same thing month after
month and the trend is real (a percentile would always average 50). An entity without
interactions in the look-back window scores 0. Higher is better. Contacts get an account through
``account_id`` on the event or, failing that, through ``contacts.account_id``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

import ibis
import ibis.expr.types as ir
import pandas as pd

from crmroi.engagement.settings import EngagementSettings
from crmroi.errors import AnalysisError
from crmroi.workspace import Workspace

DEFAULT_SETTINGS = EngagementSettings()


class Level(StrEnum):
    """Whom a score is for."""

    contact = "contact_id"
    account = "account_id"


def interactions(
    ws: Workspace, settings: EngagementSettings = DEFAULT_SETTINGS, *, accounts: bool = True
) -> ir.Table:
    """Ibis expression: every interaction as contact_id, account_id, occurred_at, kind, points.

    ``accounts=False``: ``account_id`` is the interaction's own, not filled in from its contact
    (for scores per contact, which never read it: the fill joins every event to the contacts).
    """
    tp = ws.table("touchpoints")
    act = ws.table("activities")
    if settings.exclude_automated:
        act = act.filter(act.automated.isnull() | ~act.automated)
    web = ws.table("web_sessions")
    srv = ws.table("survey_responses")
    none = ibis.null().cast("string")
    parts = [
        tp.select(tp.contact_id, tp.account_id, tp.occurred_at,
                  kind="touch:" + tp.interaction.fill_null(tp.channel.fill_null("other"))),
        act.select(act.contact_id, act.account_id, act.occurred_at, kind="activity:" + act.type),
        web.filter(web.contact_id.notnull()).select(
            web.contact_id, account_id=none, occurred_at=web.started_at,
            kind=ibis.ifelse(web.engaged.fill_null(False), "web:engaged", "web:session")),
        srv.select(srv.contact_id, srv.account_id, occurred_at=srv.answered_at,
                   kind="survey:" + srv.survey),
    ]  # fmt: skip
    events = ibis.union(*parts)
    weights = ibis.memtable(
        {
            "kind": list(settings.interaction_weights),
            "points": [float(v) for v in settings.interaction_weights.values()],
        }
    )
    contacts = ws.table("contacts").select(c_id="contact_id", c_account="account_id")
    events = events.left_join(weights, "kind").select(
        events.contact_id, events.account_id, events.occurred_at, events.kind,
        points=weights.points.fill_null(settings.default_weight),
    ).view()  # fmt: skip
    if not accounts:
        return events.select("contact_id", "account_id", "occurred_at", "kind", "points").filter(
            lambda t: t.points > 0
        )
    joined = events.left_join(contacts, events.contact_id == contacts.c_id)
    return joined.select(
        joined.contact_id,
        account_id=ibis.coalesce(joined.account_id, joined.c_account),
        occurred_at=joined.occurred_at,
        kind=joined.kind,
        points=joined.points,
    ).filter(lambda t: t.points > 0)


def score_table(
    ws: Workspace,
    as_of: Sequence[datetime],
    *,
    level: Level = Level.account,
    settings: EngagementSettings = DEFAULT_SETTINGS,
    among: Sequence[str] | None = None,
) -> ir.Table:
    """Ibis expression: entity, as_of, recency, frequency, depth, score, interactions, last_days.

    One row per entity and moment for entities with at least one interaction in the window;
    ``among``: only these entities (their events are picked before the moments are paired).
    """
    if not as_of:
        raise AnalysisError("the engagement score needs at least one as-of date")
    events = interactions(ws, settings, accounts=level is Level.account)
    # Only events inside some moment's look-back count: cut the rest before the cross join so
    # the pairs are not built for the whole history (a day's slack each side: the exact test
    # on the age below decides).
    lo = min(as_of) - timedelta(days=settings.lookback_days + 1)
    hi = max(as_of) + timedelta(days=1)
    events = events.filter(
        events[level.value].notnull()
        & (events.occurred_at >= ibis.timestamp(lo))
        & (events.occurred_at <= ibis.timestamp(hi))
    )
    if among is not None:
        wanted = ibis.memtable({"_entity": pd.Series(list(among), dtype=str)})
        events = events.semi_join(wanted, events[level.value] == wanted._entity)
    moments = ibis.memtable({"as_of": pd.to_datetime(list(as_of)).astype("datetime64[us]")})
    pairs = events.cross_join(moments)
    # Cast before dividing: Spark reads the literal 86400.0 as DECIMAL(6,1), and an integer
    # divided by a decimal is rounded to 7 places there (0.0851042 days instead of 0.08510417).
    seconds = pairs.as_of.epoch_seconds() - pairs.occurred_at.epoch_seconds()
    age = seconds.cast("float64") / 86_400.0
    pairs = pairs.mutate(age=age).filter(lambda t: (t.age >= 0) & (t.age < settings.lookback_days))
    decay = (pairs.age * (-math.log(2) / settings.half_life_days)).exp()
    per = pairs.group_by(entity=pairs[level.value], as_of=pairs.as_of).aggregate(
        interactions=pairs.count(),
        last_days=pairs.age.min(),
        decayed=decay.sum(),
        points=(pairs.points * decay).sum(),
    )
    recency = 100 * (per.last_days * (-math.log(2) / settings.recency_half_life_days)).exp()
    frequency = 100 * per.decayed / (per.decayed + settings.frequency_midpoint)
    depth = 100 * per.points / (per.points + settings.depth_midpoint)
    scored = per.mutate(recency=recency, frequency=frequency, depth=depth)
    return scored.mutate(
        score=settings.weight_recency * scored.recency
        + settings.weight_frequency * scored.frequency
        + settings.weight_depth * scored.depth
    )


def scores(
    ws: Workspace,
    as_of: datetime | None = None,
    *,
    level: Level = Level.account,
    settings: EngagementSettings = DEFAULT_SETTINGS,
    include_inactive: bool = True,
) -> ir.Table:
    """Ibis expression: the score of every entity at ``as_of`` (default: the latest interaction).

    With ``include_inactive`` every row of ``contacts``/``accounts`` is listed, those without
    interactions in the window at 0, so the distribution shows the silent ones too.
    """
    moment = as_of or latest_interaction(ws, settings)
    table = score_table(ws, [moment], level=level, settings=settings).drop("as_of")
    if not include_inactive:
        return table
    base_name = "contacts" if level is Level.contact else "accounts"
    base = ws.table(base_name).select(entity=level.value)
    joined = base.left_join(table, base.entity == table.entity)
    filled = {c: joined[c].fill_null(0) for c in ("recency", "frequency", "depth", "score",
                                                   "interactions")}  # fmt: skip
    known = joined.select(entity=base.entity, last_days=joined.last_days, **filled)
    orphans = table.anti_join(base, table.entity == base.entity).select(known.columns)
    return known.union(orphans)


def latest_interaction(ws: Workspace, settings: EngagementSettings = DEFAULT_SETTINGS) -> datetime:
    """The moment of the latest interaction: the default 'now' on historical data."""
    value = interactions(ws, settings).occurred_at.max().to_pandas()
    if value is None or pd.isna(value):
        raise AnalysisError(
            "no interactions: import touchpoints, activities, web sessions or survey answers"
        )
    return pd.Timestamp(value).to_pydatetime()
