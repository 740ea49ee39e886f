"""Marketing and acquisition KPIs: leads, conversion, response time, campaigns, CAC, e-mail.

Conventions (REFERENCE.md §3.1–3.2): a lead belongs to the period it was created in, and lead
conversion is a **cohort** rate (leads created in P that ever converted), so a period's rate
can still rise while its leads convert. A campaign's cost belongs to the period it started in.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _

from crmroi.metrics import facts
from crmroi.metrics.context import QueryContext, ratio, shared
from crmroi.metrics.definitions import Direction, Kind, Unit, kpi
from crmroi.metrics.facts import ACCOUNT, CAMPAIGN_DIMS, DEAL_DIMS, EMAIL_DIMS, LEAD_DIMS, OWNER

HIGHER, LOWER = Direction.higher, Direction.lower
LEAD_DATE = "contacts.created_at"
RESPONSE_TYPES = ("call", "email", "meeting")


@shared
def _lead_counts(ctx: QueryContext) -> ir.Table:
    """Leads and converted leads per period: one aggregate shared by the lead KPIs."""
    return ctx.events(
        facts.leads(ctx), "created_at", n=_.count(), conv=_.converted.cast("int32").sum()
    )


@kpi(
    "new_leads",
    en="New leads",
    de="Neue Leads",
    unit=Unit.count,
    direction=HIGHER,
    kind=Kind.simple,
    date=LEAD_DATE,
    dimensions=LEAD_DIMS,
    additive=True,
)
def new_leads(ctx: QueryContext) -> ir.Table:
    """Number of contacts (leads) created in the period.

    Every contact counts as a lead when it is created, whatever its lifecycle stage now.
    Source: Salesforce ``NumberOfLeads`` (REFERENCE §3.1), the denominator of lead conversion.
    """
    t = _lead_counts(ctx)
    return t.mutate(value=t.n)


@kpi(
    "lead_conversion_rate",
    en="Lead conversion rate",
    de="Lead-Konversionsrate",
    unit=Unit.share,
    direction=HIGHER,
    kind=Kind.conversion,
    date=LEAD_DATE,
    dimensions=LEAD_DIMS,
)
def lead_conversion_rate(ctx: QueryContext) -> ir.Table:
    """Share of the leads created in the period that converted (cohort definition).

    Formula: leads created in P that converted (a ``converted_at``, or a deal with this contact)
    ÷ leads created in P. REFERENCE §3.1 offers cohort or period; cohort is chosen because the
    numerator is then a subset of the denominator. Olist check: 842 / 8,000 = 10.52 %.
    """
    t = _lead_counts(ctx)
    return t.mutate(value=ratio(t.conv, t.n))


@shared
def _first_response(ctx: QueryContext) -> ir.Table:
    # only the leads of the range: the others are never reported, so never joined
    leads = facts.contacts(ctx)
    leads = leads.filter(ctx.in_range(leads.created_at))
    a = facts.activities(ctx)
    a = a.filter(a.human & a.type.isin(list(RESPONSE_TYPES)) & a.contact_id.notnull())
    a = a.select(_cid=a.contact_id, _at=a.occurred_at)
    j = leads.join(a, [leads.contact_id == a._cid, a._at >= leads.created_at])
    # group by the lead and the columns its dimensions need (all fixed per lead), rather than
    # joining the first responses back to the leads
    need = ctx.needed
    wanted = {"owner_id": need & OWNER, "account_id": need & ACCOUNT, "channel": "channel" in need}
    keys = ["contact_id", "created_at", *(c for c, w in wanted.items() if w)]
    out = j.group_by(keys).aggregate(_first=j._at.min())
    return out.mutate(
        hours=(out._first.epoch_seconds() - out.created_at.epoch_seconds()).cast("float64") / 3600.0
    )


@shared
def _response_stats(ctx: QueryContext) -> ir.Table:
    """P50 and P95 of the response hours in one aggregate, shared by the two KPIs."""
    return ctx.events(
        _first_response(ctx),
        "created_at",
        p50=_.hours.quantile(0.5),
        p95=_.hours.quantile(0.95),
    )


@kpi(
    "lead_response_time_hours",
    en="Lead response time (median hours)",
    de="Lead-Reaktionszeit (Median, Stunden)",
    unit=Unit.hours,
    direction=LOWER,
    kind=Kind.simple,
    date=LEAD_DATE,
    dimensions=LEAD_DIMS,
)
def lead_response_time_hours(ctx: QueryContext) -> ir.Table:
    """Median hours from a lead's creation to the first response by a person (P50).

    Formula: median(first response − created_at) over leads created in P that got a response.
    A response is the first call, e-mail or meeting on the contact at or after its creation that
    is not automated (automated e-mails are not a response). Leads never answered are left out
    here; look at ``lead_conversion_rate`` and the activity KPIs for them. Source:
    metrickittools.com, prospeo.io (REFERENCE §3.1: report P50 and P95).
    """
    t = _response_stats(ctx)
    return t.mutate(value=t.p50)


@kpi(
    "lead_response_time_hours_p95",
    en="Lead response time (P95 hours)",
    de="Lead-Reaktionszeit (P95, Stunden)",
    unit=Unit.hours,
    direction=LOWER,
    kind=Kind.simple,
    date=LEAD_DATE,
    dimensions=LEAD_DIMS,
)
def lead_response_time_hours_p95(ctx: QueryContext) -> ir.Table:
    """95th percentile of the hours from a lead's creation to the first response.

    Same responses as ``lead_response_time_hours``; continuous (interpolated) percentile.
    Source: metrickittools.com, prospeo.io (REFERENCE §3.1: report P50 and P95).
    """
    t = _response_stats(ctx)
    return t.mutate(value=t.p95)


@kpi(
    "campaign_cost",
    en="Campaign cost",
    de="Kampagnenkosten",
    unit=Unit.currency,
    direction=LOWER,
    kind=Kind.simple,
    date="campaigns.started_at",
    dimensions=CAMPAIGN_DIMS,
    additive=True,
)
def campaign_cost(ctx: QueryContext) -> ir.Table:
    """Σ actual cost of the campaigns started in the period.

    Formula: Σ campaigns.cost by start date (the whole cost falls into the start period; it is
    not spread over the campaign's run). Source: Salesforce ``ActualCost``, SuiteCRM.
    """
    c = facts.campaigns(ctx)
    return ctx.events(c, "started_at", value=_.cost.sum())


def _campaign_cost(ctx: QueryContext) -> ir.Table:
    return campaign_cost(ctx).rename(cost="value")


@kpi(
    "cost_per_lead",
    en="Cost per lead",
    de="Kosten pro Lead",
    unit=Unit.currency,
    direction=LOWER,
    kind=Kind.ratio,
    date="campaigns.started_at ÷ contacts.created_at",
    dimensions=frozenset({"channel"}),
)
def cost_per_lead(ctx: QueryContext) -> ir.Table:
    """Campaign cost ÷ new leads of the same period (and channel).

    Formula: Σ campaigns.cost (by start) ÷ contacts created (by creation). By channel the
    campaign's channel meets the lead's source, so both must use the same channel names.
    Source: cost per impression / click-through of SuiteCRM, per lead (REFERENCE §3.2).
    """
    leads = new_leads(ctx).rename(leads="value")
    t = ctx.combine(_campaign_cost(ctx), leads)
    return t.mutate(value=ratio(t.cost, t.leads))


@shared
def _first_wins(ctx: QueryContext) -> ir.Table:
    d = facts.deals(ctx)
    d = d.filter((d.status == "won") & d.closed_at.notnull())
    d = d.mutate(customer=ibis.coalesce(d.account_id, d.contact_id, d.deal_id))
    d = d.mutate(
        _rank=ibis.row_number().over(group_by=d.customer, order_by=[d.closed_at, d.deal_id])
    )
    return d.filter(d._rank == 0)


@kpi(
    "new_customers",
    en="New customers",
    de="Neukunden",
    unit=Unit.count,
    direction=HIGHER,
    kind=Kind.simple,
    date="closed_at of the customer's first won deal",
    dimensions=DEAL_DIMS,
    additive=True,
)
def new_customers(ctx: QueryContext) -> ir.Table:
    """Number of customers whose first won deal closed in the period.

    A customer is the deal's account, else its contact. Dimensions are those of that first deal.
    Source: the denominator of CAC (REFERENCE §3.2).
    """
    return ctx.events(_first_wins(ctx), "closed_at", value=_.count())


@kpi(
    "cac",
    en="Customer acquisition cost",
    de="Kundenakquisitionskosten",
    unit=Unit.currency,
    direction=LOWER,
    kind=Kind.ratio,
    date="campaigns.started_at ÷ first won deal closed_at",
    dimensions=CAMPAIGN_DIMS,
)
def cac(ctx: QueryContext) -> ir.Table:
    """Campaign cost ÷ new customers of the same period.

    Formula: (marketing + sales expenses) ÷ new customers; example $16,000 ÷ 80 = $200
    (beckmanncollaborative.com, REFERENCE §3.2). The workspace holds marketing spend
    (campaigns.cost) but no sales salaries, so this is the marketing CAC; the CRM's own costs
    belong to the ROI, not here.
    """
    cust = new_customers(ctx).rename(customers="value")
    t = ctx.combine(_campaign_cost(ctx), cust)
    return t.mutate(value=ratio(t.cost, t.customers))


@shared
def _email_rates(ctx: QueryContext) -> ir.Table:
    """Delivered messages with their opens and clicks, per period: one pass over the touches.

    A message is (contact, campaign or workflow); it is dated by its first delivery and takes
    the account, channel and campaign of its deliveries.
    """
    t = facts.touchpoints(ctx)
    t = t.filter(t.contact_id.notnull() & t.interaction.isin(["delivered", "open", "click"]))
    sent = t.interaction == "delivered"
    # only the keys of the dimensions asked for: each is one more aggregate over every touch
    need = ctx.needed
    keys = {"account_id": bool(need & ACCOUNT), "channel": "channel" in need}
    keys["campaign_id"] = "campaign" in need
    m = t.group_by([t.contact_id, t.message]).aggregate(
        occurred_at=t.occurred_at.min(where=sent),
        **{k: t[k].max(where=sent) for k, wanted in keys.items() if wanted},
        opened=(t.interaction == "open").any().cast("int32"),
        clicked=(t.interaction == "click").any().cast("int32"),
    )
    m = m.filter(m.occurred_at.notnull())
    return ctx.events(m, "occurred_at", opens=_.opened.sum(), clicks=_.clicked.sum(), n=_.count())


@kpi(
    "email_open_rate",
    en="E-mail open rate (unique)",
    de="E-Mail-Öffnungsrate (eindeutig)",
    unit=Unit.share,
    direction=HIGHER,
    kind=Kind.conversion,
    date="touchpoints.occurred_at of the delivery",
    dimensions=EMAIL_DIMS,
)
def email_open_rate(ctx: QueryContext) -> ir.Table:
    """Unique opens ÷ delivered e-mails, by delivery date.

    Formula: messages (contact × campaign or workflow) delivered in P that were opened at least
    once ÷ messages delivered in P. Divides by delivered, not sent (SendGrid; GetResponse
    divides by sent). Source: REFERENCE §3.2.
    """
    t = _email_rates(ctx)
    return t.mutate(value=ratio(t.opens, t.n))


@kpi(
    "email_click_rate",
    en="E-mail click rate (unique)",
    de="E-Mail-Klickrate (eindeutig)",
    unit=Unit.share,
    direction=HIGHER,
    kind=Kind.conversion,
    date="touchpoints.occurred_at of the delivery",
    dimensions=EMAIL_DIMS,
)
def email_click_rate(ctx: QueryContext) -> ir.Table:
    """Unique clicks ÷ delivered e-mails, by delivery date.

    Formula: delivered messages with at least one click ÷ delivered messages (CTR over
    delivered, memberclicks; REFERENCE §3.2).
    """
    t = _email_rates(ctx)
    return t.mutate(value=ratio(t.clicks, t.n))
