"""The planted e-mail experiment (opt-in): an online offer to half of the contacts who never bought.

The other campaigns' control groups only show an effect on opportunities and revenue. This one
is there so ``crmroi experiments --outcome visits`` and ``--outcome spend`` have a known answer:
every contact created before ``SEND`` who has not become a customer by then (no won deal closed)
is a member, an exact random half of them the no-contact control. A treated member clicks
through to the site with ``VISIT_PROBABILITY`` (a ``visit`` touchpoint of the campaign), and a
visitor buys the offer online with ``BUY_PROBABILITY`` (an ``order`` without a deal, of a
Gamma-distributed amount with mean ``MEAN_ORDER``), both within ``WINDOW_DAYS`` of the send.

Every member's would-be click, purchase and amount are drawn, controls' too, so the true effect
in this very dataset is known member by member: the spend lift is the mean extra spend over all
members, the visit-rate lift the share of members the e-mail brings to the site who would not
have come anyway (members already visit a little on their own, through their own journeys).
Nothing else is drawn differently: the campaign adds rows, it changes none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmroi.synth import columns as col
from crmroi.synth.accounts import Contacts
from crmroi.synth.pipeline import PRODUCTS, WON, Deals
from crmroi.synth.plan import CURRENCY, DAY, END, HOUR, Bools, Floats, Ints, Seconds
from crmroi.synth.touches import CHANNEL_NAMES, CLICK, DELIVERED, VISIT, Touches

NAME = "Online offer e-mail"
CHANNEL = "email"
SEND = END - 120 * DAY
"""The send date: early enough that every member's window ends before the history does."""
WINDOW_DAYS = 90
CONTROL_SHARE = 0.5
VISIT_PROBABILITY = 0.30
BUY_PROBABILITY = 0.40
"""Given the visit."""
MEAN_ORDER = 600.0
ORDER_SHAPE = 4.0
"""Gamma shape of the order amount (coefficient of variation 0.5)."""
SETUP_COST = 500.0
COST_PER_TREATED = 1.0


@dataclass(frozen=True)
class Experiment:
    """Members, their arm, and each member's potential click and purchase (drawn for all)."""

    lead: Ints
    control: Bools
    visits: Bools
    visit_at: Seconds
    buys: Bools
    amount: Floats
    order_at: Seconds

    @property
    def treated(self) -> Bools:
        """Members the e-mail went to."""
        return np.asarray(~self.control)

    @property
    def cost(self) -> float:
        """Setup plus sending, as in ``campaigns.cost``."""
        return round(SETUP_COST + COST_PER_TREATED * float(self.treated.sum()), 2)


def make_experiment(contacts: Contacts, deals: Deals, rng: np.random.Generator) -> Experiment:
    """Members (contacts before ``SEND`` with no won deal by then), an exact half as control."""
    customers = deals.contact[(deals.status == WON) & (deals.closed < SEND)]
    lead = np.setdiff1d(np.flatnonzero(contacts.created < SEND), customers)
    n = lead.size
    control = rng.permutation(n) < round(CONTROL_SHARE * n)
    visits = rng.random(n) < VISIT_PROBABILITY
    visit_at = SEND + (rng.random(n) * (WINDOW_DAYS - 1) * DAY).astype(np.int64)
    buys = visits & (rng.random(n) < BUY_PROBABILITY)
    amount = np.round(rng.gamma(ORDER_SHAPE, MEAN_ORDER / ORDER_SHAPE, n), 2)
    order_at = visit_at + rng.integers(60, 6 * HOUR, n)
    return Experiment(lead, control, visits, visit_at, buys, amount, order_at)


def touches(exp: Experiment, campaign: int) -> Touches:
    """The e-mail delivered at ``SEND`` to the treated; a click, then a visit, of those who came."""
    sent = exp.lead[exp.treated]
    came = exp.treated & exp.visits
    who, at = exp.lead[came], exp.visit_at[came]
    contact = np.concatenate([sent, who, who])
    time = np.concatenate([np.full(sent.size, SEND), at, at + 5])
    interaction = np.concatenate(
        [np.full(sent.size, DELIVERED), np.full(who.size, CLICK), np.full(who.size, VISIT)]
    )
    none = np.full(contact.size, -1)
    channel = np.full(contact.size, CHANNEL_NAMES.index(CHANNEL))
    return Touches(contact, time, channel, interaction, np.full(contact.size, campaign), none)


def campaign_frame(exp: Experiment, campaign_id: str) -> pd.DataFrame:
    """The experiment's one row of ``campaigns``."""
    return col.one_campaign(
        campaign_id, NAME, CHANNEL, SEND, SEND + WINDOW_DAYS * DAY - 1, exp.cost, CURRENCY
    )


def members_frame(exp: Experiment, campaign_id: str) -> pd.DataFrame:
    """``campaign_members``: everyone added at the send, controls flagged, clickers responded."""
    campaign_ids = col.strings([campaign_id] * exp.lead.size)
    contact_ids = col.ids("CON-", exp.lead + 1, 7)
    status = np.where(exp.control, 0, np.where(exp.visits, 2, 1))
    return col.frame(
        "campaign_members",
        {
            "member_key": col.join_key(campaign_ids, contact_ids),
            "campaign_id": campaign_ids,
            "contact_id": contact_ids,
            "added_at": col.timestamps(np.full(exp.lead.size, SEND)),
            "status": col.labels(("control", "sent", "responded"), status),
            "is_control": exp.control,
        },
    )


def orders_frame(exp: Experiment, contacts: Contacts, first_id: int) -> pd.DataFrame:
    """The treated buyers' online orders (no deal), numbered on from ``first_id``."""
    bought = exp.treated & exp.buys
    who = exp.lead[bought]
    return col.frame(
        "orders",
        {
            "order_id": col.ids("ORD-", first_id + np.arange(who.size), 8),
            "account_id": col.ids("ACC-", contacts.account[who] + 1, 7),
            "contact_id": col.ids("CON-", who + 1, 7),
            "deal_id": col.null_strings(who.size),
            "occurred_at": col.timestamps(exp.order_at[bought]),
            "amount": exp.amount[bought],
            "currency": col.labels((CURRENCY,), np.zeros(who.size, dtype=np.int64)),
            "kind": col.labels(("order",), np.zeros(who.size, dtype=np.int64)),
            "product": col.labels(PRODUCTS, contacts.segment[who]),
        },
    )


def visited_anyway(exp: Experiment, tables: dict[str, pd.DataFrame]) -> Bools:
    """Per member: a visit touchpoint or linked web session in its window without the e-mail.

    Read from the tables before the experiment's own rows are added, with the window
    ``crmroi experiments`` uses (from the send to ``WINDOW_DAYS`` later, both ends included).
    """
    lo, hi = pd.Timestamp(SEND, unit="s"), pd.Timestamp(SEND + WINDOW_DAYS * DAY, unit="s")
    t, s = tables["touchpoints"], tables["web_sessions"]
    in_t = (t["interaction"] == "visit") & t["occurred_at"].between(lo, hi)
    in_s = s["contact_id"].notna() & s["started_at"].between(lo, hi)
    seen = pd.concat([t.loc[in_t, "contact_id"], s.loc[in_s, "contact_id"]]).astype(str)
    return np.asarray(col.ids("CON-", exp.lead + 1, 7).isin(set(seen)))


def truth(exp: Experiment, campaign_id: str, anyway: Bools) -> dict[str, object]:
    """``truth["experiment"]``: the design, the planted probabilities and the true lifts."""
    return {
        "campaign_id": campaign_id,
        "name": NAME,
        "sent_at": str(np.datetime64(SEND, "s").astype("datetime64[D]")),
        "window_days": WINDOW_DAYS,
        "treated": int(exp.treated.sum()),
        "control": int(exp.control.sum()),
        "visit_probability": VISIT_PROBABILITY,
        "buy_probability": BUY_PROBABILITY,
        "mean_order": MEAN_ORDER,
        "visit_rate_lift": float(np.mean(exp.visits & ~anyway)),
        "spend_per_member_lift": float(np.mean(np.where(exp.buys, exp.amount, 0.0))),
        "spend_per_member_lift_planted": VISIT_PROBABILITY * BUY_PROBABILITY * MEAN_ORDER,
        "definition": "lifts are the mean over all members (both arms) of what the e-mail adds: "
        "a visit where none happened anyway, the money of the purchase it brings",
    }
