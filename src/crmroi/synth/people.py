"""Who is in the simulated company: sales reps and staff (CRM seats), accounts and contacts.

Reps are grouped in one team per segment, and every account is owned by the team of its segment,
so a deal's owner and its segment always agree. A quarter of the reps barely use the CRM: they
keep their old habits after adoption, which is what lets the impact analysis compare adopters
with non-adopters inside the same period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmroi.synth import columns as col
from crmroi.synth.plan import (
    ADOPTION,
    CURRENCY,
    DAY,
    END,
    LOW_ADOPTION_SHARE,
    MONTH_FACTOR,
    SEGMENTS,
    START,
    TEAM_SHARE,
    TREND_PER_YEAR,
    Bools,
    Ints,
    Seconds,
    Size,
)

FIRST = (
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Elif",
    "Felix",
    "Greta",
    "Hannah",
    "Ivan",
    "Jonas",
    "Katrin",
    "Lukas",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Quentin",
    "Rosa",
    "Sven",
    "Tara",
    "Uwe",
    "Vera",
    "Wim",
    "Xenia",
    "Yusuf",
    "Zoe",
)
LAST = (
    "Schmidt",
    "Müller",
    "Meyer",
    "Weber",
    "Fischer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Dubois",
    "Martin",
    "Jansen",
    "de Vries",
    "Smith",
    "Jones",
    "Nielsen",
    "Andersson",
    "Garcia",
    "Rossi",
    "Keller",
    "Huber",
    "Novak",
    "Brandt",
)
STAFF_ROLES = ("manager", "admin", "marketing", "manager", "marketing", "admin")
ROLE_SEAT_COST = {"rep": 95.0, "manager": 120.0, "admin": 140.0, "marketing": 110.0}
STAFF_TEAM = {"manager": "Sales Management", "admin": "Sales Ops", "marketing": "Marketing"}


@dataclass(frozen=True)
class Users:
    """The seats; reps come first (index = rep index), staff after them."""

    frame: pd.DataFrame
    team: Ints
    """Segment index of each rep's team."""
    low: Bools
    """Reps who barely use the CRM."""
    hired: Seconds
    left: Seconds
    """Employment of each rep: owns new accounts and deals in [hired, left)."""
    seat_from: Seconds
    seat_to: Seconds
    """Licensed seat of every user (reps and staff); END when still active."""
    role: tuple[str, ...]
    go_live: Seconds | None = None
    """Per rep, its team's go-live when adoption is staggered (None: everyone at ADOPTION)."""


def _team_sizes(reps: int) -> Ints:
    sizes = np.maximum(1, np.round(TEAM_SHARE * reps)).astype(np.int64)
    sizes[0] += reps - sizes.sum()
    return sizes


def make_users(
    size: Size,
    rng: np.random.Generator,
    low_share: float = LOW_ADOPTION_SHARE,
    *,
    go_live: tuple[int, int, int] | None = None,
) -> Users:
    """Reps (by team, some hired late or leaving) and staff seats, with their seat costs.

    ``go_live``: each team goes live on its own date (e.g. ``STAGGERED_GO_LIVE``), reps get their
    seat from then on; None: every team at ``ADOPTION``.
    """
    sizes = _team_sizes(size.reps)
    team = np.repeat(np.arange(3), sizes)
    first_of_team = np.r_[0, np.cumsum(sizes)[:-1]]
    n = size.reps
    hired = START - rng.integers(30, 900, n) * DAY
    late = rng.random(n) < 0.15
    late[first_of_team] = False
    hired[late] = START + rng.integers(90, 900, late.sum()) * DAY
    left = np.full(n, END, dtype=np.int64)
    leaving = (rng.random(n) < 0.12) & ~late
    leaving[first_of_team] = False
    if not leaving.any():  # every company loses someone: the data must show a seat ending
        stayers = np.setdiff1d(np.flatnonzero(~late), first_of_team)
        leaving[rng.choice(stayers)] = True
    left[leaving] = ADOPTION + rng.integers(60, 500, leaving.sum()) * DAY
    candidates = np.setdiff1d(np.arange(n), first_of_team)
    n_low = max(1, round(low_share * n)) if low_share > 0 else 0
    low = np.zeros(n, dtype=bool)
    low[rng.choice(candidates, size=min(n_low, candidates.size), replace=False)] = True

    roles = ("rep",) * n + STAFF_ROLES[: size.staff]
    total = len(roles)
    seat_from = np.empty(total, dtype=np.int64)
    rep_go_live = None if go_live is None else np.asarray(go_live, dtype=np.int64)[team]
    seat_from[:n] = np.maximum(hired, ADOPTION if rep_go_live is None else rep_go_live)
    seat_from[n:] = ADOPTION - 91 * DAY  # staff run the implementation from April
    seat_to = np.r_[left, np.full(size.staff, END, dtype=np.int64)]
    names = [f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}" for i in range(total)]
    teams = [
        SEGMENTS[t] if r == "rep" else STAFF_TEAM[r]
        for t, r in zip(np.r_[team, np.zeros(size.staff, dtype=np.int64)], roles, strict=True)
    ]
    frame = col.frame(
        "users",
        {
            "user_id": col.ids("USR-", np.arange(1, total + 1), 3),
            "name": col.strings(names),
            "team": col.strings(teams),
            "role": col.strings(roles),
            "seat_cost": [ROLE_SEAT_COST[r] for r in roles],
            "currency": col.strings([CURRENCY] * total),
            "active_from": col.timestamps(seat_from),
            "active_to": col.timestamps(seat_to, null=seat_to >= END),
            "region": pd.Series([None] * total, dtype=col.STRING),  # regions are the accounts'
        },
    )
    return Users(frame, team, low, hired, left, seat_from, seat_to, roles, rep_go_live)


@dataclass(frozen=True)
class Roster:
    """Which reps of a team were employed on each day, to hand out owners at random."""

    members: Ints
    """[team, day, k] → rep index of the k-th rep employed that day (padded with -1)."""
    count: Ints
    """[team, day] → number of reps employed."""

    @classmethod
    def of(cls, users: Users) -> Roster:
        """Build the daily roster from the reps' employment intervals."""
        days = (END - START) // DAY
        starts = START + np.arange(days, dtype=np.int64) * DAY
        active = (users.hired[None, :] <= starts[:, None]) & (users.left[None, :] > starts[:, None])
        n = users.team.size
        members = np.full((3, days, n), -1, dtype=np.int64)
        count = np.zeros((3, days), dtype=np.int64)
        for t in range(3):  # three teams, not rows
            mask = active & (users.team == t)[None, :]
            order = np.argsort(~mask, axis=1, kind="stable")
            members[t] = np.where(np.take_along_axis(mask, order, axis=1), order, -1)
            count[t] = mask.sum(axis=1)
        return cls(members, count)

    def pick(self, team: Ints, at: Seconds, u: np.ndarray) -> Ints:
        """A rep of ``team`` employed at time ``at``, chosen by the uniform draw ``u``."""
        day = np.clip((at - START) // DAY, 0, self.count.shape[1] - 1)
        k = np.floor(u * self.count[team, day]).astype(np.int64)
        return self.members[team, day, k]


INDUSTRIES = (
    "Software",
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Financial Services",
    "Logistics",
    "Education",
    "Professional Services",
)
COUNTRIES = ("DE", "AT", "CH", "FR", "NL", "BE", "GB", "IE", "SE", "DK", "ES", "IT")
COUNTRY_WEIGHTS = np.array([0.3, 0.07, 0.07, 0.1, 0.07, 0.04, 0.12, 0.03, 0.05, 0.04, 0.06, 0.05])
COUNTRY_REGION = (0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 4)
REGIONS = ("DACH", "France & Benelux", "UK & Ireland", "Nordics", "Southern Europe")
TLD = ("de", "at", "ch", "fr", "nl", "be", "co.uk", "ie", "se", "dk", "es", "it")
GERMAN_SPEAKING = np.array([True, True, True] + [False] * 9)
NAME_A = (
    "Nord",
    "Alpen",
    "Rhein",
    "Blue",
    "Bright",
    "Clear",
    "Delta",
    "Echo",
    "Fern",
    "Granit",
    "Hafen",
    "Iris",
    "Jade",
    "Kobalt",
    "Linden",
    "Mosel",
    "Nova",
    "Orbit",
    "Polar",
    "Quarz",
)
NAME_B = ("wind", "stein", "tech", "werk", "data", "logic", "soft", "line", "port", "field")
NAME_C = ("GmbH", "AG", "Ltd", "SA", "BV", "AB", "SpA", "Group", "Solutions", "Systems")


def seasonal_day_weights() -> np.ndarray:
    """Relative lead inflow per day: month seasonality × linear trend × fewer leads at weekends."""
    days = np.arange((END - START) // DAY)
    dates = (START + days * DAY).astype("datetime64[s]")
    month = dates.astype("datetime64[M]").astype(np.int64) % 12
    weekday = (days + 6) % 7  # 2023-01-01 was a Sunday; 0 = Monday
    weight = MONTH_FACTOR[month] * (1 + TREND_PER_YEAR * days / 365.25)
    weight = weight * np.where(weekday >= 5, 0.3, 1.0)
    return np.asarray(weight / weight.sum())
