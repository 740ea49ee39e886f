"""Customer companies and the people in them, with a few contacts entered twice.

Contacts arrive over the horizon with the planted seasonality and trend (their ``created_at`` is
when the lead came in); every account is created shortly before its first contact. E-mail
addresses are never written: only their SHA-256, computed in DuckDB so that a million hashes
need no Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmroi.ingest.transform import email_hash
from crmroi.synth import columns as col
from crmroi.synth.people import (
    COUNTRIES,
    COUNTRY_REGION,
    COUNTRY_WEIGHTS,
    FIRST,
    INDUSTRIES,
    LAST,
    NAME_A,
    NAME_B,
    NAME_C,
    REGIONS,
    TLD,
    Roster,
    seasonal_day_weights,
)
from crmroi.synth.plan import (
    CONTACTS_PER_ACCOUNT,
    DAY,
    DUPLICATE_SHARE,
    END,
    HOUR,
    SEGMENT_SHARE,
    SEGMENTS,
    START,
    Ints,
    Seconds,
    Size,
)


@dataclass(frozen=True)
class Accounts:
    """Per-account arrays; index i is ``ACC-`` i+1."""

    segment: Ints
    country: Ints
    created: Seconds
    owner: Ints
    frame: pd.DataFrame


@dataclass(frozen=True)
class Contacts:
    """Per-contact arrays of the original (non-duplicate) contacts, sorted by ``created``."""

    account: Ints
    segment: Ints
    created: Seconds
    owner: Ints
    email_hash: pd.Series


def make_contacts(size: Size, roster: Roster, rng: np.random.Generator) -> tuple[Contacts, Ints]:
    """Contacts over time, each in an account; also returns each account's segment."""
    n = size.contacts
    n_accounts = max(10, n // 4)
    segment = rng.choice(3, size=n_accounts, p=SEGMENT_SHARE)
    weight = CONTACTS_PER_ACCOUNT[segment]
    account = rng.choice(n_accounts, size=n, p=weight / weight.sum())
    day = rng.choice(seasonal_day_weights().size, size=n, p=seasonal_day_weights())
    created = START + day * DAY + 7 * HOUR + rng.integers(0, 12 * HOUR, n)
    order = np.argsort(created, kind="stable")
    created, account = created[order], account[order]
    seg = segment[account]
    owner = roster.pick(seg, created, rng.random(n))
    first = pa.array(FIRST).take(pa.array(rng.integers(0, len(FIRST), n)))
    last = pa.array(LAST).take(pa.array(rng.integers(0, len(LAST), n)))
    email = pc.utf8_lower(
        pc.binary_join_element_wise(
            first,
            ".",
            pc.replace_substring(last, " ", ""),
            ".",
            pa.array(np.arange(n)).cast(pa.string()),
            "@",
            pa.array(_domains(n_accounts)).take(pa.array(account)),
            "",
        )
    )
    return Contacts(account, seg, created, owner, col.from_arrow(email_hash(email))), segment


def _domains(n_accounts: int) -> list[str]:
    i = np.arange(n_accounts)
    stems = pa.array([a.lower() + b for a in NAME_A for b in NAME_B])
    stem = stems.take(pa.array(i % len(stems)))
    tld = pa.array(TLD).take(pa.array(_country(i)))
    number = pc.cast(pa.array(i // len(stems)), pa.string())
    return pc.binary_join_element_wise(stem, number, ".", tld, "").to_pylist()  # type: ignore[no-any-return]


def _country(i: np.ndarray) -> Ints:
    """Deterministic country of account i (drawn once from a fixed stream so it is reusable)."""
    cdf = np.cumsum(COUNTRY_WEIGHTS)
    u = (i * 0.6180339887498949) % 1.0  # golden-ratio sequence: even spread, no RNG state
    return np.asarray(np.minimum(np.searchsorted(cdf, u * cdf[-1]), len(COUNTRIES) - 1))


def make_accounts(
    segment: Ints, contacts: Contacts, roster: Roster, rng: np.random.Generator
) -> Accounts:
    """Accounts, each created up to 30 days before its first contact and owned by its team."""
    n = segment.size
    first_contact = np.full(n, END, dtype=np.int64)
    np.minimum.at(first_contact, contacts.account, contacts.created)
    no_contact = first_contact >= END
    first_contact[no_contact] = (
        START + rng.integers(0, (END - START) // DAY, no_contact.sum()) * DAY
    )
    created = np.maximum(START, first_contact - rng.integers(1, 30 * DAY, n))
    owner = roster.pick(segment, created, rng.random(n))
    country = _country(np.arange(n))
    i = np.arange(n)
    name = pc.binary_join_element_wise(
        pa.array(NAME_A).take(pa.array(i % len(NAME_A))),
        pc.utf8_capitalize(pa.array(NAME_B).take(pa.array((i // len(NAME_A)) % len(NAME_B)))),
        " ",
        pa.array(NAME_C).take(pa.array(rng.integers(0, len(NAME_C), n))),
        "",
    )
    domains = _domains(n)
    frame = col.frame(
        "accounts",
        {
            "account_id": col.ids("ACC-", i + 1, 7),
            "name": col.from_arrow(name),
            "domain": col.strings(domains),
            "industry": col.labels(INDUSTRIES, rng.integers(0, len(INDUSTRIES), n)),
            "country": col.labels(COUNTRIES, country),
            "region": col.labels(REGIONS, np.asarray(COUNTRY_REGION)[country]),
            "segment": col.labels(SEGMENTS, segment),
            "owner_id": col.ids("USR-", owner + 1, 3),
            "created_at": col.timestamps(created),
        },
    )
    return Accounts(segment, country, created, owner, frame)


def duplicates(
    contacts: Contacts, rng: np.random.Generator, share: float = DUPLICATE_SHARE
) -> tuple[Ints, Seconds]:
    """Which contacts get entered a second time, and when (after the original, before END)."""
    n = contacts.created.size
    k = round(share * n)
    original = np.sort(rng.choice(n, size=k, replace=False))
    when = np.minimum(contacts.created[original] + rng.integers(DAY, 200 * DAY, k), END - HOUR)
    return original, when
