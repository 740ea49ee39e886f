"""The planted losing campaign: costly, without any effect, and run against a control group.

The zero-lift display campaigns keep no control group, so nothing can tell that they lose
money (their revenue is only attributed). This campaign can: a starter-kit box mailed to SMB
leads as an A/B test, half of the leads kept as its no-contact control. It has no lift, so it
changes nobody's conversion (the journeys, deals and everything drawn from them stay exactly as
without it), and it leaves no touchpoint (a parcel is not tracked), so attribution is untouched
too. Its whole cost is lost. With SMB revenue per lead varying by about 2,000 EUR, a loss is
only provable when the box costs a good share of that and thousands of leads take part: on the
medium company (about 5,665 per arm) the 95 % interval of its incremental revenue stays below
its cost; the small one has too few leads to tell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmroi.synth import columns as col
from crmroi.synth.accounts import Contacts
from crmroi.synth.plan import CURRENCY, DAY, END, SEGMENTS, START, Bools, Ints

NAME = "SMB starter kit"
CHANNEL = "direct_mail"
SEGMENT = SEGMENTS.index("SMB")
CONTROL_SHARE = 0.5
"""An A/B test: half of the targeted leads get nothing."""
COST_PER_TREATED = 50.0
"""A box of samples and print, shipped, per lead it reached."""
SETUP_COST = 170.0
LAST_LEAD = END - 180 * DAY
"""Leads created later are left out: their 180-day outcome window would run past the horizon."""


@dataclass(frozen=True)
class Flop:
    """Who the flop campaign targeted, and who of them was kept as its control."""

    lead: Ints
    control: Bools

    @property
    def cost(self) -> float:
        """Setup plus a box per treated lead, as in ``campaigns.cost``."""
        return round(SETUP_COST + COST_PER_TREATED * float((~self.control).sum()), 2)


def make_flop(contacts: Contacts, rng: np.random.Generator) -> Flop:
    """Every SMB lead created before ``LAST_LEAD``; a random half of them is the control.

    An exact split, as a CRM's A/B test splits its list, rather than a coin per lead.
    """
    lead = np.flatnonzero((contacts.segment == SEGMENT) & (contacts.created < LAST_LEAD))
    return Flop(lead, rng.permutation(lead.size) < round(CONTROL_SHARE * lead.size))


def campaign_frame(flop: Flop, campaign_id: str) -> pd.DataFrame:
    """The flop's one row of ``campaigns``."""
    return col.one_campaign(campaign_id, NAME, CHANNEL, START, LAST_LEAD - 1, flop.cost, CURRENCY)


def members_frame(flop: Flop, contacts: Contacts, campaign_id: str) -> pd.DataFrame:
    """The flop's ``campaign_members``: added when the lead came in, controls flagged."""
    campaign_ids = col.strings([campaign_id] * flop.lead.size)
    contact_ids = col.ids("CON-", flop.lead + 1, 7)
    return col.frame(
        "campaign_members",
        {
            "member_key": col.join_key(campaign_ids, contact_ids),
            "campaign_id": campaign_ids,
            "contact_id": contact_ids,
            "added_at": col.timestamps(contacts.created[flop.lead]),
            "status": col.labels(("control", "sent"), (~flop.control).astype(np.int64)),
            "is_control": flop.control,
        },
    )
