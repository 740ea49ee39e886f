"""What reps log in the CRM: logins, first replies to new leads, deal work, customer care.

The CRM's usage is the planted signal here. Each activity belongs to a *regime*: ``before``
(anything before adoption, migrated from the old tool and sparsely logged), ``adopter`` (after
adoption, a rep who uses the CRM) or ``low`` (after adoption, a rep who barely does). Regimes set
how often a rep logs in, how fast and how reliably the first reply to a lead is logged, and how
many activities a deal gets, so adoption can be measured from the activity table alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmroi.synth import columns as col
from crmroi.synth.accounts import Contacts
from crmroi.synth.marketing import Journeys
from crmroi.synth.people import Roster, Users
from crmroi.synth.pipeline import Deals
from crmroi.synth.plan import (
    ADOPTION,
    CUSTOMER_ACTIVITIES_PER_MONTH,
    DAY,
    DEAL_ACTIVITIES_PER_10_DAYS,
    END,
    HOUR,
    LOGIN_PROB,
    RESPONSE_LOGGED,
    RESPONSE_MAX_HOURS,
    RESPONSE_MEDIAN_HOURS,
    RESPONSE_SIGMA,
    START,
    Bools,
    Ints,
    Seconds,
)
from crmroi.synth.revenue import Subscriptions, monthly_events

TYPES = ("call", "email", "meeting", "task", "note", "login")
CALL, EMAIL, MEETING, TASK, NOTE, LOGIN = range(6)
REGIMES = ("before", "adopter", "low")
OUTCOMES = ("connected", "no answer", "sent", "completed", "held", "logged in", "replied")
TYPE_OUTCOMES = {
    CALL: (0, 1),
    EMAIL: (2, 6),
    MEETING: (4, 4),
    TASK: (3, 3),
    NOTE: (3, 3),
    LOGIN: (5, 5),
}


def regime(low: Bools, user: Ints, at: Seconds) -> Ints:
    """0 before adoption, 1 adopting rep after it, 2 low-adoption rep after it."""
    return np.asarray(np.where(at < ADOPTION, 0, np.where(low[user], 2, 1)))


class _Rows:
    """Activity rows collected from several generators, concatenated once."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(
        self,
        kind: Ints,
        user: Ints,
        contact: Ints,
        account: Ints,
        deal: Ints,
        time: Seconds,
        outbound: Bools,
        automated: bool,
        rng: np.random.Generator,
    ) -> None:
        n = kind.size
        lo = np.array([TYPE_OUTCOMES[t][0] for t in range(6)])[kind]
        hi = np.array([TYPE_OUTCOMES[t][1] for t in range(6)])[kind]
        outcome = np.where(rng.random(n) < 0.6, lo, hi)
        self.parts.append(
            {
                "kind": kind,
                "user": user,
                "contact": contact,
                "account": account,
                "deal": deal,
                "time": time,
                "outbound": outbound,
                "automated": np.full(n, automated),
                "outcome": outcome,
            }
        )

    def first_outbound(self, n_contacts: int) -> Seconds:
        """Per contact, the time of its first outbound, non-automated activity (END if none)."""
        first = np.full(n_contacts, END, dtype=np.int64)
        for p in self.parts:
            hit = p["outbound"] & ~p["automated"] & (p["contact"] >= 0) & (p["kind"] != LOGIN)
            np.minimum.at(first, p["contact"][hit], p["time"][hit])
        return first

    def frame(self) -> pd.DataFrame:
        data = {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}
        keep = np.flatnonzero(data["time"] < END)
        keep = keep[np.argsort(data["time"][keep], kind="stable")]
        d = {k: v[keep] for k, v in data.items()}
        n = keep.size
        login = d["kind"] == LOGIN
        return col.frame(
            "activities",
            {
                "activity_id": col.ids("ACT-", np.arange(1, n + 1), 8),
                "type": col.labels(TYPES, d["kind"]),
                "user_id": col.ids("USR-", d["user"] + 1, 3, null=d["user"] < 0),
                "contact_id": col.ids("CON-", d["contact"] + 1, 7, null=d["contact"] < 0),
                "account_id": col.ids("ACC-", d["account"] + 1, 7, null=d["account"] < 0),
                "deal_id": col.ids("DEAL-", d["deal"] + 1, 7, null=d["deal"] < 0),
                "occurred_at": col.timestamps(d["time"]),
                "direction": col.labels(
                    ("inbound", "outbound"), np.where(login, -1, d["outbound"].astype(np.int64))
                ),
                "outcome": col.labels(OUTCOMES, d["outcome"]),
                "automated": d["automated"],
            },
        )


def _logins(users: Users, rng: np.random.Generator) -> tuple[Ints, Seconds]:
    days = np.arange((END - START) // DAY)
    day_start = START + days * DAY
    workday = (days + 6) % 7 < 5
    n_users = len(users.role)
    prob = np.array(
        [
            LOGIN_PROB["staff"] if r != "rep" else LOGIN_PROB["low" if users.low[i] else "adopter"]
            for i, r in enumerate(users.role)
        ]
    )
    active = (day_start[None, :] >= users.seat_from[:, None]) & (
        day_start[None, :] < users.seat_to[:, None]
    )
    hit = active & workday[None, :] & (rng.random((n_users, days.size)) < prob[:, None])
    user, day = np.nonzero(hit)
    return user, day_start[day] + 8 * HOUR + rng.integers(0, 2 * HOUR, user.size)


def _on_duty(
    users: Users, roster: Roster, user: Ints, team: Ints, at: Seconds, rng: np.random.Generator
) -> Ints:
    """``user``, or a teammate where ``user`` had left the company by time ``at``."""
    stand_in = roster.pick(team, at, rng.random(at.size))
    return np.asarray(np.where(users.left[user] <= at, stand_in, user))


def make_activities(
    users: Users,
    roster: Roster,
    contacts: Contacts,
    journeys: Journeys,
    deals: Deals,
    subs: Subscriptions,
    rng: np.random.Generator,
    *,
    follow_up: bool = False,
) -> tuple[pd.DataFrame, Seconds]:
    """The ``activities`` table, and each lead's first outbound activity time (for the truth).

    ``follow_up`` (a preset's): every deal still open at the horizon gets a call by its owner
    in the last week, as a team that keeps a next step on each deal would log (drawn last, so
    nothing else moves).
    """
    rows = _Rows()
    user, time = _logins(users, rng)
    minus = np.full(user.size, -1)
    rows.add(
        np.full(user.size, LOGIN),
        user,
        minus,
        minus,
        minus,
        time,
        np.ones(user.size, bool),
        False,
        rng,
    )

    n = contacts.created.size
    reg = regime(users.low, contacts.owner, contacts.created)
    median = np.array([RESPONSE_MEDIAN_HOURS[r] for r in REGIMES])[reg]
    hours = np.minimum(median * np.exp(RESPONSE_SIGMA * rng.standard_normal(n)), RESPONSE_MAX_HOURS)
    logged = rng.random(n) < np.array([RESPONSE_LOGGED[r] for r in REGIMES])[reg]
    lead = np.flatnonzero(logged)
    kind = np.where(rng.random(lead.size) < 0.4, CALL, EMAIL)
    at = contacts.created[lead] + (hours[lead] * HOUR).astype(np.int64)
    rows.add(
        kind,
        _on_duty(users, roster, contacts.owner[lead], contacts.segment[lead], at, rng),
        lead,
        contacts.account[lead],
        np.full(lead.size, -1),
        at,
        np.ones(lead.size, bool),
        False,
        rng,
    )

    stop = np.minimum(deals.closed, END)
    rate = np.array([DEAL_ACTIVITIES_PER_10_DAYS[r] for r in REGIMES])
    deal_rate = rate[regime(users.low, deals.owner, deals.created)]
    count = rng.poisson(deal_rate * (stop - deals.created) / (10 * DAY))
    d = np.repeat(np.arange(count.size), count)
    kind = rng.choice(5, d.size, p=[0.3, 0.35, 0.15, 0.15, 0.05])
    t = deals.created[d] + (rng.random(d.size) * (stop - deals.created)[d]).astype(np.int64)
    rows.add(
        kind,
        _on_duty(users, roster, deals.owner[d], deals.segment[d], t, rng),
        deals.contact[d],
        deals.account[d],
        d,
        t,
        rng.random(d.size) < 0.8,
        False,
        rng,
    )

    lead_w, w = np.nonzero(journeys.enrolled)
    rows.add(
        np.full(lead_w.size, EMAIL),
        np.full(lead_w.size, -1),
        lead_w,
        contacts.account[lead_w],
        np.full(lead_w.size, -1),
        journeys.enrolled_at[lead_w, w],
        np.ones(lead_w.size, bool),
        True,
        rng,
    )

    sub, t = monthly_events(subs, CUSTOMER_ACTIVITIES_PER_MONTH, rng)
    deal = subs.deal[sub]
    owner = _on_duty(users, roster, deals.owner[deal], deals.segment[deal], t, rng)
    keep = ~((t >= ADOPTION) & users.low[owner] & (rng.random(t.size) < 0.85))
    deal, owner, t = deal[keep], owner[keep], t[keep]
    kind = rng.choice([CALL, EMAIL, MEETING], deal.size, p=[0.4, 0.4, 0.2])
    rows.add(
        kind,
        owner,
        deals.contact[deal],
        deals.account[deal],
        np.full(deal.size, -1),
        t,
        rng.random(deal.size) < 0.6,
        False,
        rng,
    )
    if follow_up:
        live = np.flatnonzero(deals.closed >= END)
        at = np.maximum(END - (1 + live % 7) * DAY - 9 * HOUR, deals.created[live])
        rows.add(
            np.full(live.size, CALL),
            _on_duty(users, roster, deals.owner[live], deals.segment[live], at, rng),
            deals.contact[live],
            deals.account[live],
            live,
            at,
            np.ones(live.size, bool),
            False,
            rng,
        )
    return rows.frame(), rows.first_outbound(n)
