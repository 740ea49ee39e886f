"""Experiments of every shape: each campaign or workflow against its control group, on any outcome.

A *unit* is a campaign whose members include a no-contact control (``campaign_members.is_control``)
or a workflow with a holdout (``workflow_enrollments.holdout``). Each member is measured over
``window_days`` from its assignment (``added_at``, else the campaign's ``started_at``;
``enrolled_at``) on one outcome:

========== ====== ===============================================================================
outcome    kind   per member, in the window
========== ====== ===============================================================================
visits     rate   visited: a touchpoint with interaction ``visit`` or a web session linked to it
conversions rate  converted: a won deal closed, or an order or subscription with a positive amount
orders     mean   number of orders and subscriptions
spend      mean   money spent: net order amounts when the workspace has orders, else won deals
deals      rate   became an opportunity: a deal created
revenue    mean   won deal amounts closed
========== ====== ===============================================================================

Rates are compared as a difference of proportions (Agresti–Caffo interval, pooled z test), means
by Welch's t (:func:`crmroi.impact.holdout.compare`, the same tests the holdout table uses).
``incremental`` is the lift times the treated members: extra visits, conversions, orders or money.

A member whose window ends after the outcome's data ends is left out (it has had no time to
convert); a unit that loses members says how many and the longest window that would keep them.
With ``segment="arm"`` each treated arm (the member ``status``, e.g. "Mens E-Mail") is compared
with the whole control group; with a contact or account column both groups are split by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis import _

from crmroi.impact.holdout import GroupStats, compare
from crmroi.roi.fx import FxRates, distinct_currencies
from crmroi.workspace import Workspace

Kind = Literal["rate", "mean"]
OUTCOMES: dict[str, Kind] = {
    "visits": "rate",
    "conversions": "rate",
    "orders": "mean",
    "spend": "mean",
    "deals": "rate",
    "revenue": "mean",
}
CONTACT_SEGMENTS = ("source", "lifecycle_stage")
ACCOUNT_SEGMENTS = ("segment", "region", "industry", "country")
SEGMENTS = ("arm", *CONTACT_SEGMENTS, *ACCOUNT_SEGMENTS)
ALL = "all"
BUYING = ("order", "subscription")


@dataclass(frozen=True)
class Events:
    """One outcome's events per contact, where they come from, and when their data ends."""

    table: ir.Table
    """Columns ``contact_id``, ``when``, ``value``."""
    source: str
    data_end: pd.Timestamp | None


@dataclass(frozen=True)
class Experiment:
    """One unit (and segment) against its control group on one outcome."""

    unit: str
    unit_kind: str
    segment: str
    outcome: str
    kind: Kind
    source: str
    window_days: int
    treated: int
    control: int
    treated_value: float | None
    control_value: float | None
    lift: float | None
    low: float | None
    high: float | None
    p_value: float | None
    relative_lift: float | None
    incremental: float | None
    incremental_low: float | None
    incremental_high: float | None
    left_out: int
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON and tables."""
        return dict(self.__dict__)


def events(ws: Workspace, fx: FxRates, outcome: str) -> Events:
    """The events that make up ``outcome`` (module table), with the end of their data."""
    deals, orders = ws.table("deals"), ws.table("orders")
    won = deals.filter((deals.status == "won") & deals.closed_at.notnull())
    deal_end = _latest(deals, "created_at", "closed_at")
    if outcome == "visits":
        t, s = ws.table("touchpoints"), ws.table("web_sessions")
        touches = t.filter(t.interaction.lower() == "visit").select(
            contact_id=t.contact_id, when=t.occurred_at, value=ibis.literal(1.0)
        )
        sessions = s.filter(s.contact_id.notnull()).select(
            contact_id=s.contact_id, when=s.started_at, value=ibis.literal(1.0)
        )
        end = _max(_latest(t, "occurred_at"), _latest(s, "started_at"))
        return Events(touches.union(sessions), "touchpoints (visit) and web sessions", end)
    if outcome == "deals":
        created = deals.select(contact_id=deals.contact_id, when=deals.created_at, value=1.0)
        return Events(created, "deals created", deal_end)
    buying = orders.filter(orders.kind.isin(BUYING) | orders.kind.isnull())
    has_orders = ws.count("orders") > 0
    if outcome == "orders":
        picked = buying.select(contact_id=buying.contact_id, when=buying.occurred_at, value=1.0)
        return Events(picked, "orders", _latest(orders, "occurred_at"))
    if outcome == "revenue" or (outcome == "spend" and not has_orders):
        return Events(_money(won, fx, "closed_at", "deals"), "won deals", deal_end)
    if outcome == "spend":
        return Events(
            _money(orders, fx, "occurred_at", "orders"),
            "orders (net)",
            _latest(orders, "occurred_at"),
        )
    if outcome == "conversions":
        paid = buying.filter(buying.amount > 0)
        table = won.select(contact_id=won.contact_id, when=won.closed_at, value=1.0).union(
            paid.select(contact_id=paid.contact_id, when=paid.occurred_at, value=1.0)
        )
        end = _max(deal_end, _latest(orders, "occurred_at")) if has_orders else deal_end
        return Events(table, "won deals and orders", end)
    raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")


def _money(table: ir.Table, fx: FxRates, when: str, where: str) -> ir.Table:
    fx.check(distinct_currencies(table), where=where)
    return table.select(
        contact_id=table.contact_id, when=table[when], value=fx.amount_expr(table).cast("float64")
    )


def _latest(table: ir.Table, *columns: str) -> pd.Timestamp | None:
    values = table.aggregate(**{c: table[c].max() for c in columns}).execute().iloc[0]
    return _max(*(pd.Timestamp(v) if pd.notna(v) else None for v in values))


def _max(*values: pd.Timestamp | None) -> pd.Timestamp | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def assignments(ws: Workspace, segment: str | None = None) -> ir.Table:
    """Every campaign member and workflow enrollment: unit, kind, contact, at, control, segment."""
    if segment is not None and segment not in SEGMENTS:
        raise ValueError(f"segment must be one of {', '.join(SEGMENTS)}, not {segment!r}")
    m, c = ws.table("campaign_members"), ws.table("campaigns")
    j = m.left_join(c, m.campaign_id == c.campaign_id)
    members = j.select(
        unit=j.campaign_id,
        unit_kind=ibis.literal("campaign"),
        contact_id=j.contact_id,
        at=j.added_at.fill_null(j.started_at),
        control=j.is_control.fill_null(False),
        arm=j.status.cast("string"),
    )
    e = ws.table("workflow_enrollments")
    enrolled = e.select(
        unit=e.workflow_id,
        unit_kind=ibis.literal("workflow"),
        contact_id=e.contact_id,
        at=e.enrolled_at,
        control=e.holdout.fill_null(False),
        arm=ibis.null("string"),
    )
    both = members.union(enrolled).filter(_.at.notnull())
    if segment in (None, "arm"):
        label = both.arm if segment == "arm" else ibis.null("string")
        return both.mutate(segment=ibis.ifelse(both.control, ALL, label.fill_null(ALL)))
    contacts = ws.table("contacts")
    if segment in CONTACT_SEGMENTS:
        col = contacts[segment]
    else:
        accounts = ws.table("accounts")
        contacts = contacts.left_join(accounts, contacts.account_id == accounts.account_id)
        col = contacts[segment]
    seg = contacts.select(seg_contact=contacts.contact_id, seg_value=col.cast("string"))
    joined = both.left_join(seg, both.contact_id == seg.seg_contact)
    return joined.mutate(segment=joined.seg_value.fill_null("(none)")).drop(
        "seg_contact", "seg_value"
    )


def measure(
    assigned: ir.Table, found: Events, window_days: int, kind: Kind, outcome: str
) -> pd.DataFrame:
    """Per unit, control and segment: ``n``, ``total`` and ``total_sq`` of the outcome.

    ``left_out`` counts the members whose window ends after the data; ``last_at`` is the latest
    assignment among them (it sets the longest window that would keep them).
    """
    keys = ["unit", "unit_kind", "control", "segment"]
    if found.data_end is None:
        fits = ibis.literal(False)
    else:
        fits = assigned.at + ibis.interval(days=window_days) <= ibis.literal(found.data_end)
    late = (
        assigned.filter(~fits)
        .group_by(keys)
        .aggregate(left_out=_.count(), last_at=_.at.max())
        .execute()
    )
    a = assigned.filter(fits).mutate(row_id=ibis.row_number())
    ev = found.table
    joined = a.left_join(
        ev,
        [
            a.contact_id == ev.contact_id,
            ev.when >= a.at,
            ev.when <= a.at + ibis.interval(days=window_days),
        ],
    )
    per_row = joined.group_by(["row_id", *keys]).aggregate(
        hits=joined.when.count(), money=joined.value.sum().fill_null(0.0)
    )
    if kind == "rate":
        y = ibis.ifelse(per_row.hits > 0, 1.0, 0.0)
    else:
        y = per_row.money if outcome in ("spend", "revenue") else per_row.hits.cast("float64")
    per_row = per_row.mutate(y=y)
    moments: pd.DataFrame = (
        per_row.group_by(keys)
        .aggregate(n=_.count(), total=_.y.sum(), total_sq=(_.y * _.y).sum())
        .execute()
    )
    out = moments.merge(late, on=keys, how="outer")
    out[["n", "total", "total_sq", "left_out"]] = out[
        ["n", "total", "total_sq", "left_out"]
    ].fillna(0)
    return out


def experiments(
    ws: Workspace,
    fx: FxRates,
    outcome: str = "revenue",
    *,
    window_days: int = 180,
    segment: str | None = None,
) -> list[Experiment]:
    """Every unit with a control group against it on ``outcome``, per segment (module doc)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    if window_days < 0:
        raise ValueError(f"the conversion window must be 0 days or more, not {window_days}")
    kind = OUTCOMES[outcome]
    found = events(ws, fx, outcome)
    moments = measure(assignments(ws, segment), found, window_days, kind, outcome)
    with_control = set(moments.loc[moments["control"].astype(bool), "unit"])
    out = []
    for (unit, unit_kind), rows in moments.groupby(["unit", "unit_kind"], sort=True):
        if unit not in with_control:
            continue
        controls = rows[rows["control"].astype(bool)]
        for seg, treated in rows[~rows["control"].astype(bool)].groupby("segment", sort=True):
            control = (
                controls if seg == ALL or segment == "arm" else controls[controls["segment"] == seg]
            )
            out.append(
                _judge(
                    (str(unit), str(unit_kind), str(seg)),
                    outcome,
                    kind,
                    found,
                    window_days,
                    treated,
                    control,
                )
            )
    return out


def _judge(
    key: tuple[str, str, str],
    outcome: str,
    kind: Kind,
    found: Events,
    window_days: int,
    treated_rows: pd.DataFrame,
    control_rows: pd.DataFrame,
) -> Experiment:
    unit, unit_kind, seg = key
    treated, control = _group(treated_rows, kind), _group(control_rows, kind)
    left_out = int(treated_rows["left_out"].sum() + control_rows["left_out"].sum())
    c = compare(unit, treated, control)
    if found.data_end is None:
        reason: str | None = f"the workspace has no {found.source}: import them with crmroi import"
    else:
        # members left out: that is the reason worth reading (and why a group may be too small)
        reason = (
            _left_out(left_out, treated_rows, control_rows, found, window_days)
            if left_out
            else c.reason
        )
    rate = kind == "rate"
    lift = c.lift if rate else c.revenue_diff
    n1 = treated.n
    if rate:
        low, high, p_value, rel = c.lift_low, c.lift_high, c.p_value, c.relative_lift
    else:
        low, high = c.revenue_diff_low, c.revenue_diff_high
        p_value = c.revenue_p_value
        rel = lift / control.mean if lift is not None and control.mean else None
    ok = lift is not None
    return Experiment(
        unit=unit,
        unit_kind=unit_kind,
        segment=seg,
        outcome=outcome,
        kind=kind,
        source=found.source,
        window_days=window_days,
        treated=treated.n,
        control=control.n,
        treated_value=(treated.rate if rate else treated.mean) if treated.n else None,
        control_value=(control.rate if rate else control.mean) if control.n else None,
        lift=lift,
        low=low,
        high=high,
        p_value=p_value,
        relative_lift=rel,
        incremental=lift * n1 if ok and lift is not None else None,
        incremental_low=low * n1 if ok and low is not None else None,
        incremental_high=high * n1 if ok and high is not None else None,
        left_out=left_out,
        reason=reason,
    )


def _group(rows: pd.DataFrame, kind: Kind) -> GroupStats:
    total = float(rows["total"].sum())
    return GroupStats(
        n=int(rows["n"].sum()),
        conversions=round(total) if kind == "rate" else 0,
        revenue=total,
        revenue_sq=float(rows["total_sq"].sum()),
    )


def _left_out(
    left_out: int,
    treated: pd.DataFrame,
    control: pd.DataFrame,
    found: Events,
    window_days: int,
) -> str:
    total = left_out + int(treated["n"].sum() + control["n"].sum())
    assert found.data_end is not None
    starts = pd.concat([treated["last_at"], control["last_at"]]).dropna()
    longest = ""
    if len(starts):
        days = (found.data_end - pd.Timestamp(starts.max())).days
        if days >= 0:
            longest = f"; a window of {days} days or less (--window {days}) keeps them"
    return (
        f"{left_out:,} of {total:,} members left out: their {window_days}-day window ends after "
        f"the {found.source} data ({found.data_end:%Y-%m-%d}){longest}"
    )
