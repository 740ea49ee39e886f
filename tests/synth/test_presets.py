"""The presets: ``default`` plants every problem the findings look for, ``healthy`` none, and
the rest of the world is the same company.

Each planted problem is checked in the tables themselves, not only in truth.json.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from crmroi.errors import InputError
from crmroi.synth import SyntheticCompany, generate
from crmroi.synth.presets import PRESETS


@pytest.fixture(scope="module")
def healthy() -> SyntheticCompany:
    return generate("small", seed=0, preset="healthy")


def test_an_unknown_preset_is_named_in_the_error() -> None:
    with pytest.raises(InputError, match=r"'sick'.*default, healthy"):
        generate("small", 0, preset="sick")


def test_default_records_every_planted_problem(truth: dict[str, Any]) -> None:
    assert truth["preset"] == "default"
    assert truth["low_adoption_user_ids"]
    assert truth["duplicates"]["count"] > 0
    assert [w["name"] for w in truth["marketing"]["workflows"] if w["lift"] == 0] == [
        "Win-back sequence"
    ]
    assert [c["channel"] for c in truth["marketing"]["channels"] if c["planted_mean_lift"] == 0]
    assert truth["stages"]["broken"] == {"pipeline": "sales", "stage": "Proposal"}
    assert truth["engagement"]["falling_segment"] == "Enterprise"
    assert truth["engagement"]["at_risk_account_ids"]
    assert truth["churn_risk"]["falling_account_ids"]


def test_healthy_records_none(healthy: SyntheticCompany) -> None:
    truth: dict[str, Any] = healthy.truth  # type: ignore[assignment]
    assert truth["preset"] == "healthy"
    assert truth["low_adoption_user_ids"] == []
    assert truth["duplicates"]["count"] == 0
    assert all(w["lift"] > 0 for w in truth["marketing"]["workflows"])
    assert all(c["planted_mean_lift"] > 0 for c in truth["marketing"]["channels"])
    assert truth["stages"] is None
    assert truth["engagement"]["falling_segment"] is None
    assert truth["engagement"]["declining_account_ids"] == []
    assert truth["engagement"]["at_risk_account_ids"] == []
    assert truth["churn_risk"]["falling_account_ids"] == []


def test_the_broken_stage_is_in_the_tables(tables: dict[str, pd.DataFrame], truth: Any) -> None:
    """truth's lost deals are closed lost, in the sales pipeline, created since the break, and
    their last open stage is Proposal; their amounts add up to the planted lost revenue."""
    deals, history = tables["deals"], tables["deal_stage_history"]
    planted = truth["stages"]
    last = history[~history["stage"].str.startswith("Closed")].sort_values("entered_at")
    last = last.groupby("deal_id")["stage"].last()
    since = pd.Timestamp(planted["from"])
    lost = deals[
        (deals["pipeline"] == "sales")
        & (deals["status"] == "lost")
        & (pd.to_datetime(deals["created_at"]) >= since)
        & (deals["deal_id"].map(last) == "Proposal")
    ]
    assert len(lost) >= planted["lost_deals"] > 0  # the broken ones and the naturally lost
    share = planted["lost_amount"] / lost["amount"].sum()
    assert 0 < share <= 1


def test_healthy_deals_are_all_followed_up_in_the_last_week(healthy: SyntheticCompany) -> None:
    deals, acts = healthy.tables["deals"], healthy.tables["activities"]
    open_ids = deals.loc[deals["status"] == "open", "deal_id"]
    last = pd.to_datetime(acts.dropna(subset=["deal_id"]).groupby("deal_id")["occurred_at"].max())
    idle = pd.Timestamp("2026-01-01") - last.reindex(open_ids)
    assert len(open_ids) > 0 and (idle <= pd.Timedelta(days=8)).all()


def test_the_presets_share_everything_else(
    truth: dict[str, Any], healthy: SyntheticCompany
) -> None:
    """Same seed, same company: the same contacts, accounts, users and campaigns (bar the
    planted lifts and the default's losing campaign, its last), and the same costs but the
    workflows' running lines (``other``), which follow how many leads each enrols: the healthy
    preset holds out half of them."""
    other: dict[str, Any] = healthy.truth  # type: ignore[assignment]
    assert other["reps"] == truth["reps"]
    mine, theirs = truth["costs"]["by_category"], other["costs"]["by_category"]
    assert {k: v for k, v in theirs.items() if k != "other"} == {
        k: v for k, v in mine.items() if k != "other"
    }
    assert theirs["other"] < mine["other"]
    assert other["rows"]["accounts"] == truth["rows"]["accounts"]
    assert other["rows"]["contacts"] == truth["rows"]["contacts"] - truth["duplicates"]["count"]
    *shared, flop = truth["marketing"]["campaigns"]
    assert flop["planted_loss"] and not any(c.get("planted_loss") for c in shared)
    lifts = [c["lift"] for c in shared]
    healthy_lifts = [c["lift"] for c in other["marketing"]["campaigns"]]
    differs = np.array(lifts) != np.array(healthy_lifts)
    channels = {c["channel"] for c, d in zip(shared, differs, strict=True) if d}
    assert channels == set(PRESETS["healthy"].channel_lift)


def test_the_losing_campaign_is_in_the_tables_and_moves_nothing_else(
    tables: dict[str, pd.DataFrame], truth: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default's losing campaign: SMB leads only, about half of them its control, no
    touchpoint, the cost truth.json records; without it every other table is the same."""
    [flop] = [c for c in truth["marketing"]["campaigns"] if c.get("planted_loss")]
    cid = flop["campaign_id"]
    campaign = tables["campaigns"].set_index("campaign_id").loc[cid]
    assert campaign["cost"] == flop["cost"]
    members = tables["campaign_members"]
    mine = members[members["campaign_id"] == cid]
    segment = (
        tables["contacts"]
        .set_index("contact_id")["account_id"]
        .map(tables["accounts"].set_index("account_id")["segment"])
    )
    assert set(mine["contact_id"].map(segment)) == {"SMB"}
    assert abs(mine["is_control"].mean() - 0.5) < 0.1
    assert flop["cost"] == 170 + 50 * int((~mine["is_control"]).sum())
    assert not (tables["touchpoints"]["campaign_id"] == cid).any()
    without = replace(PRESETS["default"], flop_campaign=False)
    monkeypatch.setitem(PRESETS, "default", without)
    plain = generate("small", seed=0).tables
    for name, frame in tables.items():
        if name == "campaigns":
            frame = frame[frame["campaign_id"] != cid]
        if name == "campaign_members":
            frame = frame[frame["campaign_id"] != cid]
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), plain[name], obj=name)
