"""Deals and their path through the stage pipeline, with the CRM's planted effect on selling.

A lead that becomes an opportunity opens one deal at that moment. The deal is won with the
segment's win rate, plus ``WIN_RATE_UPLIFT`` when it was created after adoption by a rep who uses
the CRM; the same deals close ``CYCLE_FACTOR`` times faster. Because the effect is tied to the
deal's creation date and the owner's adoption, ``before`` and ``after`` are well defined: deals
created before adoption versus deals created after it, by the same adopting reps.

Stage history is drawn as a matrix (deal × open stage) of entry times: every deal enters the
first stage at creation, skips some intermediate stages, and a closed deal enters its closing
stage at ``closed_at``. Entries after the horizon are dropped, which is how open deals arise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmroi.synth import columns as col
from crmroi.synth.accounts import Contacts
from crmroi.synth.marketing import CHANNELS, Journeys
from crmroi.synth.people import Roster, Users
from crmroi.synth.plan import (
    ADOPTION,
    AMOUNT_MEDIAN,
    AMOUNT_SIGMA,
    AMOUNT_TREND_PER_YEAR,
    BROKEN_FROM,
    BROKEN_LOSS,
    BROKEN_STAGE,
    CURRENCY,
    CYCLE_FACTOR,
    CYCLE_MAX_DAYS,
    CYCLE_MEAN_DAYS,
    CYCLE_SHAPE,
    DAY,
    END,
    LOSS_REASONS,
    LOSS_WEIGHTS,
    STAGE_SKIP,
    START,
    WIN_RATE,
    WIN_RATE_UPLIFT,
    Bools,
    Floats,
    Ints,
    Seconds,
)

PIPELINES = {
    "sales": (
        ("Qualification", 0.1),
        ("Discovery", 0.25),
        ("Proposal", 0.5),
        ("Negotiation", 0.75),
    ),
    "enterprise": (
        ("Qualification", 0.05),
        ("Discovery", 0.15),
        ("Solution Design", 0.3),
        ("Proposal", 0.5),
        ("Legal Review", 0.7),
        ("Negotiation", 0.85),
    ),
}
"""Open stages in order; each pipeline then ends in ``Closed Won`` and ``Closed Lost``."""
PRODUCTS = ("Starter", "Professional", "Enterprise Suite")
CHANNEL_SOURCES = (*(c.name for c in CHANNELS), "direct")
OPEN, WON, LOST = 0, 1, 2
STATUSES = ("open", "won", "lost")


def stages_frame() -> pd.DataFrame:
    """The ``stages`` table of both pipelines."""
    rows: list[tuple[str, str, int, float, bool, bool]] = []
    for pipeline, open_stages in PIPELINES.items():
        for position, (name, prob) in enumerate(open_stages):
            rows.append((pipeline, name, position, prob, False, False))
        rows.append((pipeline, "Closed Won", len(open_stages), 1.0, True, True))
        rows.append((pipeline, "Closed Lost", len(open_stages) + 1, 0.0, True, False))
    frame = pd.DataFrame(
        rows, columns=["pipeline", "stage", "position", "probability", "is_closed", "is_won"]
    )
    return col.frame(
        "stages",
        {
            "stage_key": col.join_key(col.strings(frame["pipeline"]), col.strings(frame["stage"])),
            **{name: frame[name] for name in frame.columns},
        },
    )


def uses_crm(low: Bools, owner: Ints, created: Seconds, go_live: Seconds | None = None) -> Bools:
    """Deals that get the CRM effect: created after adoption by a rep who uses the CRM.

    With ``go_live`` (per rep) the effect starts at the owner's team's go-live instead.
    """
    start = ADOPTION if go_live is None else go_live[owner]
    return np.asarray((created >= start) & ~low[owner])


def win_probability(segment: Ints, crm: Bools) -> Floats:
    """The planted chance a deal is won."""
    return np.asarray(WIN_RATE[segment] + WIN_RATE_UPLIFT * crm)


def expected_amount(segment: Ints, created: Seconds) -> Floats:
    """E[amount] of a deal: lognormal mean × the yearly price trend."""
    years = (created - START) / (365.25 * DAY)
    return np.asarray(
        AMOUNT_MEDIAN[segment] * np.exp(AMOUNT_SIGMA**2 / 2) * (1 + AMOUNT_TREND_PER_YEAR * years)
    )


@dataclass(frozen=True)
class Deals:
    """Per-deal arrays (index i is ``DEAL-`` i+1) and the two tables built from them."""

    contact: Ints
    account: Ints
    segment: Ints
    owner: Ints
    created: Seconds
    closed: Seconds
    """Close time; END or later for deals still open at the horizon."""
    status: Ints
    amount: Floats
    crm: Bools
    stopped: Bools
    """Would have been won, lost at the broken stage instead (the planted problem)."""
    frame: pd.DataFrame
    history: pd.DataFrame


def deal_owner(
    contacts: Contacts,
    users: Users,
    roster: Roster,
    idx: Ints,
    created: Seconds,
    rng: np.random.Generator,
) -> Ints:
    """The lead's owner if still employed when the deal opens, else a teammate."""
    owner = contacts.owner[idx]
    gone = users.left[owner] <= created
    other = roster.pick(contacts.segment[idx], created, rng.random(idx.size))
    return np.where(gone, other, owner)


def make_deals(
    contacts: Contacts,
    journeys: Journeys,
    users: Users,
    roster: Roster,
    account_names: pd.Series,
    rng: np.random.Generator,
    *,
    broken_stage: bool = False,
) -> Deals:
    """One deal per opportunity, its fate, cycle, amount and stage history.

    ``broken_stage`` plants the broken stage (``plan.BROKEN_STAGE``): some deals that would
    have been won are lost there (``Deals.stopped``).
    """
    idx = np.flatnonzero(journeys.opportunity)
    n = idx.size
    created = contacts.created[idx] + journeys.length[idx]
    segment = contacts.segment[idx]
    owner = deal_owner(contacts, users, roster, idx, created, rng)
    crm = uses_crm(users.low, owner, created, users.go_live)
    won = rng.random(n) < win_probability(segment, crm)
    hit = np.zeros(n, dtype=bool)
    if broken_stage:  # its own stream: every other draw stays as without the problem
        hit = (segment != 2) & (created >= BROKEN_FROM)
        hit &= rng.spawn(1)[0].random(n) < BROKEN_LOSS
    stopped = hit & won
    won &= ~stopped
    mean = CYCLE_MEAN_DAYS[segment]
    days = np.clip(rng.gamma(CYCLE_SHAPE, mean / CYCLE_SHAPE), 3.0, CYCLE_MAX_DAYS)
    days = days * np.where(crm, CYCLE_FACTOR, 1.0)
    closed = created + (days * DAY).astype(np.int64)
    status = np.where(closed >= END, OPEN, np.where(won, WON, LOST))
    amount = np.round(
        AMOUNT_MEDIAN[segment]
        * np.exp(AMOUNT_SIGMA * rng.standard_normal(n))
        * (1 + AMOUNT_TREND_PER_YEAR * (created - START) / (365.25 * DAY)),
        -1,
    )
    enterprise = segment == 2
    history, stage_name, stage_prob = _history(
        idx, created, closed, won, enterprise, hit, stopped, rng
    )
    origin = journeys.origin[idx]
    campaign = journeys.campaign[idx, np.maximum(origin, 0)]
    loss = rng.choice(len(LOSS_REASONS), size=n, p=LOSS_WEIGHTS)
    expected_close = created + (mean * rng.uniform(0.7, 1.3, n) * DAY).astype(np.int64)
    account = contacts.account[idx]
    product = col.labels(PRODUCTS, segment)
    deal_ids = col.ids("DEAL-", np.arange(1, n + 1), 7)
    frame = col.frame(
        "deals",
        {
            "deal_id": deal_ids,
            "name": col.from_arrow(
                pc.binary_join_element_wise(
                    col.arrow(account_names).take(pa.array(account)),
                    col.arrow(product),
                    " – ",
                )
            ),
            "account_id": col.ids("ACC-", account + 1, 7),
            "contact_id": col.ids("CON-", idx + 1, 7),
            "owner_id": col.ids("USR-", owner + 1, 3),
            "pipeline": col.labels(tuple(PIPELINES), enterprise.astype(np.int64)),
            "stage": stage_name,
            "status": col.labels(STATUSES, status),
            "amount": amount,
            "currency": col.labels((CURRENCY,), np.zeros(n, dtype=np.int64)),
            "probability": stage_prob,
            "source": col.labels(
                CHANNEL_SOURCES,
                np.where(origin >= 0, origin, len(CHANNELS)).astype(np.int64),
            ),
            "campaign_id": col.ids("CMP-", campaign.astype(np.int64) + 1, 3, null=origin < 0),
            "product": product,
            "created_at": col.timestamps(created),
            "expected_close_at": col.timestamps(expected_close, null=status != OPEN),
            "closed_at": col.timestamps(closed, null=status == OPEN),
            "loss_reason": col.labels(LOSS_REASONS, np.where(status == LOST, loss, -1)),
        },
    )
    history["deal_id"] = deal_ids.array.take(history.pop("deal").to_numpy())
    history = _history_frame(history)
    return Deals(
        idx, account, segment, owner, created, closed, status, amount, crm, stopped, frame, history
    )


def _history(
    idx: Ints,
    created: Seconds,
    closed: Seconds,
    won: Bools,
    enterprise: Bools,
    hit: Bools,
    stopped: Bools,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.Series, Floats]:
    """Entry times per (deal, stage); the current stage and its probability per deal.

    ``hit`` deals reach no stage after the broken one; the ``stopped`` among them, which would
    have been won, are lost right there. Later stages keep their conversion.
    """
    n = idx.size
    width = max(len(s) for s in PIPELINES.values())
    n_open = np.where(enterprise, len(PIPELINES["enterprise"]), len(PIPELINES["sales"]))
    reached = np.where(won, n_open, rng.integers(1, n_open + 1))
    stop = [s for s, _ in PIPELINES[BROKEN_STAGE[0]]].index(BROKEN_STAGE[1]) + 1
    reached = np.where(stopped, stop, np.where(hit, np.minimum(reached, stop), reached))
    pos = np.arange(width)[None, :]
    frac = np.sort(rng.uniform(0.0, 0.95, (n, width)), axis=1)
    frac[:, 0] = 0.0
    entered = created[:, None] + (frac * (closed - created)[:, None]).astype(np.int64)
    keep = (pos < reached[:, None]) & (entered < END)
    skip = (pos >= 1) & (pos < reached[:, None] - 1) & (rng.random((n, width)) < STAGE_SKIP)
    keep &= ~skip
    # column `width` is the closing stage
    close_pos = np.where(won, n_open, n_open + 1)
    times = np.concatenate([entered, closed[:, None]], axis=1)
    positions = np.concatenate([np.broadcast_to(pos, (n, width)), close_pos[:, None]], axis=1)
    keep = np.concatenate([keep, (closed < END)[:, None]], axis=1)
    names = {p: [s for s, _ in st] + ["Closed Won", "Closed Lost"] for p, st in PIPELINES.items()}
    probs = {p: [q for _, q in st] + [1.0, 0.0] for p, st in PIPELINES.items()}
    code = np.where(enterprise[:, None], 100, 0) + positions  # 100+ = enterprise pipeline
    vocab = names["sales"] + [""] * (100 - len(names["sales"])) + names["enterprise"]
    prob_vocab = np.array(
        probs["sales"] + [0.0] * (100 - len(probs["sales"])) + probs["enterprise"]
    )
    rows, cols = np.nonzero(keep)
    last = np.where(keep, np.arange(width + 1)[None, :], -1).max(axis=1)
    current = code[np.arange(n), last]
    history = pd.DataFrame({"deal": rows, "code": code[rows, cols], "entered": times[rows, cols]})
    history.attrs["vocab"] = vocab
    return history, col.labels(vocab, current), prob_vocab[current]


def _history_frame(raw: pd.DataFrame) -> pd.DataFrame:
    stage = col.labels(raw.attrs["vocab"], raw["code"].to_numpy())
    deal = raw["deal_id"]
    return col.frame(
        "deal_stage_history",
        {
            "history_key": col.join_key(deal, stage, col.iso_key(raw["entered"].to_numpy())),
            "deal_id": deal,
            "stage": stage,
            "entered_at": col.timestamps(raw["entered"].to_numpy()),
        },
    )
