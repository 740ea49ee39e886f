"""Customer feedback: NPS every six months, CSAT and CES now and then, comments in two languages.

NPS answers are drawn from the planted promoter / passive / detractor shares, so the true NPS is
``100 × (promoters − detractors)`` = 20; scores inside a group are spread over its range. Comments
follow the score (detractors complain about price, support or onboarding; promoters praise) and
are written in German for customers in DE, AT and CH, in English elsewhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmroi.synth import columns as col
from crmroi.synth.pipeline import Deals
from crmroi.synth.plan import CES_PROBS, CSAT_PROBS, DAY, END, NPS_SHARES, Ints
from crmroi.synth.revenue import Subscriptions

NPS_RESPONSE_RATE = 0.5
CSAT_PER_MONTH = 0.12
CES_PER_MONTH = 0.06
COMMENT_SHARE = 0.4
NEGATIVE = (
    ("price", "Too expensive for what we get.", "Zu teuer für das, was wir bekommen."),
    ("support", "Support takes days to answer.", "Der Support braucht Tage für eine Antwort."),
    ("onboarding", "Onboarding was confusing.", "Das Onboarding war verwirrend."),
    ("usability", "The interface is clunky.", "Die Oberfläche ist umständlich."),
)
NEUTRAL = (
    ("features", "Good, but reporting is limited.", "Gut, aber das Reporting ist begrenzt."),
    ("price", "Fair price, nothing special.", "Fairer Preis, nichts Besonderes."),
)
POSITIVE = (
    ("support", "Support is fast and friendly.", "Der Support ist schnell und freundlich."),
    ("onboarding", "Onboarding was smooth.", "Das Onboarding lief reibungslos."),
    ("features", "Saves our team hours every week.", "Spart unserem Team jede Woche Stunden."),
)
COMMENTS = NEGATIVE + NEUTRAL + POSITIVE
"""(theme, English, German); a comment's index is into this tuple."""


def _nps_scores(n: int, rng: np.random.Generator) -> np.ndarray:
    group = rng.choice(3, n, p=NPS_SHARES)
    promoter = rng.choice([9, 10], n, p=[0.55, 0.45])
    passive = rng.choice([7, 8], n)
    detractor = rng.choice(7, n, p=[0.05, 0.05, 0.08, 0.12, 0.15, 0.25, 0.30])
    return np.where(group == 0, promoter, np.where(group == 1, passive, detractor))


def _comment(tone: Ints, german: np.ndarray, rng: np.random.Generator) -> pd.Series:
    """A comment index per answer by tone (0 negative, 1 neutral, 2 positive), or none."""
    bounds = np.array([0, len(NEGATIVE), len(NEGATIVE) + len(NEUTRAL), len(COMMENTS)])
    lo, hi = bounds[tone], bounds[tone + 1]
    pick = lo + (rng.random(tone.size) * (hi - lo)).astype(np.int64)
    has = rng.random(tone.size) < COMMENT_SHARE
    code = np.where(has, pick * 2 + german.astype(np.int64), -1)
    vocab = [text for _, en, de in COMMENTS for text in (en, de)]
    return col.labels(vocab, code)


def surveys_frame(
    deals: Deals, subs: Subscriptions, german_account: np.ndarray, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """``survey_responses``; also returns the NPS scores (for the truth's realised NPS)."""
    k, sub, t = subs.charge_k, subs.charge_sub, subs.charge_time
    nps = (k % 6 == 2) & (rng.random(k.size) < NPS_RESPONSE_RATE)
    csat = rng.random(k.size) < CSAT_PER_MONTH
    ces = rng.random(k.size) < CES_PER_MONTH
    kind = np.concatenate([np.zeros(nps.sum()), np.ones(csat.sum()), np.full(ces.sum(), 2)])
    kind = kind.astype(np.int64)
    row = np.concatenate([np.flatnonzero(nps), np.flatnonzero(csat), np.flatnonzero(ces)])
    score = np.concatenate(
        [
            _nps_scores(int(nps.sum()), rng),
            1 + rng.choice(5, int(csat.sum()), p=CSAT_PROBS),
            1 + rng.choice(7, int(ces.sum()), p=CES_PROBS),
        ]
    ).astype(np.float64)
    scale = np.array([10.0, 5.0, 7.0])[kind]
    norm = score / scale
    tone = np.where(norm <= 0.6, 0, np.where(norm < 0.85, 1, 2))
    tone = np.where(kind == 2, 2 - tone, tone)  # CES: a high effort score is bad
    when = t[row] + rng.integers(1, 20, row.size) * DAY
    keep = np.flatnonzero(when < END)
    keep = keep[np.argsort(when[keep], kind="stable")]
    deal = subs.deal[sub[row[keep]]]
    account = deals.account[deal]
    stage = np.where(k[row[keep]] < 3, 0, np.where(kind[keep] == 1, 2, 1))
    frame = col.frame(
        "survey_responses",
        {
            "response_id": col.ids("SRV-", np.arange(1, keep.size + 1), 7),
            "contact_id": col.ids("CON-", deals.contact[deal] + 1, 7),
            "account_id": col.ids("ACC-", account + 1, 7),
            "survey": col.labels(("nps", "csat", "ces"), kind[keep]),
            "score": score[keep],
            "scale_max": scale[keep],
            "comment": _comment(tone[keep], german_account[account], rng),
            "stage": col.labels(("onboarding", "customer", "support"), stage),
            "answered_at": col.timestamps(when[keep]),
        },
    )
    return frame, score[keep][kind[keep] == 0]
