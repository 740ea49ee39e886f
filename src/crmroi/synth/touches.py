"""Touchpoints, campaign members and web sessions: the traces the planted journeys leave.

Every touch of a lead happens between its creation and its (potential) opportunity, so journeys
end at the conversion as attribution expects. A reached lead gets ``1 + Poisson(extra)`` primary
touches of its channel (a delivered e-mail, an ad click, a visit …), each followed with some
probability by a second and a third (open → click, ad click → visit → form). Control and holdout
leads get no touch at all: that is what "no-contact control" means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmroi.synth import columns as col
from crmroi.synth.accounts import Contacts
from crmroi.synth.marketing import CHANNELS, WORKFLOWS, Journeys
from crmroi.synth.plan import END, Bools, Ints, Seconds

INTERACTIONS = ("delivered", "open", "click", "visit", "ad_click", "form")
DELIVERED, OPENED, CLICK, VISIT, AD_CLICK, FORM = range(6)
CHANNEL_NAMES = (*(c.name for c in CHANNELS), "direct")
DIRECT = len(CHANNELS)
SOURCE_SYSTEMS = ("crm", "google_ads", "meta_ads", "ga4")
CHANNEL_SYSTEM = np.array([SOURCE_SYSTEMS.index(c.source_system) for c in CHANNELS] + [3])
TOUCH_SPEC: dict[str, tuple[int, float, int, float, int, float]] = {
    # primary, extra primaries (Poisson mean), secondary, P(secondary), tertiary, P(tertiary)
    "email": (DELIVERED, 2.0, OPENED, 0.35, CLICK, 0.35),
    "paid_search": (AD_CLICK, 0.8, VISIT, 0.9, FORM, 0.05),
    "paid_social": (AD_CLICK, 0.5, VISIT, 0.8, FORM, 0.03),
    "display": (AD_CLICK, 1.0, VISIT, 0.5, FORM, 0.0),
    "organic_search": (VISIT, 1.2, FORM, 0.05, FORM, 0.0),
    "events": (FORM, 0.2, VISIT, 0.6, FORM, 0.0),
    "webinar": (FORM, 0.3, VISIT, 0.5, FORM, 0.0),
    "referral": (VISIT, 0.3, FORM, 0.3, FORM, 0.0),
    "partner": (FORM, 0.3, VISIT, 0.5, FORM, 0.0),
    "direct_mail": (DELIVERED, 0.5, VISIT, 0.1, FORM, 0.0),
    "workflow": (DELIVERED, 2.0, OPENED, 0.45, CLICK, 0.4),
}


@dataclass(frozen=True)
class Touches:
    """Touch rows as arrays (codes into CHANNEL_NAMES, INTERACTIONS; -1 for no campaign)."""

    contact: Ints
    time: Seconds
    channel: Ints
    interaction: Ints
    campaign: Ints
    workflow: Ints

    @staticmethod
    def concat(parts: list[Touches]) -> Touches:
        """All parts in one, ordered by time (then by part order, stably)."""
        merged = [np.concatenate([getattr(p, f) for p in parts]) for f in Touches.__annotations__]
        order = np.argsort(merged[1], kind="stable")
        return Touches(*(m[order] for m in merged))


def _expand(
    contact: Ints,
    lo: Seconds,
    hi: Seconds,
    spec: tuple[int, float, int, float, int, float],
    rng: np.random.Generator,
    pin_first: Bools,
) -> tuple[Ints, Seconds, Ints]:
    """Touches for exposures (contact, window [lo, hi)): returns contact, time, interaction.

    Where ``pin_first`` is set, the exposure's first touch happens at ``lo`` (the touch that
    created the lead, or the enrolment e-mail).
    """
    primary, extra, second, p2, third, p3 = spec
    count = 1 + rng.poisson(extra, contact.size)
    row = np.repeat(np.arange(contact.size), count)
    first = np.r_[0, np.cumsum(count)[:-1]]
    span = (hi - lo)[row]
    time = lo[row] + (rng.random(row.size) * span).astype(np.int64)
    time[first] = np.where(pin_first, lo, time[first])
    has2 = rng.random(row.size) < p2
    has3 = has2 & (rng.random(row.size) < p3)
    t2 = time + rng.integers(60, 36 * 3600, row.size)
    t3 = t2 + rng.integers(5, 600, row.size)
    who = contact[row]
    return (
        np.concatenate([who, who[has2], who[has3]]),
        np.concatenate([time, t2[has2], t3[has3]]),
        np.concatenate(
            [np.full(row.size, primary), np.full(has2.sum(), second), np.full(has3.sum(), third)]
        ),
    )


def _keep(end: Seconds, c: Ints, t: Seconds, i: Ints) -> tuple[Ints, Seconds, Ints]:
    """Drop follow-up touches that would land after the journey's end or the horizon."""
    ok = (t < end[c]) & (t < END)
    return c[ok], t[ok], i[ok]


def journey_touches(contacts: Contacts, journeys: Journeys, rng: np.random.Generator) -> Touches:
    """Campaign and workflow touches of every lead, inside its journey window."""
    parts: list[Touches] = []
    end = contacts.created + journeys.length
    treated = journeys.treated
    for k, ch in enumerate(CHANNELS):
        who = np.flatnonzero(treated[:, k])
        origin = journeys.origin[who] == k
        c, t, i = _keep(
            end, *_expand(who, contacts.created[who], end[who], TOUCH_SPEC[ch.name], rng, origin)
        )
        camp = journeys.campaign[c, k].astype(np.int64)
        parts.append(Touches(c, t, np.full(c.size, k), i, camp, np.full(c.size, -1)))
    email = CHANNEL_NAMES.index("email")
    for w in range(len(WORKFLOWS)):
        who = np.flatnonzero(journeys.enrolled[:, w])
        c, t, i = _keep(
            end,
            *_expand(
                who,
                journeys.enrolled_at[who, w],
                end[who],
                TOUCH_SPEC["workflow"],
                rng,
                np.ones(who.size, dtype=bool),
            ),
        )
        parts.append(
            Touches(c, t, np.full(c.size, email), i, np.full(c.size, -1), np.full(c.size, w))
        )
    return Touches.concat(parts)


def touchpoints_frame(touches: Touches, contact_account: Ints) -> pd.DataFrame:
    """The ``touchpoints`` table (every touch is already inside the horizon)."""
    n = touches.contact.size
    return col.frame(
        "touchpoints",
        {
            "touchpoint_id": col.ids("TP-", np.arange(1, n + 1), 8),
            "contact_id": col.ids("CON-", touches.contact + 1, 7),
            "account_id": col.ids("ACC-", contact_account[touches.contact] + 1, 7),
            "occurred_at": col.timestamps(touches.time),
            "channel": col.labels(CHANNEL_NAMES, touches.channel),
            "interaction": col.labels(INTERACTIONS, touches.interaction),
            "campaign_id": col.ids("CMP-", touches.campaign + 1, 3, null=touches.campaign < 0),
            "workflow_id": col.ids("WF-", touches.workflow + 1, 2, null=touches.workflow < 0),
            "source_system": col.labels(SOURCE_SYSTEMS, CHANNEL_SYSTEM[touches.channel]),
        },
    )


def members_frame(contacts: Contacts, journeys: Journeys, touches: Touches) -> pd.DataFrame:
    """``campaign_members`` of the CRM-run campaigns: every reached lead, controls flagged."""
    crm = [k for k, ch in enumerate(CHANNELS) if ch.source_system == "crm"]
    lead, k = np.nonzero(journeys.campaign[:, crm] >= 0)
    channel = np.asarray(crm)[k]
    campaign = journeys.campaign[lead, channel].astype(np.int64)
    control = journeys.control[lead, channel]
    engaged = np.isin(touches.interaction, (CLICK, VISIT, FORM)) & (touches.campaign >= 0)
    n_campaigns = int(journeys.campaign.max(initial=0)) + 1
    responded_pairs = np.unique(touches.contact[engaged] * n_campaigns + touches.campaign[engaged])
    responded = np.isin(lead * n_campaigns + campaign, responded_pairs)
    order = np.lexsort((lead, campaign))
    lead, campaign, control, responded = (
        lead[order],
        campaign[order],
        control[order],
        responded[order],
    )
    status = np.where(control, 0, np.where(responded, 2, 1))
    campaign_ids = col.ids("CMP-", campaign + 1, 3)
    contact_ids = col.ids("CON-", lead + 1, 7)
    return col.frame(
        "campaign_members",
        {
            "member_key": col.join_key(campaign_ids, contact_ids),
            "campaign_id": campaign_ids,
            "contact_id": contact_ids,
            "added_at": col.timestamps(contacts.created[lead]),
            "status": col.labels(("control", "sent", "responded"), status),
            "is_control": control,
        },
    )


GA_SOURCE = {
    "email": ("newsletter", "email", "Email"),
    "paid_search": ("google", "cpc", "Paid Search"),
    "paid_social": ("facebook", "paid_social", "Paid Social"),
    "display": ("google", "display", "Display"),
    "organic_search": ("google", "organic", "Organic Search"),
    "events": ("events", "offline", "Other"),
    "webinar": ("webinar", "email", "Email"),
    "referral": ("partnersite.com", "referral", "Referral"),
    "partner": ("partner", "referral", "Referral"),
    "direct_mail": ("print", "offline", "Other"),
    "direct": ("(direct)", "(none)", "Direct"),
}
LINKED_SHARE = 0.45
"""Share of sessions GA4 can tie to a contact (logged-in or e-mail hash matched)."""
ANONYMOUS_PER_CONTACT = 0.4


def sessions_frame(
    touches: Touches, campaign_names: tuple[str, ...], n_contacts: int, rng: np.random.Generator
) -> pd.DataFrame:
    """GA4-like sessions: one per visit/form touch, plus anonymous traffic no contact explains."""
    web = np.isin(touches.interaction, (VISIT, FORM))
    contact = touches.contact[web]
    time = touches.time[web]
    channel = touches.channel[web]
    campaign = touches.campaign[web]
    form = touches.interaction[web] == FORM
    n_anon = round(ANONYMOUS_PER_CONTACT * n_contacts)
    anon_time = np.sort(rng.choice(time, n_anon)) + rng.integers(-86_400, 86_400, n_anon)
    anon_time = np.clip(anon_time, time.min(initial=0), END - 1)
    anon_channel = rng.choice([0, 1, 4, 7, DIRECT], n_anon, p=[0.05, 0.2, 0.35, 0.1, 0.3])
    pseudo = np.r_[contact + 1, n_contacts + 1 + np.arange(n_anon)]
    time = np.r_[time, anon_time]
    channel = np.r_[channel, anon_channel]
    campaign = np.r_[campaign, np.full(n_anon, -1)]
    form = np.r_[form, np.zeros(n_anon, dtype=bool)]
    linked = np.r_[rng.random(contact.size) < LINKED_SHARE, np.zeros(n_anon, dtype=bool)]
    key = pd.DataFrame({"p": pseudo, "t": time}).duplicated().to_numpy()
    keep = np.flatnonzero(~key)
    keep = keep[np.argsort(time[keep], kind="stable")]
    pseudo, time, channel, campaign = pseudo[keep], time[keep], channel[keep], campaign[keep]
    form, linked = form[keep], linked[keep]
    pseudo_ids = col.ids("GA1.", pseudo * 7919 % 1_000_000_007, 10)
    src = [GA_SOURCE[name] for name in CHANNEL_NAMES]
    engaged = form | (rng.random(keep.size) < 0.55)
    return col.frame(
        "web_sessions",
        {
            "session_id": col.join_key(pseudo_ids, col.ids("", time, 10)),
            "user_pseudo_id": pseudo_ids,
            "contact_id": col.ids("CON-", pseudo, 7, null=~linked),
            "started_at": col.timestamps(time),
            "source": col.labels([s[0] for s in src], channel),
            "medium": col.labels([s[1] for s in src], channel),
            "campaign": col.labels(campaign_names, campaign),
            "channel": col.labels([s[2] for s in src], channel),
            "engaged": engaged,
            "conversions": form.astype(np.int64),
            "revenue": np.zeros(keep.size),
        },
    )
