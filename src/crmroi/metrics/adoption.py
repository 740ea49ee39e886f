"""CRM adoption and data-quality KPIs: where to optimise the use of the CRM.

Conventions (REFERENCE.md §3.5): a *meaningful action* is an activity logged by a person (not a
login, not an automation); a *licensed seat* in a period is a user whose licence
(``active_from`` … ``active_to``) overlaps it. Per owner these KPIs describe one user.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import ibis
import ibis.expr.types as ir
from ibis import _

from crmroi.metrics import facts, periods
from crmroi.metrics.context import QueryContext, ratio, shared
from crmroi.metrics.definitions import Direction, Kind, Unit, kpi
from crmroi.metrics.facts import DEAL_DIMS, LEAD_DIMS, USER_DIMS

HIGHER, LOWER = Direction.higher, Direction.lower
_EARLY = datetime(1900, 1, 1)


def _licensed(ctx: QueryContext, spine: ir.Table, start: str, end: str) -> ir.Table:
    """Users × spine rows whose licence overlaps [start, end) of the spine row."""
    u = facts.users(ctx)
    u = u.mutate(_from=u.active_from.fill_null(_EARLY))
    return u.join(spine, [u._from < spine[end], u.seat_end.isnull() | (u.seat_end > spine[start])])


@shared
def _seats(ctx: QueryContext) -> ir.Table:
    t = ctx.attach(_licensed(ctx, ctx.spine, "period_start", "period_end"))
    return t.group_by(list(ctx.keys)).aggregate(seats=t.owner_id.nunique())


@kpi(
    "activities_per_rep",
    en="Activities per rep",
    de="Aktivitäten pro Vertriebler",
    unit=Unit.per_user,
    direction=HIGHER,
    kind=Kind.ratio,
    date="activities.occurred_at ÷ seats licensed in the period",
    dimensions=USER_DIMS,
)
def activities_per_rep(ctx: QueryContext) -> ir.Table:
    """Meaningful activities logged in the period ÷ licensed seats in the period.

    Formula: count of activities (calls, e-mails, meetings, tasks, notes; no logins, nothing
    automated) ÷ users licensed at any time in P. By owner: that user's count. Source: Nutshell
    activity effort, Pipedrive ``activities_added`` (REFERENCE §3.1).
    """
    a = facts.activities(ctx)
    acts = ctx.events(a.filter(a.human), "occurred_at", acts=_.count())
    t = ctx.combine(acts, _seats(ctx))
    return t.mutate(value=ratio(t.acts.fill_null(0), t.seats))


@kpi(
    "crm_adoption_rate",
    en="CRM adoption rate",
    de="CRM-Nutzungsquote",
    unit=Unit.share,
    direction=HIGHER,
    kind=Kind.ratio,
    date="the workday (Mon–Fri) of the use ÷ licensed user-workdays",
    dimensions=USER_DIMS,
)
def crm_adoption_rate(ctx: QueryContext) -> ir.Table:
    """Daily active seats ÷ licensed seats, averaged over the workdays of the period.

    Formula: user-workdays on which the user used the CRM ÷ licensed user-workdays (Monday to
    Friday; a seat is licensed on the days between ``active_from`` and ``active_to``). By owner:
    the share of that user's licensed workdays with use. Source: REFERENCE §3.5 (users active in
    P ÷ licensed users; weekly active users of 80–90 % are the usual target).

    Which actions are *use* is ``KpiSettings.adoption_counts_logins``. By default a login counts:
    adoption asks whether the seat is used at all, and a login is the one trace every use
    leaves. REFERENCE §3.5 calls the login rate *alone* a vanity metric, so the meaningful work
    is measured apart (``activities_per_rep``, ``records_updated_per_user``), and setting the
    option to False counts only meaningful actions (no logins, nothing automated). Days, not
    weeks: a rep who logs one call a week is "weekly active" but has not adopted the CRM.
    """
    days = [
        ctx.start + timedelta(days=i)
        for i in range((ctx.end - ctx.start).days + 1)
        if (ctx.start + timedelta(days=i)).weekday() < 5
    ]
    frame = periods.spine_frame(days, [d + timedelta(days=1) for d in days])
    spine = ibis.memtable(frame.rename(columns={"period_start": "day", "period_end": "day_end"}))
    lic = _licensed(ctx, spine, "day", "day_end")
    a = facts.activities(ctx)
    used = a.human | ((a.type == "login") & ctx.settings.adoption_counts_logins)
    a = a.filter(used & a.owner_id.notnull() & ctx.in_range(a.occurred_at))
    active = a.select(_uid=a.owner_id, _day=a.occurred_at.truncate("D")).distinct()
    j = lic.left_join(active, [lic.owner_id == active._uid, lic.day == active._day])
    j = ctx.attach(j.mutate(used=j._uid.notnull().cast("int32")))
    j = j.mutate(period_start=ctx.bucket(j.day))
    t = j.group_by(list(ctx.keys)).aggregate(used=j.used.sum(), days=j.count())
    return t.mutate(value=ratio(t.used, t.days))


@kpi(
    "records_updated_per_user",
    en="Records created or touched per user",
    de="Bearbeitete Datensätze pro Nutzer",
    unit=Unit.per_user,
    direction=HIGHER,
    kind=Kind.ratio,
    date="created_at / occurred_at ÷ seats licensed in the period",
    dimensions=USER_DIMS,
)
def records_updated_per_user(ctx: QueryContext) -> ir.Table:
    """Records a user created or worked on in the period ÷ licensed seats.

    Formula: (contacts created + deals created + meaningful activities logged, by owner) ÷ users
    licensed in P. The canonical tables keep no edit history, so creations and logged
    activities stand in for updates. Source: Salesforce's usage panel counts records created by
    owner (help.salesforce.com 000025306, REFERENCE §3.5).
    """
    c = ctx.table("contacts")
    d = ctx.table("deals")
    a = facts.activities(ctx)
    a = a.filter(a.human)
    rows = ibis.union(
        c.select(owner_id=c.owner_id, ts=c.created_at),
        d.select(owner_id=d.owner_id, ts=d.created_at),
        a.select(owner_id=a.owner_id, ts=a.occurred_at),
    )
    rows = rows.filter(rows.owner_id.notnull())
    recs = ctx.events(rows, "ts", recs=_.count())
    t = ctx.combine(recs, _seats(ctx))
    return t.mutate(value=ratio(t.recs.fill_null(0), t.seats))


@kpi(
    "neglected_deals",
    en="Neglected deals",
    de="Vernachlässigte Deals",
    unit=Unit.count,
    direction=LOWER,
    kind=Kind.cumulative,
    date="open at period end (or now), no activity in the N days before",
    dimensions=DEAL_DIMS,
)
def neglected_deals(ctx: QueryContext) -> ir.Table:
    """Deals open at the end of the period with no activity in the N days before it.

    N is ``KpiSettings.neglected_deal_days`` (14). The moment is the period end, or now for the
    running period. A deal younger than N days is not counted (it has not had the chance).
    Any logged activity on the deal except logins counts, automated ones too. Source:
    Salesforce "neglected opportunities" (REFERENCE §3.1, §3.5).
    """
    days = ibis.interval(days=ctx.settings.neglected_deal_days)
    spine = ctx.spine
    spine = spine.mutate(
        moment=ibis.least(spine.period_end, ibis.literal(ctx.now, type="timestamp"))
    )
    d = facts.deals(ctx)
    alive = d.join(
        spine,
        [d.created_at <= spine.moment - days, d.gone_at.isnull() | (d.gone_at >= spine.moment)],
    )
    a = ctx.table("activities")
    a = a.filter((a.type != "login") & a.deal_id.notnull())
    touched = a.join(spine, [a.occurred_at >= spine.moment - days, a.occurred_at < spine.moment])
    touched = touched.select(_did=touched.deal_id, _ps=touched.period_start).distinct()
    left = alive.anti_join(
        touched, [alive.deal_id == touched._did, alive.period_start == touched._ps]
    )
    t = ctx.attach(left)
    return t.group_by(list(ctx.keys)).aggregate(value=t.deal_id.nunique())


def _filled(col: ir.Column) -> ir.BooleanValue:
    filled = col.notnull()
    if col.type().is_string():
        # Stripping every value is slow (on DuckDB 30× slower than the rest of the check):
        # a string whose first character lies above the space cannot be blank, so only the
        # others are stripped.
        plain = ibis.cases((col.ascii_str() > 32, True), else_=col.strip() != "")
        filled = filled & plain
    return filled


@shared
def _field_rates(ctx: QueryContext) -> ir.Table:
    """Fill rate per required field, period and dimension: one aggregate per table."""
    by_table: dict[str, list[str]] = {}
    for name in ctx.settings.completeness_fields:
        table, _sep, column = name.partition(".")
        by_table.setdefault(table, []).append(column)
    plain = replace(
        ctx,
        dimensions=tuple(d for d in ctx.dimensions if d != "field"),
        filters=tuple(f for f in ctx.filters if f[0] != "field"),
    )
    parts: list[ir.Table] = []
    for table, columns in by_table.items():
        t = ctx.table(table)
        flags = {f"_f{i}": _filled(t[c]).cast("int32").sum() for i, c in enumerate(columns)}
        agg = plain.events(t, "created_at", _n=_.count(), **flags)
        parts.extend(
            agg.select(
                *plain.keys, field=ibis.literal(f"{table}.{c}"), rate=ratio(agg[f"_f{i}"], agg._n)
            )
            for i, c in enumerate(columns)
        )
    rates = ibis.union(*parts)
    for name, allowed in ctx.filters:
        if name == "field":
            rates = rates.filter(rates.field.isin(list(allowed)))
    return rates


@kpi(
    "data_completeness",
    en="Data completeness",
    de="Datenvollständigkeit",
    unit=Unit.share,
    direction=HIGHER,
    kind=Kind.ratio,
    date="created_at of the record",
    dimensions=USER_DIMS | {"field"},
)
def data_completeness(ctx: QueryContext) -> ir.Table:
    """Fill rate of the required fields of the records created in the period.

    Formula: per required field, records with the field filled ÷ records; overall, the mean of
    the field fill rates (each field weighs the same). Slice by ``field`` for the per-field
    rates. An empty string counts as missing. The fields are ``KpiSettings.completeness_fields``.
    Source: cleanlist.ai, aavishkarit.com scorecard (REFERENCE §3.5).
    """
    rates = _field_rates(ctx)
    if "field" in ctx.dimensions:
        return rates.mutate(value=rates.rate)
    return rates.group_by(list(ctx.keys)).aggregate(value=rates.rate.mean())


@kpi(
    "duplicate_contact_rate",
    en="Duplicate contact rate",
    de="Dublettenquote (Kontakte)",
    unit=Unit.share,
    direction=LOWER,
    kind=Kind.ratio,
    date="contacts.created_at",
    dimensions=LEAD_DIMS,
)
def duplicate_contact_rate(ctx: QueryContext) -> ir.Table:
    """Contacts created in the period that duplicate an earlier contact ÷ contacts created.

    A contact is a duplicate when an earlier-created contact has the same ``email_hash`` (the
    first one of a group is the original). Contacts without an e-mail are in the denominator
    only. Target below 5 %; 5–15 % is typical of older CRMs (aavishkarit, alumo; REFERENCE §3.5).
    """
    c = facts.contacts(ctx)
    rank = ibis.row_number().over(group_by=c.email_hash, order_by=[c.created_at, c.contact_id])
    c = c.mutate(dup=(c.email_hash.notnull() & (rank > 0)).cast("int32"))
    t = ctx.events(c, "created_at", dups=_.dup.sum(), n=_.count())
    return t.mutate(value=ratio(t.dups, t.n))
