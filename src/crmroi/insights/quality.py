"""Data-quality holes that block metrics: empty deal fields and duplicate contacts.

The money is the won revenue the hole touches: a won deal without a source cannot be
attributed, one without an owner or close date drops out of the rep and period KPIs, and a
customer split over duplicate contacts has its journey and engagement split too. A won deal
without an amount is valued at the mean won amount (an estimate, hence confidence 0.5).
"""

from __future__ import annotations

from collections.abc import Iterator

import ibis
import ibis.expr.types as ir

from crmroi.insights.context import DetectorContext
from crmroi.insights.finding import Finding
from crmroi.insights.wording import say
from crmroi.metrics.adoption import _filled
from crmroi.metrics.currency import require_one_currency

ESTIMATE_CONFIDENCE = 0.5
"""How sure the value of won deals without an amount is: it is the mean of the others."""

FIELDS: dict[str, tuple[str, ...]] = {
    "amount": ("open", "won", "lost"),
    "closed_at": ("won", "lost"),
    "source": ("open", "won", "lost"),
    "owner_id": ("open", "won", "lost"),
}
"""Deal field → the statuses of the deals it must be filled on (an open deal has no close)."""


def detect(ctx: DetectorContext) -> list[Finding]:
    """A finding per deal field that is empty too often, and one for duplicate contacts."""
    require_one_currency(ctx.ws.table("deals"), what="deals")
    return [*_missing_fields(ctx), *_duplicates(ctx)]


def _field_counts(d: ir.Table) -> dict[str, float]:
    won = d.status == "won"
    money = d.amount.fill_null(0.0)
    aggs: dict[str, ir.Scalar] = {
        "won_revenue": money.sum(where=won),
        "won_with_amount": d.amount.notnull().sum(where=won),
    }
    for name, statuses in FIELDS.items():
        applies = d.status.isin(list(statuses))
        empty = ~_filled(d[name])
        aggs[f"{name}_n"] = applies.sum()
        aggs[f"{name}_empty"] = (applies & empty).sum()
        aggs[f"{name}_won_empty"] = (won & empty).sum()
        aggs[f"{name}_revenue"] = money.sum(where=won & empty)
    row = d.aggregate(**aggs).execute().iloc[0]
    return {k: float(0.0 if v is None or v != v else v) for k, v in row.items()}


def _missing_fields(ctx: DetectorContext) -> Iterator[Finding]:
    c = _field_counts(ctx.ws.table("deals"))
    mean_won = c["won_revenue"] / c["won_with_amount"] if c["won_with_amount"] else 0.0
    for name in FIELDS:
        n, empty = c[f"{name}_n"], c[f"{name}_empty"]
        if not n or empty / n <= ctx.settings.quality_min_share:
            continue
        if name == "amount":
            money, sure = c["amount_won_empty"] * mean_won, ESTIMATE_CONFIDENCE
            total = c["won_revenue"] + money
        else:
            money, sure, total = c[f"{name}_revenue"], 1.0, c["won_revenue"]
        field = f"deals.{name}"
        yield Finding(
            kind="data_quality",
            subject=field,
            money_at_stake=money,
            currency=ctx.currency,
            confidence=sure,
            evidence={
                "deals_checked": int(n),
                "deals_missing": int(empty),
                "share_missing": round(empty / n, 4),
                "won_deals_missing": int(c[f"{name}_won_empty"]),
                "won_revenue_affected": round(money, 2),
                "share_of_won_revenue": round(money / total, 4) if total else 0.0,
            },
            action=say("missing_action", ctx.lang, field=field),
            title=say("missing_title", ctx.lang, share=empty / n, field=field, count=int(empty)),
        )


def _duplicates(ctx: DetectorContext) -> Iterator[Finding]:
    """Contacts sharing an ``email_hash``; the money is the won revenue on any of them."""
    contacts = ctx.ws.table("contacts")
    with_mail = contacts.filter(_filled(contacts.email_hash))
    groups = with_mail.group_by("email_hash").aggregate(members=with_mail.count())
    groups = groups.filter(groups.members > 1)
    members = with_mail.semi_join(groups, "email_hash").select("contact_id")
    d = ctx.ws.table("deals")
    hit = d.semi_join(members, "contact_id")
    won, hit_won = d.filter(d.status == "won"), hit.filter(hit.status == "won")
    stats = ibis.memtable({"k": [0]}).select(
        with_mail=with_mail.count().as_scalar(),
        groups=groups.count().as_scalar(),
        in_groups=groups.members.sum().as_scalar(),
        revenue=won.amount.sum().as_scalar(),
        affected=hit_won.amount.sum().as_scalar(),
    )
    row = stats.execute().iloc[0]
    n_groups = int(row["groups"])
    duplicates = int(row["in_groups"] or 0) - n_groups  # every member but the first
    checked = int(row["with_mail"])
    if not duplicates or duplicates / checked <= ctx.settings.duplicate_min_share:
        return
    revenue, affected = _money(row["revenue"]), _money(row["affected"])
    yield Finding(
        kind="data_quality",
        subject="contacts.email_hash",
        money_at_stake=affected,
        currency=ctx.currency,
        confidence=1.0,
        evidence={
            "contacts_with_email": checked,
            "duplicate_contacts": duplicates,
            "duplicate_groups": n_groups,
            "share_duplicate": round(duplicates / checked, 4),
            "won_revenue_affected": round(affected, 2),
            "share_of_won_revenue": round(affected / revenue, 4) if revenue else 0.0,
        },
        action=say("duplicates_action", ctx.lang),
        title=say("duplicates_title", ctx.lang, count=duplicates, groups=n_groups),
    )


def _money(value: object) -> float:
    """A sum from the engine: empty (no rows, NULL or NaN) is 0."""
    number = float(value) if isinstance(value, int | float) else 0.0
    return 0.0 if number != number else number
