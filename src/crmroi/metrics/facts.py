"""Facts: the canonical tables reshaped into the standard columns KPI builders slice by.

Each function returns an Ibis table whose dimension keys carry standard names (``owner_id``,
``account_id``, ``channel``, ``campaign_id``, ``pipeline``, ``product``), so that
:meth:`QueryContext.attach` can add any dimension the fact supports. The ``*_DIMS`` sets say which
dimensions that is; a KPI declares the set of its fact.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from crmroi.metrics.context import QueryContext, shared
from crmroi.metrics.currency import require_one_currency

ACCOUNT = frozenset({"segment", "industry", "region"})
OWNER = frozenset({"owner", "team"})
DEAL_DIMS = OWNER | ACCOUNT | {"pipeline", "channel", "campaign", "product"}
LEAD_DIMS = OWNER | ACCOUNT | {"channel"}
ACTIVITY_DIMS = OWNER | ACCOUNT
CUSTOMER_DIMS = OWNER | ACCOUNT
SURVEY_DIMS = OWNER | ACCOUNT
CAMPAIGN_DIMS = frozenset({"channel", "campaign"})
EMAIL_DIMS = ACCOUNT | CAMPAIGN_DIMS
USER_DIMS = OWNER


@shared
def deals(ctx: QueryContext) -> ir.Table:
    """Deals with ``channel`` (the deal's source) and ``gone_at``, when it stopped being open.

    A won or lost deal without a close date never counts as open (its close is unknown).
    """
    d = ctx.table("deals")
    require_one_currency(d, what="deals")
    gone = ibis.cases(
        (d.closed_at.notnull(), d.closed_at),
        (d.status != "open", d.created_at),
        else_=ibis.null("timestamp"),
    )
    return d.select(
        "deal_id", "account_id", "contact_id", "owner_id", "pipeline", "stage", "status",
        "amount", "probability", "campaign_id", "product", "created_at", "expected_close_at",
        "closed_at", channel=d.source, gone_at=gone,
    )  # fmt: skip


@shared
def contacts(ctx: QueryContext) -> ir.Table:
    """Contacts, with ``channel`` (lead source): the leads without their conversion."""
    c = ctx.table("contacts")
    return c.mutate(channel=c.source)


@shared
def leads(ctx: QueryContext) -> ir.Table:
    """Contacts, with ``channel`` (lead source) and ``converted``.

    A lead counts as converted when it has a ``converted_at`` or is the contact of any deal.
    """
    c = ctx.table("contacts")
    d = ctx.table("deals")
    with_deal = d.filter(d.contact_id.notnull()).select(_dc=d.contact_id).distinct()
    j = c.left_join(with_deal, c.contact_id == with_deal._dc)
    return j.mutate(channel=j.source, converted=j.converted_at.notnull() | j._dc.notnull()).drop(
        "_dc"
    )


@shared
def activities(ctx: QueryContext) -> ir.Table:
    """Activities with ``owner_id`` (who logged it) and ``human``.

    ``human`` is a meaningful action of a person: not a login and not sent by an automation.
    """
    a = ctx.table("activities")
    human = (a.type != "login") & ~a.automated.fill_null(False)
    return a.mutate(owner_id=a.user_id, human=human)


def _with_account_owner(ctx: QueryContext, t: ir.Table) -> ir.Table:
    if not ctx.needed & OWNER:
        return t.mutate(owner_id=ibis.null("string"))
    acc = ctx.table("accounts")
    acc = acc.select(_aid=acc.account_id, owner_id=acc.owner_id)
    return t.left_join(acc, t.account_id == acc._aid).drop("_aid")


@shared
def orders(ctx: QueryContext) -> ir.Table:
    """Revenue events with ``customer`` (account, else contact) and the account's owner."""
    o = ctx.table("orders")
    require_one_currency(o, what="orders")
    o = o.mutate(customer=ibis.coalesce(o.account_id, o.contact_id))
    return _with_account_owner(ctx, o.filter(o.customer.notnull()))


def surveys(ctx: QueryContext, kind: str) -> ir.Table:
    """Scored answers of one survey kind (nps, csat or ces), with the account's owner."""
    s = ctx.table("survey_responses")
    s = s.filter((s.survey == kind) & s.score.notnull())
    return _with_account_owner(ctx, s)


def campaigns(ctx: QueryContext) -> ir.Table:
    """Campaigns with their cost, dated by their start."""
    return ctx.table("campaigns")


def users(ctx: QueryContext) -> ir.Table:
    """Licensed seats with ``owner_id``; ``seat_end`` is the day after the last licensed day."""
    u = ctx.table("users")
    return u.mutate(owner_id=u.user_id, seat_end=u.active_to + ibis.interval(days=1))


def touchpoints(ctx: QueryContext) -> ir.Table:
    """Touches with ``message``: one e-mail send is (contact, campaign or workflow)."""
    t = ctx.table("touchpoints")
    message = ibis.coalesce(t.campaign_id, t.workflow_id, ibis.literal(""))
    return t.mutate(message=message)
