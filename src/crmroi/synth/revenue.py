"""What won deals bill: a setup order, then a monthly subscription until the customer churns.

Each won deal starts a subscription: ``amount / 12`` a month from the close date, growing or
shrinking now and then (expansion, contraction). After every charge the subscription ends with
the segment's monthly hazard ``CHURN_HAZARD`` (a geometric lifetime), so the hazard is recovered
as churn events / observed month-ends at risk. A few charges are refunded (``return``), and some
churned customers get a final credit (``cancellation``), both as negative amounts.

Customer engagement (activities and touches per subscription month) is generated here too,
because the planted pattern depends on the lifetime: for a listed set of churning accounts the
monthly rate falls linearly to 10 % over the last six months before they leave.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmroi.synth import columns as col
from crmroi.synth.pipeline import PRODUCTS, WON, Deals
from crmroi.synth.plan import (
    AT_RISK_MONTHS_LEFT,
    CANCELLATION_CREDIT_PROB,
    CHURN_HAZARD,
    CONTRACTION_FACTOR,
    CONTRACTION_PROB,
    CURRENCY,
    DAY,
    DECLINE_FLOOR,
    DECLINE_MONTHS,
    DECLINE_SHARE,
    END,
    EXPANSION_FACTOR,
    EXPANSION_PROB,
    FALLING_FLOOR,
    FALLING_MONTHS,
    FALLING_SEGMENT,
    HOUR,
    RETURN_PROB,
    SETUP_FEE_SHARE,
    Bools,
    Floats,
    Ints,
    Seconds,
)

ORDER_KINDS = ("order", "subscription", "return", "cancellation")
MIN_DECLINING = 3
"""At least this many declining accounts when enough churners qualify (matters for small)."""
MIN_AT_RISK = 2
"""At least this many at-risk subscriptions: when fewer end soon enough (the small company),
the running ones that end soonest are made to end within ``AT_RISK_MONTHS_LEFT`` months after
the horizon. Their charges inside it stay the same."""


def _month(seconds: Seconds) -> Ints:
    return np.asarray(seconds.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64))


def _month_start(month: Ints) -> Seconds:
    return np.asarray(month.astype("datetime64[M]").astype("datetime64[s]").astype(np.int64))


@dataclass(frozen=True)
class Subscriptions:
    """Per subscription (one per won deal) and per charge (one row per billed month)."""

    deal: Ints
    """Index into the deals arrays."""
    lifetime: Ints
    """Planted number of charges before churn (may run past the horizon)."""
    available: Ints
    """Months from the first charge to the horizon's last month, inclusive."""
    churned: Bools
    declining: Bools
    at_risk: Bools
    """Still running at the horizon, ending soon after it, and already fading."""
    churn_at: Seconds
    charge_sub: Ints
    charge_k: Ints
    charge_time: Seconds
    charge_amount: Floats
    engagement: Floats
    """Engagement rate factor of each charge month (1, fading before churn or in the falling
    segment)."""

    @property
    def exposure(self) -> Ints:
        """Observed month-ends at risk: lifetime if churned, else available − 1."""
        return np.asarray(np.where(self.churned, self.lifetime, self.available - 1))


def make_subscriptions(
    deals: Deals,
    low: Bools,
    rng: np.random.Generator,
    *,
    decline_share: float = DECLINE_SHARE,
    at_risk_share: float = 0.0,
    falling_segment: bool = False,
) -> Subscriptions:
    """Lifetimes, charges, expansion/contraction and the declining-engagement accounts.

    Declining accounts are picked among churners with at least 8 months of tenure, one won deal
    and an owner who uses the CRM, so their fade is not mixed up with another account's
    subscription or with a rep's logging habits. At-risk accounts are picked among the
    subscriptions of such owners with 10 months of tenure that run past the horizon but end
    at most ``AT_RISK_MONTHS_LEFT`` months after it; their fade has begun. With
    ``falling_segment`` every customer of ``FALLING_SEGMENT`` engages less over the last
    ``FALLING_MONTHS`` months. The extra draw comes last, so the other planted values do not
    move with the preset.
    """
    deal = np.flatnonzero(deals.status == WON)
    start = deals.closed[deal]
    first_month = _month(start)
    available = _month(np.array([END - 1]))[0] - first_month + 1
    lifetime = rng.geometric(CHURN_HAZARD[deals.segment[deal]]).astype(np.int64)
    churned = lifetime < available
    charges = np.minimum(lifetime, available)
    sub = np.repeat(np.arange(deal.size), charges)
    offsets = np.r_[0, np.cumsum(charges)[:-1]]
    k = np.arange(sub.size) - offsets[sub]
    day = np.minimum(
        start.astype("datetime64[s]").astype("datetime64[D]").astype(np.int64)
        - _month_start(first_month) // DAY,
        27,
    )
    time = _month_start(first_month[sub] + k) + day[sub] * DAY + 12 * HOUR
    time = np.where(k == 0, np.maximum(time, start[sub] + HOUR), time)
    step = np.where(rng.random(sub.size) < EXPANSION_PROB, np.log(EXPANSION_FACTOR), 0.0)
    step = np.where(rng.random(sub.size) < CONTRACTION_PROB, np.log(CONTRACTION_FACTOR), step)
    step[k == 0] = 0.0
    growth = np.cumsum(step)
    growth -= growth[offsets][sub]
    amount = np.round(deals.amount[deal][sub] / 12 * np.exp(growth), 2)
    account = deals.account[deal]
    n_won = np.bincount(account, minlength=account.max(initial=0) + 1)[account]
    steady = (lifetime >= 8) & ~low[deals.owner[deal]]
    eligible = churned & steady & (n_won == 1)
    declining = eligible & (rng.random(deal.size) < decline_share)
    if decline_share > 0 and declining.sum() < MIN_DECLINING:  # small: keep it visible
        spare = np.flatnonzero(eligible & ~declining)
        extra = MIN_DECLINING - int(declining.sum())
        declining[rng.permutation(spare)[:extra]] = True
    ending = lifetime - available < AT_RISK_MONTHS_LEFT
    soon = ~churned & steady & (available >= 10) & ending
    at_risk = soon & (rng.random(deal.size) < at_risk_share)
    if at_risk_share > 0 and at_risk.sum() < MIN_AT_RISK:  # small: none may end that soon
        running = np.flatnonzero(~churned & steady & (available >= 10) & ~at_risk)
        soonest = running[np.argsort(lifetime[running] - available[running], kind="stable")]
        chosen = soonest[: MIN_AT_RISK - int(at_risk.sum())]
        last = available[chosen] + AT_RISK_MONTHS_LEFT - 1
        lifetime[chosen] = np.minimum(lifetime[chosen], last)  # still paying at the horizon
        at_risk[chosen] = True
    before_end = lifetime[sub] - 1 - k
    fade = DECLINE_FLOOR + (1 - DECLINE_FLOOR) * before_end / DECLINE_MONTHS
    fading = (declining | at_risk)[sub] & (before_end < DECLINE_MONTHS)
    engagement = np.where(fading, fade, 1.0)
    if falling_segment:
        left = (END - time) / (365.25 / 12 * DAY)
        fall = FALLING_FLOOR + (1 - FALLING_FLOOR) * np.clip(left / FALLING_MONTHS, 0.0, 1.0)
        in_segment = deals.segment[deal][sub] == FALLING_SEGMENT
        engagement = np.where(in_segment, engagement * fall, engagement)
    churn_at = _month_start(first_month + lifetime)
    keep = time < END
    return Subscriptions(
        deal,
        lifetime,
        available,
        churned,
        declining,
        at_risk,
        churn_at,
        sub[keep],
        k[keep],
        time[keep],
        amount[keep],
        engagement[keep],
    )


def orders_frame(deals: Deals, subs: Subscriptions, rng: np.random.Generator) -> pd.DataFrame:
    """``orders``: setup orders, monthly charges, returns and cancellation credits."""
    deal = subs.deal
    setup_t = deals.closed[deal] + HOUR
    setup_a = np.round(deals.amount[deal] * SETUP_FEE_SHARE, 2)
    ret = rng.random(subs.charge_sub.size) < RETURN_PROB
    ret_t = subs.charge_time[ret] + rng.integers(3, 20, ret.sum()) * DAY
    last_amount = np.zeros(deal.size)
    last_amount[subs.charge_sub] = subs.charge_amount  # later charges overwrite earlier ones
    cancel = subs.churned & (rng.random(deal.size) < CANCELLATION_CREDIT_PROB)
    parts = [
        (np.arange(deal.size), setup_t, setup_a, 0),
        (subs.charge_sub, subs.charge_time, subs.charge_amount, 1),
        (subs.charge_sub[ret], ret_t, -subs.charge_amount[ret], 2),
        (np.flatnonzero(cancel), subs.churn_at[cancel], -np.round(last_amount[cancel] / 2, 2), 3),
    ]
    sub = np.concatenate([p[0] for p in parts])
    time = np.concatenate([p[1] for p in parts])
    amount = np.concatenate([p[2] for p in parts])
    kind = np.concatenate([np.full(p[0].size, p[3]) for p in parts])
    keep = np.flatnonzero(time < END)
    keep = keep[np.lexsort((kind[keep], time[keep]))]
    sub, time, amount, kind = sub[keep], time[keep], amount[keep], kind[keep]
    d = deal[sub]
    return col.frame(
        "orders",
        {
            "order_id": col.ids("ORD-", np.arange(1, keep.size + 1), 8),
            "account_id": col.ids("ACC-", deals.account[d] + 1, 7),
            "contact_id": col.ids("CON-", deals.contact[d] + 1, 7),
            "deal_id": col.ids("DEAL-", d + 1, 7),
            "occurred_at": col.timestamps(time),
            "amount": amount,
            "currency": col.labels((CURRENCY,), np.zeros(keep.size, dtype=np.int64)),
            "kind": col.labels(ORDER_KINDS, kind),
            "product": col.labels(PRODUCTS, deals.segment[d]),
        },
    )


def monthly_events(
    subs: Subscriptions, per_month: float, rng: np.random.Generator
) -> tuple[Ints, Seconds]:
    """Engagement events per charge month: Poisson(per_month × factor), spread over the month.

    Returns the subscription index and the time of each event (inside the horizon).
    """
    count = rng.poisson(per_month * subs.engagement)
    row = np.repeat(np.arange(count.size), count)
    time = subs.charge_time[row] + rng.integers(0, 30 * DAY, row.size)
    keep = time < END
    return subs.charge_sub[row][keep], time[keep]
