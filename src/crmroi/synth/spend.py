"""Spend-only channels: print, radio, trade fairs and an ad platform, known only by their money.

With ``generate(..., spend_channels=True)`` the company also spends every week on channels that
leave no trace on a contact, and their leads arrive untracked (no source, no campaign). The rule
that plants their effect, per channel c and week t:

    leads_c(t) ~ Poisson(β_c · hill(adstock(spend_c; decay_c)(t); half_c))

(:mod:`crmroi.mmm.transforms`: geometric adstock, Hill saturation with shape 1). Each such lead
wins a deal with the company's own chance (won deals ÷ leads of the rest of the world) and an
amount whose mean makes a lead worth the company's revenue per lead ``value_per_lead``, so
the planted return of a channel is exact:

    ROAS_c = value_per_lead × Σ_t E[leads_c(t)] ÷ Σ_t spend_c(t),   ROI_c = ROAS_c − 1

β_c is solved from the planted ROAS. Spend is flighted (runs of 2–8 weeks on air and off,
varying on air, like :mod:`crmroi.mmm.worlds`), and each channel's leads over the horizon are a
planted share of the company's other leads, so the channels grow with the company's size. All
draws come from the ``spend`` stream: the rest of the company is the same with or without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from crmroi.ingest.transform import email_hash
from crmroi.mmm.transforms import adstock, hill
from crmroi.synth import columns as col
from crmroi.synth.plan import CURRENCY, DAY, END, START, Floats, Ints

WEEK = 7 * DAY
FIRST_MONDAY = START + DAY
"""2023-01-02, the first Monday of the history; the channels' weeks start on Mondays."""
WEEKS = (END - FIRST_MONDAY) // WEEK
AMOUNT_SIGMA = 0.5
CYCLE_DAYS = (20.0, 60.0)
"""Days from such a lead to its deal's close: uniform; a deal not closed by the end stays open."""


@dataclass(frozen=True)
class SpendChannel:
    """A channel known only by its spend, with its planted carry-over, saturation and return."""

    name: str
    lead_share: float
    """Its expected leads over the horizon ÷ the company's other leads."""
    decay: float
    half_multiple: float
    """Half-saturation ÷ the channel's mean effective spend on air."""
    roas: float
    """Planted won revenue per unit of spend."""


SPEND_CHANNELS: tuple[SpendChannel, ...] = (
    SpendChannel("print", 0.05, 0.3, 1.0, 0.3),
    SpendChannel("radio", 0.05, 0.6, 1.5, 1.6),
    SpendChannel("trade_fairs", 0.04, 0.2, 0.8, 3.2),
    SpendChannel("linkedin_ads", 0.05, 0.1, 2.0, 2.3),
)
"""Print loses money (less than a third of its spend comes back); the others pay, trade fairs
best."""


@dataclass(frozen=True)
class SpendWorld:
    """The channels' frames to append, and what was planted and realised."""

    spend: pd.DataFrame
    contacts: pd.DataFrame
    deals: pd.DataFrame
    history: pd.DataFrame
    truth: dict[str, object]


def _flighted(rng: np.random.Generator) -> Floats:
    """Weekly spend of one channel in relative units: runs of 2–8 weeks on and off air."""
    out = np.zeros(WEEKS)
    on, t = rng.random() < 0.5, 0
    while t < WEEKS:
        run = int(rng.integers(2, 9))
        if on:
            out[t : t + run] = rng.lognormal(0, 0.4, run)[: WEEKS - t] * rng.uniform(0.5, 1.5)
        on, t = not on, t + run
    return out


@dataclass(frozen=True)
class Company:
    """What the channels take from the rest of the company."""

    leads: int
    won_share: float
    value_per_lead: float
    reps: tuple[str, ...]
    next_contact: int
    next_deal: int


def empty_spend() -> pd.DataFrame:
    """The ``channel_spend`` table of a company without spend-only channels."""
    none = np.zeros(0, np.int64)
    return col.frame(
        "channel_spend",
        {
            "spend_key": col.null_strings(0),
            "period_start": col.timestamps(none),
            "channel": col.null_strings(0),
            "campaign": col.null_strings(0),
            "spend": np.zeros(0),
            "currency": col.null_strings(0),
        },
    )


def make_spend(company: Company, rng: np.random.Generator, roas: Mapping[str, float]) -> SpendWorld:
    """Spend, leads and deals of :data:`SPEND_CHANNELS` (``roas`` overrides planted returns)."""
    weeks = FIRST_MONDAY + WEEK * np.arange(WEEKS)
    rows, truth, leads_at, lead_channel = [], {}, [], []
    for k, channel in enumerate(SPEND_CHANNELS):
        planted = roas.get(channel.name, channel.roas)
        leads = channel.lead_share * company.leads
        shape = _flighted(rng)
        spend = np.round(shape * leads * company.value_per_lead / planted / shape.sum(), 2)
        effective = adstock(spend, channel.decay)
        half = channel.half_multiple * float(effective[spend > 0].mean())
        curve = hill(effective, half)
        beta = leads / float(curve.sum())
        realised = rng.poisson(beta * curve)
        at = np.repeat(weeks, realised) + rng.integers(0, WEEK, int(realised.sum()))
        leads_at.append(at)
        lead_channel.append(np.full(at.size, k))
        on = spend > 0
        rows.append(pd.DataFrame({"week": weeks[on], "channel": channel.name, "spend": spend[on]}))
        truth[channel.name] = {
            "spend": round(float(spend.sum()), 2),
            "decay": channel.decay,
            "half_saturation": round(half, 2),
            "leads_expected": round(leads, 1),
            "leads_realised": int(realised.sum()),
            "roas": round(company.value_per_lead * leads / float(spend.sum()), 4),
            "roi": round(company.value_per_lead * leads / float(spend.sum()) - 1, 4),
        }
    created = np.concatenate(leads_at)
    order = np.argsort(created, kind="stable")
    created, channel_of = created[order], np.concatenate(lead_channel)[order]
    deals, history, opened = _deals(company, created, rng)
    return SpendWorld(
        spend=_spend_frame(pd.concat(rows, ignore_index=True)),
        contacts=_contacts_frame(company, created, opened, deals, rng),
        deals=deals,
        history=history,
        truth={
            "definition": "per channel: planted roas = value_per_lead × expected leads ÷ spend; "
            "roi = roas − 1 (on revenue, before margin); leads arrive untracked",
            "value_per_lead": round(company.value_per_lead, 2),
            "won_share": round(company.won_share, 6),
            "channels": truth,
            "ranking": sorted(truth, key=lambda c: float(truth[c]["roas"])),
            "leads_by_channel": np.bincount(channel_of, minlength=len(SPEND_CHANNELS)).tolist(),
        },
    )


def _spend_frame(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.sort_values(["week", "channel"], kind="stable").reset_index(drop=True)
    week = rows["week"].to_numpy(np.int64)
    channel = col.strings(rows["channel"])
    return col.frame(
        "channel_spend",
        {
            "spend_key": col.join_key(col.iso_key(week), channel, col.strings([""] * len(rows))),
            "period_start": col.timestamps(week),
            "channel": channel,
            "campaign": col.null_strings(len(rows)),
            "spend": rows["spend"].to_numpy(float),
            "currency": col.strings([CURRENCY] * len(rows)),
        },
    )


def _contacts_frame(
    company: Company, created: Ints, opened: Ints, deals: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """One contact per untracked lead; a lead with a deal converted when the deal was opened."""
    n = created.size
    number = company.next_contact + np.arange(n)
    email = pa.array([f"lead.{i}@offline.example" for i in number])
    stage = np.zeros(n, dtype=np.int64)
    stage[opened] = np.where(deals["status"].to_numpy() == "won", 2, 1)
    converted = np.zeros(n, dtype=np.int64)
    converted[opened] = deals["created_at"].to_numpy("datetime64[s]").astype(np.int64)
    has_deal = np.zeros(n, dtype=bool)
    has_deal[opened] = True
    return col.frame(
        "contacts",
        {
            "contact_id": col.ids("CON-", number, 7),
            "account_id": col.null_strings(n),
            "email_hash": col.from_arrow(email_hash(email)),
            "lifecycle_stage": col.labels(("lead", "opportunity", "customer"), stage),
            "source": col.null_strings(n),
            "owner_id": col.strings(rng.choice(company.reps, n)),
            "created_at": col.timestamps(created),
            "converted_at": col.timestamps(converted, null=~has_deal),
        },
    )


def _deals(
    company: Company, created: Ints, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame, Ints]:
    """Deals of the leads that win (their indices too); a close after the end stays open."""
    lead = np.flatnonzero(rng.random(created.size) < company.won_share)
    n = lead.size
    mean = company.value_per_lead / company.won_share
    amount = np.round(rng.lognormal(np.log(mean) - AMOUNT_SIGMA**2 / 2, AMOUNT_SIGMA, n), 0)
    opened = created[lead] + (rng.uniform(3, 10, n) * DAY).astype(np.int64)
    closed = opened + (rng.uniform(*CYCLE_DAYS, n) * DAY).astype(np.int64)
    is_open = closed >= END
    deal_ids = col.ids("DEAL-", company.next_deal + np.arange(n), 7)
    stage = col.labels(("Qualification", "Closed Won"), np.where(is_open, 0, 1))
    frame = col.frame(
        "deals",
        {
            "deal_id": deal_ids,
            "name": col.strings(["Untracked lead – Starter"] * n),
            "account_id": col.null_strings(n),
            "contact_id": col.ids("CON-", company.next_contact + lead, 7),
            "owner_id": col.strings(rng.choice(company.reps, n)),
            "pipeline": col.strings(["sales"] * n),
            "stage": stage,
            "status": col.labels(("open", "won"), np.where(is_open, 0, 1)),
            "amount": amount,
            "currency": col.strings([CURRENCY] * n),
            "probability": np.where(is_open, 0.1, 1.0),
            "source": col.null_strings(n),
            "campaign_id": col.null_strings(n),
            "product": col.strings(["Starter"] * n),
            "created_at": col.timestamps(opened),
            "expected_close_at": col.timestamps(closed, null=~is_open),
            "closed_at": col.timestamps(closed, null=is_open),
            "loss_reason": col.null_strings(n),
        },
    )
    entries = np.r_[opened, closed[~is_open]]
    ids = pd.concat([deal_ids, deal_ids[~is_open]], ignore_index=True)
    codes = np.r_[np.zeros(n, np.int64), np.ones(int((~is_open).sum()), np.int64)]
    stages = col.labels(("Qualification", "Closed Won"), codes)
    history = col.frame(
        "deal_stage_history",
        {
            "history_key": col.join_key(ids, stages, col.iso_key(entries)),
            "deal_id": ids,
            "stage": stages,
            "entered_at": col.timestamps(entries),
        },
    )
    return frame, history, lead
