"""The people and data detectors on the simulated company (small, seed 0) against its truth.

The synth plants, among others, low-adoption reps, who log a fraction of the adopters'
activities on their deals (so their open deals go quiet), and duplicate contacts
(``truth["duplicates"]``). It leaves no deal field empty. One check also removes these planted
problems from the tables and expects silence; ``test_planted.py`` covers the other detectors
and the healthy preset.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmroi.insights import DETECTORS, Finding, FindingsSettings
from crmroi.insights.context import DetectorContext, data_end
from tests.insights.conftest import Company, open_company


def _neglect_oracle(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """pandas: per owner name, Σ amount × probability of the open deals idle longer than
    max(90th percentile of the gaps between activities on the deals of the owner's team, 14)
    days, as of the data's last timestamp."""
    deals, acts = tables["deals"], tables["activities"]
    users = tables["users"][["user_id", "team", "name"]].rename(columns={"name": "owner"})
    acts = acts[(acts["type"] != "login") & acts["deal_id"].notna()].copy()
    as_of = max(
        pd.to_datetime(acts["occurred_at"]).max(),
        pd.to_datetime(deals["created_at"]).max(),
        pd.to_datetime(deals["closed_at"]).max(),
    )
    acts["t"] = pd.to_datetime(acts["occurred_at"])
    acts = acts.sort_values(["deal_id", "t"])
    acts["gap"] = acts.groupby("deal_id")["t"].diff().dt.total_seconds() / 86_400
    team = deals.merge(users, left_on="owner_id", right_on="user_id")[["deal_id", "team"]]
    gaps = acts.dropna(subset=["gap"]).merge(team, on="deal_id")
    p90 = gaps.groupby("team")["gap"].quantile(0.9)
    last = acts.groupby("deal_id")["t"].max()
    open_ = deals[deals["status"] == "open"].merge(users, left_on="owner_id", right_on="user_id")
    open_ = open_.reset_index(drop=True)
    since = open_["deal_id"].map(last).fillna(pd.to_datetime(open_["created_at"]))
    idle = (as_of - since).dt.total_seconds() / 86_400
    limit = np.maximum(open_["team"].map(p90), 14.0)
    late = open_[idle.to_numpy() > limit.to_numpy()]
    value = late["amount"] * late["probability"]
    return {str(k): float(v) for k, v in value.groupby(late["owner"]).sum().items()}


def test_neglected_deals_belong_to_the_low_adoption_reps(
    company: Company, found: list[Finding]
) -> None:
    """Seed 0: four of the five open deals of Jonas Huber (USR-010, a planted low-adoption
    rep) idle 33, 33, 73 and 90 days against his team's usual gap of ~19; weighted by their
    probabilities 14,439 + 60,154.5 + 6,480 + 2,263 = 83,336.5 EUR; no adopter is flagged. The
    money matches the pandas computation of the same rule."""
    _, tables, truth = company
    names = tables["users"].set_index("user_id")["name"]
    low = {names[u] for u in truth["low_adoption_user_ids"]}
    neglected = {f.subject: f for f in found if f.kind == "neglected_deals"}
    assert neglected and set(neglected) <= low
    want = _neglect_oracle(tables)
    assert {k: round(f.money_at_stake, 2) for k, f in neglected.items()} == pytest.approx(want)
    assert neglected["Jonas Huber"].money_at_stake == pytest.approx(83_336.5)
    assert all(f.confidence > 0.9 for f in neglected.values())


def test_duplicates_match_the_planted_ones(company: Company, found: list[Finding]) -> None:
    """truth["duplicates"] lists 30 copies; the finding counts them and prices the won revenue
    on the copies and their originals; no deal field is empty, so nothing else is reported."""
    _, tables, truth = company
    quality = [f for f in found if f.kind == "data_quality"]
    assert [f.subject for f in quality] == ["contacts.email_hash"]
    [dup] = quality
    planted = truth["duplicates"]
    assert dup.evidence["duplicate_contacts"] == planted["count"]
    involved = set(planted["duplicate_contact_ids"]) | set(planted["original_contact_ids"])
    deals = tables["deals"]
    won = deals[(deals["status"] == "won") & deals["contact_id"].isin(involved)]
    assert dup.money_at_stake == pytest.approx(float(won["amount"].sum()))


def test_silent_once_the_planted_problems_are_fixed(company: Company, tmp_path: Path) -> None:
    """Drop the duplicate contacts and the low-adoption reps (their seats, deals and
    activities), and log a call on every open deal on the last day: no detector has anything
    left to say (the synth has no unused seat and no empty deal field to begin with). The
    campaign detector is left out here: with no low-adoption rep left, the ROI analysis's
    difference-in-differences has no control group and statsmodels warns about a
    rank-deficient design (an error under this suite's filterwarnings); its silence on this
    company is checked above."""
    _, tables, truth = company
    low = set(truth["low_adoption_user_ids"])
    fixed = {
        "users": tables["users"][~tables["users"]["user_id"].isin(low)],
        "deals": tables["deals"][~tables["deals"]["owner_id"].isin(low)],
        "activities": tables["activities"][~tables["activities"]["user_id"].isin(low)],
    }
    fixed = tables | fixed
    copies = set(truth["duplicates"]["duplicate_contact_ids"])
    fixed["contacts"] = tables["contacts"][~tables["contacts"]["contact_id"].isin(copies)]
    deals = fixed["deals"]
    open_ids = deals.loc[deals["status"] == "open", "deal_id"].tolist()
    last = pd.to_datetime(tables["activities"]["occurred_at"]).max()
    calls = pd.DataFrame({
        "activity_id": [f"fix-{d}" for d in open_ids], "type": "call", "deal_id": open_ids,
        "occurred_at": last, "automated": False,
    })  # fmt: skip
    fixed["activities"] = pd.concat([fixed["activities"], calls], ignore_index=True)
    ws = open_company(fixed, tmp_path / "fixed.duckdb")
    try:
        ctx = DetectorContext(ws, FindingsSettings(), "EUR", data_end(ws) or datetime.now())
        # the engagement, churn, stage and workflow problems are still planted here; the
        # simulated company sets no targets, so target_gap is silent too
        others = ["neglected_deals", "data_quality", "adoption", "unused_seats", "target_gap"]
        assert [f for name in others for f in DETECTORS[name](ctx)] == []
    finally:
        ws.close()


def _adoption_oracle(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """pandas, 2025 (the last 365 days): per rep, human activities ÷ (deals closed in 2025 +
    deals open at its end); low adopters below half the median; money = (win rate of the
    team's other reps − the rep's) × the rep's open pipeline, where positive, in cents."""
    deals, acts = tables["deals"], tables["activities"]
    users = tables["users"].set_index("user_id")
    closed_at = pd.to_datetime(deals["closed_at"])
    in_year = closed_at.dt.year == 2025
    won = deals[in_year & (deals["status"] == "won")].groupby("owner_id").size()
    closed = deals[in_year].groupby("owner_id").size()
    still_open = deals[deals["status"] == "open"]
    open_n = still_open.groupby("owner_id").size()
    pipeline = still_open.groupby("owner_id")["amount"].sum()
    human = acts[(acts["type"] != "login") & ~acts["automated"].fillna(False).astype(bool)]
    human = human[pd.to_datetime(human["occurred_at"]).dt.year == 2025]
    n_acts = human.groupby("user_id").size()
    reps = pd.DataFrame({"won": won, "closed": closed, "open": open_n, "acts": n_acts})
    reps = reps.fillna(0.0)
    reps = reps[(reps["closed"] + reps["open"]) > 0]
    reps["intensity"] = reps["acts"] / (reps["closed"] + reps["open"])
    reps["team"] = users["team"].reindex(reps.index)
    low = reps["intensity"] < 0.5 * reps["intensity"].median()
    out = {}
    for rep in reps.index[low]:
        peers = reps[~low & (reps["team"] == reps.loc[rep, "team"])]
        gap = (
            peers["won"].sum() / peers["closed"].sum()
            - reps.loc[rep, "won"] / reps.loc[rep, "closed"]
        )
        money = gap * float(pipeline.get(rep, 0.0))
        if money > 0:
            out[str(users.loc[rep, "name"])] = round(float(money), 2)
    return out


def test_adoption_finds_the_planted_low_adoption_reps(
    company: Company, found: list[Finding]
) -> None:
    """Seed 0 plants USR-004 (David Brandt, SMB) and USR-010 (Jonas Huber, Enterprise): they
    log 5.8 and 4.5 activities per deal against a median of 21.1, win 0 of 5 and 1 of 8 in
    2025 against their teams' other reps' 10 of 25 and 5 of 14, and are found, and no one
    else; the money matches pandas. Jonas: (5/14 − 1/8) × his open pipeline of 233,690 EUR =
    54,249.46."""
    _, tables, truth = company
    names = tables["users"].set_index("user_id")["name"]
    low = {names[u] for u in truth["low_adoption_user_ids"]}
    adoption = {f.subject: f for f in found if f.kind == "adoption"}
    assert set(adoption) == low
    want = _adoption_oracle(tables)
    assert {k: f.money_at_stake for k, f in adoption.items()} == pytest.approx(want)
    assert adoption["Jonas Huber"].money_at_stake == pytest.approx(54_249.46, abs=0.01)


def test_campaign_roi_is_silent_where_the_losing_campaign_cannot_be_proven(
    company: Company, found: list[Finding]
) -> None:
    """Only campaigns with a control group are judged. On this company each of them truly
    pays (planted incremental won amount > its cost) but the planted flop (no lift, 12,870
    EUR), whose 250 leads per arm cannot prove its loss on this seed: the top of its interval
    of lift × revenue per conversion stays above its cost, so nothing is reported (on seeds
    0–7 the flop in 1 of 8, seed 3, and never a paying campaign; the medium company's 5,665
    per arm show it: ``test_campaign_synth.py``). The zero-lift display campaigns have no
    control group: this detector cannot see them."""
    _, tables, truth = company
    cost = tables["campaigns"].set_index("campaign_id")["cost"]
    planted = truth["marketing"]["campaigns"]
    [flop] = [c for c in planted if c.get("planted_loss")]
    assert flop["lift"] == 0 and 200 < flop["control"] < 300
    assert cost[flop["campaign_id"]] == 12_870
    controlled = [c for c in planted if c["control"] > 0 and c is not flop]
    assert controlled
    assert all(c["incremental_won_amount"] > cost[c["campaign_id"]] for c in controlled)
    assert all(c["control"] == 0 for c in planted if c["lift"] == 0 and c is not flop)
    assert [f for f in found if f.kind == "campaign_roi"] == []
