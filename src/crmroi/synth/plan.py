"""What the simulated company plants: sizes, calendar and every true parameter, in one place.

Everything the generator makes up that a later analysis should recover lives here as a constant,
so ``truth.json`` can copy the planted values verbatim and a reader can see the whole world on one
screen. Times are handled as int64 seconds since the Unix epoch (UTC) until the final tables are
built: integer arithmetic is exact, vectorises and never depends on the machine's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Seconds = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Int32s = npt.NDArray[np.int32]
Int8s = npt.NDArray[np.int8]

DAY = 86_400
HOUR = 3_600


def epoch(iso_date: str) -> int:
    """Seconds since the epoch of a ``YYYY-MM-DD`` date at midnight UTC."""
    return int(np.datetime64(iso_date, "s").astype(np.int64))


START = epoch("2023-01-01")
"""First instant of the simulated history."""
END = epoch("2026-01-01")
"""First instant after the history (exclusive): the data ends 2025-12-31 23:59:59."""
ADOPTION = epoch("2024-07-01")
"""The day the company switched the CRM on for everybody."""
CURRENCY = "EUR"
STAGGERED_GO_LIVE = (epoch("2024-01-01"), epoch("2024-07-01"), epoch("2025-01-01"))
"""With ``generate(staggered=True)``: the go-live of the SMB, Mid-Market and Enterprise teams."""
PILOT_GO_LIVE = (ADOPTION, END, END)
"""With ``generate(pilot=True)``: the SMB team alone goes live; the others only when the history
ends, so their months are donors for a synthetic control of the SMB team."""


@dataclass(frozen=True)
class Size:
    """How big the company is; the planted parameters do not change with size."""

    name: str
    contacts: int
    reps: int
    staff: int
    """Non-rep seats: managers, admins, marketing."""


SIZES: dict[str, Size] = {
    "small": Size("small", contacts=2_000, reps=10, staff=3),
    "medium": Size("medium", contacts=50_000, reps=22, staff=4),
    "large": Size("large", contacts=1_000_000, reps=34, staff=6),
}

SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
SEGMENT_SHARE = np.array([0.62, 0.28, 0.10])
"""Share of accounts per segment."""
CONTACTS_PER_ACCOUNT = np.array([1.0, 3.0, 8.0])
"""Relative number of contacts an account of each segment has."""
TEAM_SHARE = np.array([0.45, 0.35, 0.20])
"""Share of reps in the SMB, Mid-Market and Enterprise teams."""

MONTH_FACTOR = np.array([1.0, 1.05, 1.1, 1.0, 1.0, 0.95, 0.9, 0.7, 1.0, 1.15, 1.2, 1.25])
"""Seasonality of new leads by calendar month (Q4 strongest, August weakest)."""
TREND_PER_YEAR = 0.12
"""Linear growth of the lead inflow per year."""

BASE_OPPORTUNITY_RATE = np.array([0.055, 0.05, 0.045])
"""Chance a lead becomes an opportunity with no marketing touch at all, by segment."""
OPPORTUNITY_CAP = 0.95
"""Cap on a lead's opportunity probability; by construction it never binds (checked)."""
JOURNEY_DAYS_MIN = 7.0
JOURNEY_DAYS_SHAPE = 2.0
JOURNEY_DAYS_SCALE = 15.0
"""Days from lead creation to the opportunity: 7 + Gamma(2, 15), mean 37."""

WIN_RATE = np.array([0.30, 0.25, 0.20])
"""Chance an opportunity is won, by segment, without the CRM (or with a rep who ignores it)."""
WIN_RATE_UPLIFT = 0.08
"""Absolute win-rate gain for deals created after adoption and owned by adopting reps."""
CYCLE_MEAN_DAYS = np.array([35.0, 70.0, 120.0])
CYCLE_SHAPE = 3.0
CYCLE_MAX_DAYS = 180.0
"""Sales cycle: Gamma(3, mean/3) days, clipped to [3, 180], by segment."""
CYCLE_FACTOR = 0.75
"""Cycle length multiplier for deals of adopting reps created after adoption."""
AMOUNT_MEDIAN = np.array([2_700.0, 10_000.0, 40_000.0])
AMOUNT_SIGMA = 0.5
"""Deal amount (first-year contract value, EUR): lognormal around the segment median."""
AMOUNT_TREND_PER_YEAR = 0.05
STAGE_SKIP = 0.12
"""Chance that a deal skips an intermediate (not the first) open stage."""
LOSS_REASONS = ("price", "competitor", "no decision", "timing", "no budget", "missing features")
LOSS_WEIGHTS = np.array([0.25, 0.22, 0.2, 0.13, 0.12, 0.08])

LOW_ADOPTION_SHARE = 0.25
"""Share of reps who barely use the CRM (few logins, few logged activities)."""
LOGIN_PROB = {"adopter": 0.85, "low": 0.06, "staff": 0.7}
"""Chance of a login per working day while the seat is active."""
RESPONSE_MEDIAN_HOURS = {"before": 20.0, "adopter": 2.0, "low": 20.0}
RESPONSE_SIGMA = 1.0
RESPONSE_MAX_HOURS = 144.0
RESPONSE_LOGGED = {"before": 0.6, "adopter": 0.95, "low": 0.3}
"""First outbound reply to a new lead: lognormal hours, and the chance it is logged at all."""
DEAL_ACTIVITIES_PER_10_DAYS = {"before": 0.8, "adopter": 2.0, "low": 0.2}

CHURN_HAZARD = np.array([0.03, 0.015, 0.008])
"""Monthly chance that a subscription ends after a charge, by segment."""
EXPANSION_PROB = 0.03
EXPANSION_FACTOR = 1.2
CONTRACTION_PROB = 0.02
CONTRACTION_FACTOR = 0.85
RETURN_PROB = 0.01
CANCELLATION_CREDIT_PROB = 0.3
SETUP_FEE_SHARE = 0.1
"""A won deal bills a one-off setup order (10 % of the amount), then amount/12 every month."""

DECLINE_SHARE = 0.8
"""Share of churning subscriptions (tenure >= 8 months) whose engagement fades before churn."""
DECLINE_MONTHS = 6
DECLINE_FLOOR = 0.1
"""Their monthly activity/touch rate falls linearly to 10 % over the last 6 months."""
CUSTOMER_ACTIVITIES_PER_MONTH = 1.5
CUSTOMER_TOUCHES_PER_MONTH = 2.5

NPS_SHARES = np.array([0.45, 0.30, 0.25])
"""Promoters (9–10), passives (7–8), detractors (0–6): true NPS = 45 − 25 = 20."""
CSAT_PROBS = np.array([0.05, 0.08, 0.17, 0.40, 0.30])
CES_PROBS = np.array([0.04, 0.06, 0.10, 0.15, 0.25, 0.25, 0.15])

BROKEN_FROM = END - int(CYCLE_MAX_DAYS) * DAY
BROKEN_STAGE = ("sales", "Proposal")
BROKEN_LOSS = 0.35
"""The planted broken stage (a preset's ``broken_stage``): of the sales-pipeline deals created
in the horizon's last 180 days that would have got past Proposal, this share is lost there
(set after every before/after window of the truth, so the CRM's planted effect is
untouched); the stages after it keep their conversion."""
FALLING_SEGMENT = 2
FALLING_MONTHS = 4
FALLING_FLOOR = 0.0
"""The planted falling segment (Enterprise): its customers' monthly touches and care activities
fall linearly to nothing over the horizon's last four months (a preset's
``falling_segment``); their churn does not change. Enterprise, the smallest team: its reps
lose the fewest care activities, so their CRM use (logins and activities) stays that of
adopters."""
AT_RISK_MONTHS_LEFT = 3
"""At-risk customers (a preset's ``at_risk_share``): subscriptions still running at the horizon
whose planted lifetime ends at most this many months after it, fading like the decliners."""

DUPLICATE_SHARE = 0.015
"""Share of contacts entered twice (same e-mail hash, a second contact id)."""
HOLDOUT_SHARE = 0.15
"""Share of eligible contacts every workflow keeps out as a holdout group."""
CONTROL_SHARE = 0.10
"""Share of a controlled campaign's audience kept as a no-contact control."""
