"""``generate()``: build the whole simulated company from a size and a seed.

Each part of the world draws from its own child generator (``Generator.spawn``), so adding a
draw in one module never shifts the numbers of another, and the same seed always gives the same
tables, byte for byte, on any machine with the same library versions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmroi.errors import InputError
from crmroi.synth import columns as col
from crmroi.synth import experiment as experiments
from crmroi.synth import flop as flops
from crmroi.synth import presets
from crmroi.synth.accounts import Contacts, duplicates, make_accounts, make_contacts
from crmroi.synth.activities import make_activities
from crmroi.synth.costs import costs_frame
from crmroi.synth.marketing import (
    CHANNELS,
    WORKFLOWS,
    Campaigns,
    Journeys,
    make_campaigns,
    make_journeys,
)
from crmroi.synth.people import GERMAN_SPEAKING, Roster, make_users
from crmroi.synth.pipeline import OPEN, WON, Deals, make_deals, stages_frame
from crmroi.synth.plan import CURRENCY, END, PILOT_GO_LIVE, SIZES, STAGGERED_GO_LIVE, Size
from crmroi.synth.revenue import Subscriptions, make_subscriptions, monthly_events, orders_frame
from crmroi.synth.spend import Company, empty_spend, make_spend
from crmroi.synth.surveys import surveys_frame
from crmroi.synth.touches import (
    CHANNEL_NAMES,
    DIRECT,
    OPENED,
    VISIT,
    Touches,
    journey_touches,
    members_frame,
    sessions_frame,
    touchpoints_frame,
)
from crmroi.synth.traffic import traffic_frame
from crmroi.synth.truth import World, build_truth

Progress = Callable[[str], None]
STEPS = (
    "people",
    "marketing",
    "deals",
    "revenue",
    "touchpoints",
    "activities",
    "web sessions",
    "tables and truth",
)
"""The steps ``generate`` reports to its ``progress`` hook, in order, each when it is done."""
STREAMS = (
    "users",
    "contacts",
    "accounts",
    "campaigns",
    "journeys",
    "deals",
    "touches",
    "subscriptions",
    "orders",
    "activities",
    "surveys",
    "sessions",
    "customer",
    "duplicates",
    "flop",
    "spend",
)


@dataclass(frozen=True)
class SyntheticCompany:
    """The canonical tables of a simulated company and the truth planted in them."""

    tables: dict[str, pd.DataFrame]
    truth: dict[str, object]


def _quiet(step: str) -> None:
    """Default progress hook: say nothing (library code never prints)."""


def generate(
    size: str = "small",
    seed: int = 0,
    *,
    preset: str = "default",
    progress: Progress = _quiet,
    staggered: bool = False,
    pilot: bool = False,
    spend_channels: bool = False,
    experiment: bool = False,
) -> SyntheticCompany:
    """Simulate the company: ``small`` (~2k contacts), ``medium`` (~50k) or ``large`` (~1M).

    ``preset`` chooses the planted problems (:mod:`crmroi.synth.presets`: ``default`` plants
    them all, ``healthy`` none).

    ``staggered``: the sales teams go live one after another (``plan.STAGGERED_GO_LIVE``, recorded
    in ``truth["go_live_by_team"]``) instead of all at ``ADOPTION``; the CRM's win-rate and cycle
    effects start at the owner's team's date. Lead-response habits still switch at ``ADOPTION``.

    ``spend_channels``: the company also spends on channels known only by their weekly spend
    (:mod:`crmroi.synth.spend`), whose untracked leads and deals are appended to ``contacts``,
    ``deals`` and ``deal_stage_history``, their spend in ``channel_spend`` and their planted
    return in ``truth["spend_channels"]``. Off, ``channel_spend`` is empty and every other
    table is as it always was.

    ``pilot``: only the SMB team gets the CRM, at ``ADOPTION``; the Mid-Market and Enterprise
    teams get it when the history ends (``plan.PILOT_GO_LIVE``, in ``truth["go_live_by_team"]``):
    one treated team and two donors, the design of a synthetic control. Every draw is the same
    as without it; only which deals get the CRM's effect changes.

    ``experiment``: one more e-mail campaign, a randomised test on the contacts who have not
    bought (:mod:`crmroi.synth.experiment`), with planted lifts on web visits and on spend per
    member, recorded in ``truth["experiment"]``. Its rows are added to ``campaigns``,
    ``campaign_members``, ``touchpoints`` and ``orders``; it draws from its own generator
    (``default_rng([seed, 7919])``), so off, every table is as it always was.

    ``progress`` is called with the name of each of ``STEPS`` when it is done (the CLI shows
    a progress bar with it).
    """
    if size not in SIZES:
        raise InputError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    if staggered and pilot:
        raise InputError("choose staggered or pilot go-lives, not both")
    spec: Size = SIZES[size]
    plant = presets.preset(preset)
    rngs = dict(zip(STREAMS, np.random.default_rng(seed).spawn(len(STREAMS)), strict=True))
    go_live = STAGGERED_GO_LIVE if staggered else PILOT_GO_LIVE if pilot else None
    users = make_users(spec, rngs["users"], plant.low_adoption_share, go_live=go_live)
    roster = Roster.of(users)
    contacts, segment = make_contacts(spec, roster, rngs["contacts"])
    accounts = make_accounts(segment, contacts, roster, rngs["accounts"])
    progress("people")
    campaigns = make_campaigns(rngs["campaigns"], plant.channel_lift)
    journeys = make_journeys(
        contacts, campaigns, rngs["journeys"], plant.workflow_lift, plant.holdout_share
    )
    progress("marketing")
    deals = make_deals(
        contacts,
        journeys,
        users,
        roster,
        accounts.frame["name"],
        rngs["deals"],
        broken_stage=plant.broken_stage,
    )
    progress("deals")
    subs = make_subscriptions(
        deals,
        users.low,
        rngs["subscriptions"],
        decline_share=plant.decline_share,
        at_risk_share=plant.at_risk_share,
        falling_segment=plant.falling_segment,
    )
    orders = orders_frame(deals, subs, rngs["orders"])
    progress("revenue")
    touches = Touches.concat(
        [
            journey_touches(contacts, journeys, rngs["touches"]),
            _customer_touches(deals, subs, rngs["customer"]),
        ]
    )
    progress("touchpoints")
    activities, first_outbound = make_activities(
        users,
        roster,
        contacts,
        journeys,
        deals,
        subs,
        rngs["activities"],
        follow_up=plant.follow_up,
    )
    surveys, nps_scores = surveys_frame(
        deals, subs, GERMAN_SPEAKING[accounts.country], rngs["surveys"]
    )
    costs, cost_totals = costs_frame(users, (journeys.enrol == 1).sum(axis=0).astype(np.int64))
    progress("activities")
    sessions = sessions_frame(touches, campaigns.name, contacts.created.size, rngs["sessions"])
    # before the big tables below: its grouping's scratch memory then does not add to their peak
    traffic = traffic_frame(sessions)
    original, dup_created = duplicates(contacts, rngs["duplicates"], plant.duplicate_share)
    progress("web sessions")
    flop = flops.make_flop(contacts, rngs["flop"]) if plant.flop_campaign else None
    tables = {
        "accounts": accounts.frame,
        "contacts": _contacts_frame(contacts, journeys, deals, original, dup_created),
        "users": users.frame,
        "deals": deals.frame,
        "stages": stages_frame(),
        "deal_stage_history": deals.history,
        "activities": activities,
        "campaigns": _appended(
            _campaigns_frame(campaigns, journeys),
            None if flop is None else flops.campaign_frame(flop, flop_campaign_id(campaigns)),
        ),
        "campaign_members": _appended(
            members_frame(contacts, journeys, touches),
            None
            if flop is None
            else flops.members_frame(flop, contacts, flop_campaign_id(campaigns)),
        ),
        "workflows": _workflows_frame(),
        "workflow_enrollments": _enrollments_frame(contacts, journeys),
        "touchpoints": touchpoints_frame(touches, contacts.account),
        "web_sessions": sessions,
        "web_traffic": traffic,
        "orders": orders,
        "survey_responses": surveys,
        "costs": costs,
    }
    world = World(
        spec,
        seed,
        plant,
        users,
        contacts,
        accounts,
        campaigns,
        journeys,
        deals,
        subs,
        first_outbound,
        nps_scores,
        cost_totals,
        original,
        len(contacts.created),
        flop,
    )
    spend = None
    if spend_channels:
        spend = make_spend(_spend_company(tables, deals), rngs["spend"], plant.spend_roas)
        for name, extra in (
            ("contacts", spend.contacts),
            ("deals", spend.deals),
            ("deal_stage_history", spend.history),
        ):
            tables[name] = _appended(tables[name], extra)
    tables["channel_spend"] = empty_spend() if spend is None else spend.spend
    planted = (
        _add_experiment(
            tables, contacts, deals, touches, campaigns.channel.size + (flop is not None), seed
        )
        if experiment
        else None
    )
    truth = build_truth(world, tables)
    if spend is not None:
        truth["spend_channels"] = spend.truth
    if planted is not None:
        truth["experiment"] = planted
    progress("tables and truth")
    return SyntheticCompany(tables=tables, truth=truth)


def _add_experiment(
    tables: dict[str, pd.DataFrame],
    contacts: Contacts,
    deals: Deals,
    touches: Touches,
    campaign: int,
    seed: int,
) -> dict[str, object]:
    """Add the e-mail experiment's rows to ``tables`` (campaign index ``campaign``); its truth.

    Who would have visited anyway is read before its touchpoints are added.
    """
    exp = experiments.make_experiment(contacts, deals, np.random.default_rng([seed, 7919]))
    campaign_id = f"CMP-{campaign + 1:03d}"
    anyway = experiments.visited_anyway(exp, tables)
    both = Touches.concat([touches, experiments.touches(exp, campaign)])
    tables["touchpoints"] = touchpoints_frame(both, contacts.account)
    for name, extra in (
        ("campaigns", experiments.campaign_frame(exp, campaign_id)),
        ("campaign_members", experiments.members_frame(exp, campaign_id)),
        ("orders", experiments.orders_frame(exp, contacts, len(tables["orders"]) + 1)),
    ):
        tables[name] = _appended(tables[name], extra)
    return experiments.truth(exp, campaign_id, anyway)


def _spend_company(tables: dict[str, pd.DataFrame], deals: Deals) -> Company:
    """What the spend-only channels take from the company: its leads and what a lead is worth."""
    leads = len(tables["contacts"])
    won = deals.status == WON
    users = tables["users"]
    return Company(
        leads=leads,
        won_share=float(won.sum()) / leads,
        value_per_lead=float(deals.amount[won].sum()) / leads,
        reps=tuple(users.loc[users["role"] == "rep", "user_id"].astype(str)),
        next_contact=leads + 1,
        next_deal=len(tables["deals"]) + 1,
    )


def _customer_touches(deals: Deals, subs: Subscriptions, rng: np.random.Generator) -> Touches:
    """Newsletter opens and site visits of paying customers (the engagement signal)."""
    from crmroi.synth.plan import CUSTOMER_TOUCHES_PER_MONTH

    sub, time = monthly_events(subs, CUSTOMER_TOUCHES_PER_MONTH, rng)
    visit = rng.random(sub.size) < 0.4
    contact = deals.contact[subs.deal[sub]]
    email = CHANNEL_NAMES.index("email")
    none = np.full(sub.size, -1)
    return Touches(
        contact, time, np.where(visit, DIRECT, email), np.where(visit, VISIT, OPENED), none, none
    )


def _contacts_frame(
    contacts: Contacts,
    journeys: Journeys,
    deals: Deals,
    original: np.ndarray,
    dup_created: np.ndarray,
) -> pd.DataFrame:
    n = contacts.created.size
    status = np.full(n, -1)
    status[deals.contact] = deals.status
    stage = np.where(
        status == WON,
        3,
        np.where(status >= OPEN, 2, np.where(journeys.treated.sum(axis=1) >= 2, 1, 0)),
    )
    every = np.r_[np.arange(n), original]
    stage = np.r_[stage, np.zeros(original.size, dtype=np.int64)]
    source = np.where(journeys.origin >= 0, journeys.origin, DIRECT)[every]
    created = np.r_[contacts.created, dup_created]
    converted = np.r_[contacts.created + journeys.length, np.zeros(original.size, np.int64)]
    is_converted = np.r_[journeys.opportunity, np.zeros(original.size, dtype=bool)]
    return col.frame(
        "contacts",
        {
            "contact_id": col.ids("CON-", np.arange(1, every.size + 1), 7),
            "account_id": col.ids("ACC-", contacts.account[every] + 1, 7),
            "email_hash": pd.Series(contacts.email_hash.array.take(every)),
            "lifecycle_stage": col.labels(("lead", "mql", "opportunity", "customer"), stage),
            "source": col.labels(CHANNEL_NAMES, source),
            "owner_id": col.ids("USR-", contacts.owner[every] + 1, 3),
            "created_at": col.timestamps(created),
            "converted_at": col.timestamps(converted, null=~is_converted),
        },
    )


def _campaigns_frame(campaigns: Campaigns, journeys: Journeys) -> pd.DataFrame:
    n = campaigns.channel.size
    reached = np.bincount(journeys.campaign[journeys.treated].astype(np.int64), minlength=n)
    per_reach = np.array([CHANNELS[k].cost_per_reach for k in campaigns.channel])
    return col.frame(
        "campaigns",
        {
            "campaign_id": col.ids("CMP-", np.arange(1, n + 1), 3),
            "name": col.strings(campaigns.name),
            "channel": col.labels([c.name for c in CHANNELS], campaigns.channel),
            "source_system": col.strings([CHANNELS[k].source_system for k in campaigns.channel]),
            "started_at": col.timestamps(campaigns.start),
            "ended_at": col.timestamps(campaigns.end),
            "cost": np.round(500.0 + per_reach * reached, 2),
            "currency": col.strings([CURRENCY] * n),
        },
    )


def flop_campaign_id(campaigns: Campaigns) -> str:
    """The flop campaign's id: the one after the channels' campaigns."""
    return f"CMP-{campaigns.channel.size + 1:03d}"


def _appended(rows: pd.DataFrame, flop_rows: pd.DataFrame | None) -> pd.DataFrame:
    """``rows`` followed by more (the flop campaign's, the spend-only channels'), if any.

    Concatenated Arrow-backed text columns hold two chunks, which Spark's Arrow conversion
    refuses ("Cannot convert ChunkedArray to Array"); each column is made one chunk again.
    """
    if flop_rows is None:
        return rows
    both = pd.concat([rows, flop_rows], ignore_index=True)
    return both.assign(
        **{
            name: both[name].astype(object).astype(both[name].dtype)
            for name in both.columns
            if isinstance(both[name].dtype, pd.StringDtype)
        }
    )


def _workflows_frame() -> pd.DataFrame:
    n = len(WORKFLOWS)
    return col.frame(
        "workflows",
        {
            "workflow_id": col.ids("WF-", np.arange(1, n + 1), 2),
            "name": col.strings([w.name for w in WORKFLOWS]),
            "kind": col.strings([w.kind for w in WORKFLOWS]),
            "created_at": col.timestamps(np.array([w.created for w in WORKFLOWS])),
            "cost": [w.cost for w in WORKFLOWS],
            "currency": col.strings([CURRENCY] * n),
        },
    )


def _enrollments_frame(contacts: Contacts, journeys: Journeys) -> pd.DataFrame:
    lead, w = np.nonzero(journeys.enrol > 0)
    at = journeys.enrolled_at[lead, w]
    keep = np.flatnonzero(at < END)
    keep = keep[np.lexsort((lead[keep], w[keep]))]
    lead, w, at = lead[keep], w[keep], at[keep]
    wf = col.ids("WF-", w + 1, 2)
    contact = col.ids("CON-", lead + 1, 7)
    return col.frame(
        "workflow_enrollments",
        {
            "enrollment_key": col.join_key(wf, contact, col.iso_key(at)),
            "workflow_id": wf,
            "contact_id": contact,
            "enrolled_at": col.timestamps(at),
            "holdout": journeys.enrol[lead, w] == 2,
        },
    )


__all__ = ["STEPS", "SyntheticCompany", "generate"]
