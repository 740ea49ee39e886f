"""Web-analytics KPIs: sessions, users, conversions, conversion rate and revenue.

Two tables hold web analytics (REFERENCE §5.5): ``web_sessions``, one row per session (GA4 or
GA360 BigQuery exports), and ``web_traffic``, aggregate rows per period and traffic source (GA4
UI reports and Data API). A workspace may hold both, for the same days or for different ones, so
each day is read from **one** of them, never added up twice:

* a day with any session in ``web_sessions`` is read from the sessions (the finer source);
* a ``web_traffic`` row counts only when no session falls between its ``period_start`` and
  ``period_end``; it belongs to the period of its ``period_start``;
* in ``web_traffic`` a row whose channel, source, medium and campaign are all empty is the total
  of its period. A period's total row is used when the query is not sliced by channel, its
  breakdown rows when it is; a period with only one of the two uses that one.

A session's period is the one its ``started_at`` falls into. The only dimension is ``channel``
(the default channel group): ``web_sessions.campaign`` is a campaign *name*, not the
``campaigns.campaign_id`` that the ``campaign`` dimension slices by.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _

from crmroi.metrics.context import QueryContext, ratio, shared
from crmroi.metrics.definitions import Direction, Kind, Unit, kpi

HIGHER = Direction.higher
WEB_DIMS = frozenset({"channel"})
WEB_DATE = "web_sessions.started_at; web_traffic.period_start (days without sessions)"
TRAFFIC_KEYS = ("channel", "source", "medium", "campaign")


def _sessions(ctx: QueryContext) -> ir.Table:
    s = ctx.table("web_sessions")
    return s.select(
        at=s.started_at,
        channel=s.channel,
        sessions=ibis.literal(1, type="int64"),
        conversions=s.conversions.fill_null(0).cast("float64"),
        revenue=s.revenue.fill_null(0.0),
        user=s.user_pseudo_id,
        row_users=ibis.literal(0, type="int64"),
    )


def _traffic(ctx: QueryContext) -> ir.Table:
    """``web_traffic`` rows of the days without sessions, totals or breakdown as the query needs."""
    t = ctx.table("web_traffic")
    last = ibis.coalesce(t.period_end, t.period_start)
    t = t.mutate(_last=last, _total=ibis.and_(*(t[k].isnull() for k in TRAFFIC_KEYS)))
    s = ctx.table("web_sessions")
    days = s.select(_day=s.started_at.truncate("D")).distinct()
    t = t.anti_join(days, [days._day >= t.period_start, days._day <= t._last])
    period = ibis.window(group_by=[t.period_start, t._last])
    t = t.mutate(
        _totals=ibis.ifelse(t._total, 1, 0).sum().over(period),
        _parts=ibis.ifelse(t._total, 0, 1).sum().over(period),
    )
    if "channel" in ctx.needed:
        t = t.filter(~t._total | (t._parts == 0))
    else:
        t = t.filter(t._total | (t._totals == 0))
    return t.select(
        at=t.period_start,
        channel=t.channel,
        sessions=t.sessions.fill_null(0),
        conversions=t.key_events.fill_null(0.0),
        revenue=t.revenue.fill_null(0.0),
        user=ibis.null("string"),
        row_users=t.users.fill_null(0),
    )


@shared
def _web(ctx: QueryContext) -> ir.Table:
    """Per period: sessions, conversions, revenue and users of both sources, shared by the KPIs."""
    rows = ibis.union(_sessions(ctx), _traffic(ctx))
    return ctx.events(
        rows,
        "at",
        sessions=_.sessions.sum(),
        conversions=_.conversions.sum(),
        revenue=_.revenue.sum(),
        users=_.user.nunique() + _.row_users.sum(),
    )


@kpi(
    "web_sessions",
    en="Web sessions",
    de="Web-Sitzungen",
    unit=Unit.count,
    direction=HIGHER,
    kind=Kind.simple,
    date=WEB_DATE,
    dimensions=WEB_DIMS,
    additive=True,
)
def web_sessions(ctx: QueryContext) -> ir.Table:
    """Number of web sessions started in the period.

    Formula: count of ``web_sessions`` rows + Σ ``web_traffic.sessions`` of the days without
    session rows (see the module's rule against double counting). GA4's ``sessions`` metric
    (REFERENCE §5.5: a session is user_pseudo_id + ga_session_id); GA360 check: 74,247 sessions
    (userID + sessionID) in the Merchandise Store's July 2017 export.
    """
    t = _web(ctx)
    return t.mutate(value=t.sessions)


@kpi(
    "web_users",
    en="Web users",
    de="Web-Nutzer",
    unit=Unit.count,
    direction=HIGHER,
    kind=Kind.simple,
    date=WEB_DATE,
    dimensions=WEB_DIMS,
)
def web_users(ctx: QueryContext) -> ir.Table:
    """Distinct users (GA client ids) with a session in the period.

    Formula: distinct ``web_sessions.user_pseudo_id`` + Σ ``web_traffic.users`` of the days
    without session rows. Aggregate rows cannot be de-duplicated: a user counted on two days
    (or in two channels) of ``web_traffic`` counts twice, as when GA's daily totals are added.
    Not additive: a user active in two months counts once in their quarter. Source: GA4
    ``totalUsers`` / UA "Users" (REFERENCE §5.5). GA360 check: 60,523 users.
    """
    t = _web(ctx)
    return t.mutate(value=t.users)


@kpi(
    "web_conversions",
    en="Web conversions (transactions, key events)",
    de="Web-Konversionen (Transaktionen, Schlüsselereignisse)",
    unit=Unit.count,
    direction=HIGHER,
    kind=Kind.simple,
    date=WEB_DATE,
    dimensions=WEB_DIMS,
    additive=True,
)
def web_conversions(ctx: QueryContext) -> ir.Table:
    """Conversions in the period's sessions: transactions (GA360) or key events (GA4).

    Formula: Σ ``web_sessions.conversions`` + Σ ``web_traffic.key_events`` of the days without
    session rows; a conversion belongs to the period its session started in. Source: GA360
    ``totals.transactions``, GA4 key events (REFERENCE §5.5). GA360 check: 1,117 transactions
    (the data README's 1,104 leaves out the 13 of sessions that span midnight).
    """
    t = _web(ctx)
    return t.mutate(value=t.conversions)


@kpi(
    "web_conversion_rate",
    en="Web conversion rate (per session)",
    de="Web-Konversionsrate (pro Sitzung)",
    unit=Unit.share,
    direction=HIGHER,
    kind=Kind.ratio,
    date=WEB_DATE,
    dimensions=WEB_DIMS,
)
def web_conversion_rate(ctx: QueryContext) -> ir.Table:
    """Conversions per session: ``web_conversions`` ÷ ``web_sessions`` of the period.

    Source: Universal Analytics' e-commerce conversion rate (transactions ÷ sessions), which
    aggregate rows support too. GA4's *session key event rate* (sessions with at least one key
    event ÷ sessions) is lower where a session converts twice; aggregates cannot give it.
    GA360 check: 1,117 ÷ 74,247 = 1.504 %.
    """
    t = _web(ctx)
    return t.mutate(value=ratio(t.conversions, t.sessions))


@kpi(
    "web_revenue",
    en="Web revenue",
    de="Web-Umsatz",
    unit=Unit.currency,
    direction=HIGHER,
    kind=Kind.simple,
    date=WEB_DATE,
    dimensions=WEB_DIMS,
    additive=True,
)
def web_revenue(ctx: QueryContext) -> ir.Table:
    """Purchase revenue of the period's sessions, as web analytics recorded it.

    Formula: Σ ``web_sessions.revenue`` + Σ ``web_traffic.revenue`` of the days without session
    rows. This is the tracked revenue of the website, not the CRM's won revenue or orders.
    Source: GA360 ``totals.totalTransactionRevenue`` (in micros, × 10⁻⁶ on import), GA4 total
    revenue (REFERENCE §5.5). GA360 check: 169,629.86 USD.
    """
    t = _web(ctx)
    return t.mutate(value=t.revenue)
