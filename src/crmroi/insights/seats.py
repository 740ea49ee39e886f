"""Unused seats: licences paid for users who log nothing in the CRM.

The price of a seat is the licence cost per seat-month over the twelve months before the
data's end, from the cost ledger's licence lines (or ``users.seat_cost`` when the ledger has
none), through the same TCO code as ``crmroi roi``; the money at stake is a year of it.
"""

from __future__ import annotations

import ibis
import pandas as pd

from crmroi.insights.context import DetectorContext
from crmroi.insights.finding import Finding
from crmroi.insights.wording import say
from crmroi.roi.fx import FxRates
from crmroi.roi.tco import compute_tco, month_start, seat_months
from crmroi.schema import COST_CATEGORIES

_DAY = 86_400.0
YEAR_MONTHS = 12


def monthly_seat_price(ctx: DetectorContext) -> float | None:
    """Licence cost ÷ licensed seat-months over the 12 months up to the data's end."""
    start = month_start(ctx.as_of) - pd.DateOffset(months=YEAR_MONTHS - 1)
    tco = compute_tco(
        ctx.ws,
        start=start,
        horizon=YEAR_MONTHS,
        fx=FxRates(ctx.currency, ctx.fx_rates),
        adoption=start,
    )
    licences = float(tco.cash[COST_CATEGORIES.index("licence")].sum())
    users = ctx.ws.table("users").execute()
    seat_count = int(seat_months(users, start=start, horizon=YEAR_MONTHS).sum())
    return licences / seat_count if seat_count and licences > 0 else None


def _idle_seats(ctx: DetectorContext) -> pd.DataFrame:
    """Seats licensed at the data's end, with days since their user's last activity.

    Any activity counts, logins too; a user who never logged anything counts from the seat's
    first day.
    """
    days = ctx.settings.unused_seat_days
    now = ibis.literal(ctx.as_of, type="timestamp")
    u = ctx.ws.table("users")
    started = now - ibis.interval(seconds=int(days * _DAY))
    u = u.filter(
        (u.active_to.isnull() | (u.active_to >= now))
        & (u.active_from.isnull() | (u.active_from <= started))
    )
    a = ctx.ws.table("activities")
    a = a.filter(a.user_id.notnull() & (a.occurred_at <= now))
    last = a.group_by("user_id").aggregate(last_at=a.occurred_at.max())
    j = u.left_join(last, "user_id")
    since = ibis.coalesce(j.last_at, j.active_from)
    frame: pd.DataFrame = j.select(
        "user_id",
        "name",
        "team",
        "last_at",
        idle=(now.epoch_seconds() - since.epoch_seconds()) / _DAY,
    ).execute()
    return frame


def detect(ctx: DetectorContext) -> list[Finding]:
    """One finding per seat idle for at least ``unused_seat_days``, worth a year's licence."""
    days = ctx.settings.unused_seat_days
    seats = _idle_seats(ctx)
    # a seat with neither a start date nor any activity has been idle as long as we can see
    seats["idle"] = seats["idle"].fillna(days)
    idle = seats[seats["idle"] >= days]
    if idle.empty:
        return []
    price = monthly_seat_price(ctx)
    if price is None:
        return []  # no licence cost known: nothing to price the seat at
    out = []
    for row in idle.to_dict("records"):
        name = row["name"]
        subject = name if isinstance(name, str) and name else str(row["user_id"])
        last = "" if pd.isna(row["last_at"]) else pd.Timestamp(row["last_at"]).date().isoformat()
        out.append(
            Finding(
                kind="unused_seats",
                subject=subject,
                money_at_stake=YEAR_MONTHS * price,
                currency=ctx.currency,
                confidence=min(1.0, float(row["idle"]) / (2 * days)),
                evidence={
                    "user_id": str(row["user_id"]),
                    "team": None if pd.isna(row["team"]) else str(row["team"]),
                    "idle_days": round(float(row["idle"]), 1),
                    "last_activity": last or None,
                    "licence_per_month": round(price, 2),
                },
                action=say("unused_seat_action", ctx.lang, subject=subject),
                title=say("unused_seat_title", ctx.lang, subject=subject, days=float(row["idle"])),
            )
        )
    return out
