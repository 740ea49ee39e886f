"""``truth.json``: every planted parameter, and the values it produced in this very dataset.

Planted parameters are what the world was built from; *realised* values are computed here from
the generated arrays with the same definitions the tests (and later analyses) use, so a test can
compare an estimate with what is actually in the data, not only with the population value. The
meaning of each field and the tolerance an analysis should meet are in
``docs/synthetic-company.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmroi.synth import flop as flops
from crmroi.synth.accounts import Accounts, Contacts
from crmroi.synth.flop import Flop
from crmroi.synth.marketing import CHANNELS, WORKFLOWS, Campaigns, Journeys
from crmroi.synth.people import Users
from crmroi.synth.pipeline import OPEN, WON, Deals, expected_amount, uses_crm, win_probability
from crmroi.synth.plan import (
    ADOPTION,
    AT_RISK_MONTHS_LEFT,
    BASE_OPPORTUNITY_RATE,
    BROKEN_FROM,
    BROKEN_LOSS,
    BROKEN_STAGE,
    CHURN_HAZARD,
    CURRENCY,
    CYCLE_FACTOR,
    CYCLE_MAX_DAYS,
    DAY,
    DECLINE_FLOOR,
    DECLINE_MONTHS,
    END,
    FALLING_FLOOR,
    FALLING_MONTHS,
    FALLING_SEGMENT,
    MONTH_FACTOR,
    NPS_SHARES,
    RESPONSE_MEDIAN_HOURS,
    SEGMENTS,
    START,
    TREND_PER_YEAR,
    WIN_RATE,
    WIN_RATE_UPLIFT,
    Bools,
    Seconds,
    Size,
)
from crmroi.synth.presets import Preset
from crmroi.synth.revenue import Subscriptions

AFTER_WINDOW_END = END - int(CYCLE_MAX_DAYS) * DAY
"""Deals created after this may still be open at the horizon, so before/after comparisons stop
here: every deal created earlier has closed (cycles are capped at 180 days)."""


@dataclass(frozen=True)
class World:
    """Everything the truth is computed from."""

    size: Size
    seed: int
    preset: Preset
    users: Users
    contacts: Contacts
    accounts: Accounts
    campaigns: Campaigns
    journeys: Journeys
    deals: Deals
    subs: Subscriptions
    first_outbound: Seconds
    """Per lead, its first outbound, non-automated activity (END if none)."""
    nps_scores: np.ndarray
    cost_totals: dict[str, float]
    duplicate_of: np.ndarray
    n_contacts: int
    flop: Flop | None = None
    """The planted losing campaign with a control group (default preset only)."""


def _day(seconds: int) -> str:
    return str(np.datetime64(seconds, "s").astype("datetime64[D]"))


def _uid(i: np.ndarray) -> list[str]:
    return [f"USR-{int(k) + 1:03d}" for k in i]


def _response_medians(w: World) -> dict[str, float | None]:
    """Median hours from lead creation to its first outbound, non-automated activity."""
    c = w.contacts
    seen = w.first_outbound < END
    hours = (w.first_outbound - c.created) / 3600
    after = c.created >= ADOPTION
    is_low = w.users.low[c.owner]
    groups = {
        "before": seen & ~after,
        "adopter": seen & after & ~is_low,
        "low": seen & after & is_low,
    }
    return {
        name: round(float(np.median(hours[mask])), 4) if mask.any() else None
        for name, mask in groups.items()
    }


def _crm_effect(w: World) -> dict[str, object]:
    d = w.deals
    adopter = ~w.users.low[d.owner]
    before = adopter & (d.created < ADOPTION)
    after = adopter & (d.created >= ADOPTION) & (d.created < AFTER_WINDOW_END)
    won = d.status == WON

    def rate(mask: Bools) -> float | None:
        return round(float(won[mask].mean()), 6) if mask.any() else None

    def cycle(mask: Bools) -> float:
        return round(float(((d.closed - d.created)[mask] / DAY).mean()), 4) if mask.any() else 0.0

    months_after = (END - ADOPTION) / (365.25 / 12 * DAY)
    uplift = WIN_RATE_UPLIFT * d.amount[d.crm].sum() / months_after
    return {
        "definition": "deals of adopting reps (not low_adoption_user_ids) created before "
        "adoption vs created in [adoption, after_window_end); all such deals are closed",
        "after_window_end": _day(AFTER_WINDOW_END),
        "win_rate_base_by_segment": dict(zip(SEGMENTS, WIN_RATE.tolist(), strict=True)),
        "win_rate_uplift_planted": WIN_RATE_UPLIFT,
        "win_rate_before": rate(before),
        "win_rate_after": rate(after),
        "deals_before": int(before.sum()),
        "deals_after": int(after.sum()),
        "low_adoption_win_rate_after": rate(
            ~adopter & (d.created >= ADOPTION) & (d.created < AFTER_WINDOW_END)
        ),
        "cycle_factor_planted": CYCLE_FACTOR,
        "cycle_days_mean_before": cycle(before),
        "cycle_days_mean_after": cycle(after),
        "monthly_revenue_uplift_expected": round(float(uplift), 2),
        "monthly_revenue_uplift_definition": "E[extra won amount per month after adoption] = "
        "win_rate_uplift × Σ amount of deals created after adoption by adopting reps / 18 months",
    }


def _effects(w: World) -> dict[str, object]:
    """True incremental opportunities, won deals and won amount of every campaign and workflow."""
    c, j = w.contacts, w.journeys
    at = c.created + j.length
    won_p = win_probability(c.segment, uses_crm(w.users.low, c.owner, at, w.users.go_live))
    value = won_p * expected_amount(c.segment, at)
    obs = j.observable
    campaigns: list[dict[str, Any]] = []
    for i in range(w.campaigns.channel.size):
        k = int(w.campaigns.channel[i])
        treated = (j.campaign[:, k] == i) & ~j.control[:, k] & obs
        control = (j.campaign[:, k] == i) & j.control[:, k] & obs
        lift = float(w.campaigns.lift[i])
        campaigns.append(
            {
                "campaign_id": f"CMP-{i + 1:03d}",
                "channel": CHANNELS[k].name,
                "lift": lift,
                "treated": int(treated.sum()),
                "control": int(control.sum()),
                "incremental_opportunities": round(float(lift * treated.sum()), 4),
                "incremental_won_deals": round(float(lift * won_p[treated].sum()), 4),
                "incremental_won_amount": round(float(lift * value[treated].sum()), 2),
            }
        )
    channels: list[dict[str, Any]] = []
    for ch in CHANNELS:
        mine = [x for x in campaigns if x["channel"] == ch.name]
        treated = sum(int(x["treated"]) for x in mine)
        inc = sum(float(x["incremental_opportunities"]) for x in mine)
        channels.append(
            {
                "channel": ch.name,
                "source_system": ch.source_system,
                "planted_mean_lift": w.preset.channel_lift.get(ch.name, ch.lift),
                "lift": round(inc / treated, 6) if treated else 0.0,
                "treated": treated,
                "incremental_opportunities": round(inc, 4),
                "incremental_won_deals": round(
                    sum(float(x["incremental_won_deals"]) for x in mine), 4
                ),
                "incremental_won_amount": round(
                    sum(float(x["incremental_won_amount"]) for x in mine), 2
                ),
                "has_control_group": ch.controlled,
            }
        )
    workflows: list[dict[str, Any]] = []
    for i, wf in enumerate(WORKFLOWS):
        enrolled = (j.enrol[:, i] == 1) & obs
        holdout = (j.enrol[:, i] == 2) & obs
        wf_lift = float(j.workflow_lift[i])
        workflows.append(
            {
                "workflow_id": f"WF-{i + 1:02d}",
                "name": wf.name,
                "lift": wf_lift,
                "enrolled": int(enrolled.sum()),
                "holdout": int(holdout.sum()),
                "incremental_opportunities": round(float(wf_lift * enrolled.sum()), 4),
                "incremental_won_deals": round(float(wf_lift * won_p[enrolled].sum()), 4),
                "incremental_won_amount": round(float(wf_lift * value[enrolled].sum()), 2),
            }
        )
    return {
        "conversion": "a lead (original contact) becomes an opportunity: contacts.converted_at "
        "is set and one deal is created at that instant",
        "model": "P(opportunity) = base[segment] + Σ lift of treating campaigns + Σ lift of "
        "enrolling workflows (additive, never capped)",
        "base_rate_by_segment": dict(zip(SEGMENTS, BASE_OPPORTUNITY_RATE.tolist(), strict=True)),
        "leads_observable": int(obs.sum()),
        "opportunities": int(j.opportunity.sum()),
        "expected_opportunities": round(float(j.probability[obs].sum()), 4),
        "channels": channels,
        "campaigns": campaigns + _flop(w),
        "workflows": workflows,
    }


def _flop(w: World) -> list[dict[str, Any]]:
    """The flop campaign's truth row: no lift, so no incremental anything; its cost is lost.

    Not part of any channel's figures (it is an A/B test outside the channels' plans).
    """
    if w.flop is None:
        return []
    obs = w.journeys.observable[w.flop.lead]
    return [
        {
            "campaign_id": f"CMP-{w.campaigns.channel.size + 1:03d}",
            "name": flops.NAME,
            "channel": flops.CHANNEL,
            "lift": 0.0,
            "treated": int((~w.flop.control & obs).sum()),
            "control": int((w.flop.control & obs).sum()),
            "incremental_opportunities": 0.0,
            "incremental_won_deals": 0.0,
            "incremental_won_amount": 0.0,
            "cost": w.flop.cost,
            "planted_loss": True,
        }
    ]


def _churn(w: World) -> dict[str, object]:
    s, seg = w.subs, w.deals.segment[w.subs.deal]
    exposure = s.exposure

    def hazard(mask: Bools) -> float:
        return round(float(s.churned[mask].sum() / max(exposure[mask].sum(), 1)), 6)

    return {
        "unit": "subscription (one per won deal; orders.deal_id)",
        "definition": "churned subscriptions / observed month-ends at risk; a subscription "
        "churned when its charges stop before the horizon's last month",
        "monthly_hazard_planted": dict(zip(SEGMENTS, CHURN_HAZARD.tolist(), strict=True)),
        "monthly_hazard_realised": {name: hazard(seg == i) for i, name in enumerate(SEGMENTS)},
        "monthly_hazard_realised_all": hazard(np.ones(seg.size, dtype=bool)),
        "subscriptions": int(s.deal.size),
        "churned": int(s.churned.sum()),
    }


def _falling(w: World) -> dict[str, object]:
    """Accounts still paying at the horizon whose engagement is at most half its usual rate.

    The rate is that of their last charged month: the at-risk accounts and the falling
    segment's customers.
    """
    s = w.subs
    last = np.flatnonzero(np.r_[s.charge_sub[1:] != s.charge_sub[:-1], True])
    running = ~s.churned[s.charge_sub[last]]
    fading = last[running & (s.engagement[last] <= 0.5)]
    subs = s.charge_sub[fading]
    seg = w.deals.segment[s.deal[subs]]
    keep = (1 - CHURN_HAZARD[seg])[:, None] ** np.arange(1, 13)[None, :]
    discount = 1.01 ** -np.arange(1, 13, dtype=float)
    value = s.charge_amount[fading] * (keep * discount[None, :]).sum(axis=1)
    accounts = w.deals.account[s.deal[subs]]
    ids = np.unique(accounts)
    per = np.bincount(np.searchsorted(ids, accounts), weights=value, minlength=ids.size)
    return {
        "falling_account_ids": [f"ACC-{int(a) + 1:07d}" for a in ids],
        "falling_value_12m_by_account": {
            f"ACC-{int(a) + 1:07d}": round(float(v), 2) for a, v in zip(ids, per, strict=True)
        },
        "falling_monthly_revenue": round(float(s.charge_amount[fading].sum()), 2),
        "falling_value_12m": round(float(value.sum()), 2),
        "falling_definition": "accounts with a subscription still running at the horizon whose "
        "engagement rate in its last charged month is at most half the usual one; "
        "falling_value_12m = Σ last monthly charge × Σ_k=1..12 (1 − planted monthly churn "
        "hazard)^k / 1.01^k (a year at the planted hazard, 1 % a month discount)",
    }


def _broken_stage(w: World) -> dict[str, object] | None:
    """The planted broken stage and the deals it lost (None when not planted)."""
    if not w.preset.broken_stage:
        return None
    d = w.deals
    lost = d.stopped & (d.status == 2)
    return {
        "broken": {"pipeline": BROKEN_STAGE[0], "stage": BROKEN_STAGE[1]},
        "from": _day(BROKEN_FROM),
        "loss_share_planted": BROKEN_LOSS,
        "lost_deals": int(lost.sum()),
        "lost_amount": round(float(d.amount[lost].sum()), 2),
        "still_open_deals": int((d.stopped & (d.status == OPEN)).sum()),
        "definition": "of the deals of this pipeline created on or after `from` that would "
        "have got past the stage, loss_share_planted are lost there instead; lost_deals are "
        "those among them that would have been won (closed lost inside the horizon, last open "
        "stage = the stage) and lost_amount their amount: the revenue the stage lost",
    }


def _go_live_by_team(users: Users) -> dict[str, str] | None:
    """Each team's go-live when the teams went live apart (every team has a rep)."""
    if users.go_live is None:
        return None
    return {name: _day(int(users.go_live[users.team == t][0])) for t, name in enumerate(SEGMENTS)}


def build_truth(w: World, tables: dict[str, pd.DataFrame]) -> dict[str, object]:
    """The truth document (JSON-serialisable, deterministic key order)."""
    low = np.flatnonzero(w.users.low)
    reps = np.flatnonzero(np.array([r == "rep" for r in w.users.role]))
    n_dup = w.duplicate_of.size
    declining = np.unique(w.deals.account[w.subs.deal[w.subs.declining]])
    at_risk = np.unique(w.deals.account[w.subs.deal[w.subs.at_risk]])
    nps = w.nps_scores
    return {
        "seed": w.seed,
        "size": w.size.name,
        "preset": w.preset.name,
        "currency": CURRENCY,
        "horizon": {"start": _day(START), "end": _day(END - DAY)},
        "adoption_date": _day(ADOPTION),
        "go_live_by_team": _go_live_by_team(w.users),
        "rows": {name: len(frame) for name, frame in tables.items()},
        "seasonality": {"month_factor": MONTH_FACTOR.tolist(), "trend_per_year": TREND_PER_YEAR},
        "reps": _uid(reps),
        "low_adoption_user_ids": _uid(low),
        "crm_effect": _crm_effect(w),
        "lead_response_hours": {
            "median_planted": RESPONSE_MEDIAN_HOURS,
            "median_realised": _response_medians(w),
            "definition": "hours from contacts.created_at to the first outbound call/e-mail on "
            "the contact; regime: before = lead created before adoption, adopter/low = after",
        },
        "marketing": _effects(w),
        "churn": _churn(w),
        "engagement": {
            "declining_account_ids": [f"ACC-{int(a) + 1:07d}" for a in declining],
            "decline_months": DECLINE_MONTHS,
            "decline_floor": DECLINE_FLOOR,
            "definition": "these accounts' monthly activities and touchpoints fall linearly to "
            "10 % of their usual rate over the 6 months before their subscription ends",
            "at_risk_account_ids": [f"ACC-{int(a) + 1:07d}" for a in at_risk],
            "at_risk_definition": "still paying at the horizon, their subscription ends at most "
            f"{AT_RISK_MONTHS_LEFT} months after it, and their engagement fades like the "
            "declining accounts'",
            "falling_segment": SEGMENTS[FALLING_SEGMENT] if w.preset.falling_segment else None,
            "falling_segment_definition": "every customer of this segment: monthly touchpoints "
            f"and care activities fall linearly to {FALLING_FLOOR:.0%} of their usual rate over "
            "the "
            f"horizon's last {FALLING_MONTHS} months; their churn is unchanged",
        },
        "churn_risk": _falling(w),
        "stages": _broken_stage(w),
        "nps": {
            "planted_shares": dict(
                zip(("promoters", "passives", "detractors"), NPS_SHARES.tolist(), strict=True)
            ),
            "nps_planted": round(100 * float(NPS_SHARES[0] - NPS_SHARES[2]), 4),
            "nps_realised": round(100 * float((nps >= 9).mean() - (nps <= 6).mean()), 4)
            if nps.size
            else None,
            "responses": int(nps.size),
        },
        "costs": {
            "total": round(sum(w.cost_totals.values()), 2),
            "by_category": w.cost_totals,
            "rule": "a recurring line is paid in the month of incurred_at and every 1/3/12 months "
            "after it while that month is not after the month of ends_at (empty: up to the "
            "horizon's last month); campaign spend (campaigns.cost) is not included",
        },
        "duplicates": {
            "count": int(n_dup),
            "duplicate_contact_ids": [f"CON-{w.n_contacts + i + 1:07d}" for i in range(n_dup)],
            "original_contact_ids": [f"CON-{int(i) + 1:07d}" for i in w.duplicate_of],
        },
        "deals": {
            "open": int((w.deals.status == OPEN).sum()),
            "won": int((w.deals.status == WON).sum()),
            "lost": int((w.deals.status == 2).sum()),
        },
    }
