"""The whole ROI analysis on a small simulated company with known effects (see conftest)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.errors import AnalysisError
from crmroi.roi import RoiSettings, analyse
from crmroi.roi.benefits import Attribution

Company = tuple[Workspace, dict[str, Any]]
FAST = RoiSettings(attribution_bootstrap=0)  # the attribution bootstrap is its own module's test
REQUIRED = {
    "basis", "revenue", "gross_profit", "total_cost", "roi_pct", "roi_pct_low", "roi_pct_high",
    "payback_months", "npv", "irr", "cost_by_category", "campaigns", "workflows",
}  # fmt: skip


def test_tco_equals_planted_total(small_company: Company) -> None:
    ws, truth = small_company
    result = analyse(ws, FAST)
    assert result.tco.total == pytest.approx(truth["total_cost"])
    assert result.tco.licence_source == "seats"
    assert result.tco.by_category()["licence"] == pytest.approx(24_000)
    assert (result.tco.seats, result.tco.active_users) == (10, 7)
    assert result.tco.unused_seat_cost == pytest.approx(3 * 100 * 24)
    assert result.tco.start.strftime("%Y-%m") == "2023-11"
    assert result.tco.months == 26


def test_incremental_recovers_planted_uplift(small_company: Company) -> None:
    """The headline takes the deal-level parts (first in the order that passes its checks);
    its interval, and DiD's on the low-adoption reps, hold the planted 1.3× uplift."""
    ws, truth = small_company
    result = analyse(ws, FAST)
    inc = result.bases["incremental"].benefit
    assert inc.method == "deal_level_parts"
    assert inc.low is not None and inc.high is not None
    assert inc.low <= truth["incremental"] <= inc.high
    did = result.impact.estimates["did"]
    assert did.details["design"] == "low_adoption_reps"
    assert did.low is not None and did.high is not None
    assert did.low <= truth["incremental"] <= did.high
    its = result.impact.estimates["its"]
    assert its.low is not None and its.high is not None
    assert its.low <= truth["incremental"] <= its.high


def test_incremental_roi_below_touched(small_company: Company) -> None:
    ws, _ = small_company
    out = analyse(ws, FAST).to_dict()
    touched, incremental = out["bases"]["touched"], out["bases"]["incremental"]
    assert incremental["roi_pct"] < touched["roi_pct"]
    assert out["roi_pct"] == incremental["roi_pct"]
    # the company records no touchpoints: nothing to attribute, so not computed (never 0)
    assert out["bases"]["attributed"]["revenue"] is None
    assert "no touchpoints" in out["bases"]["attributed"]["reason"]


def test_json_has_every_number_and_no_nan(small_company: Company) -> None:
    ws, _ = small_company
    out = analyse(ws, replace(FAST, margin=0.6)).to_dict()
    assert set(out) >= REQUIRED
    text = json.dumps(out, default=str, allow_nan=False)  # raises on NaN/inf
    assert "NaN" not in text
    assert out["gross_profit"] == pytest.approx(out["revenue"] * 0.6)
    assert out["roi_pct_low"] <= out["roi_pct"] <= out["roi_pct_high"]
    assert 0.0 <= out["prob_roi_positive"] <= 1.0
    assert sum(out["cost_by_category"].values()) == pytest.approx(out["total_cost"])
    assert {s["name"] for s in out["scenarios"]} == {"adoption reaches 90 %", "licence price +20 %"}
    assert out["tornado"][0]["swing"] >= out["tornado"][-1]["swing"]


def no_attribution(*args: object, **kwargs: object) -> Attribution:
    return Attribution("attribution switched off in this test")


def test_campaign_cost_counted_once(
    small_company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """c1 is the source of 20 won deals; its cost of 3,000 is counted once, not 20 times."""
    ws, truth = small_company
    monkeypatch.setattr("crmroi.roi.benefits.attribution_table", no_attribution)
    out = analyse(ws, FAST).to_dict()
    assert out["bases"]["attributed"]["revenue"] is None
    assert out["bases"]["attributed"]["reason"] == "attribution switched off in this test"
    (c1,) = out["campaigns"]
    assert c1["deals"] == truth["c1_deals"] == 20
    assert c1["cost"] == pytest.approx(truth["c1_cost"])
    assert c1["revenue"] == pytest.approx(truth["c1_revenue"])
    assert c1["roi_pct"] == pytest.approx((truth["c1_revenue"] - 3_000) / 3_000 * 100)
    assert c1["revenue_model"] == "deal_source"


def test_workflow_roi_from_holdout(small_company: Company) -> None:
    ws, truth = small_company
    out = analyse(ws, FAST).to_dict()
    (w1,) = out["workflows"]
    assert w1["cost"] == pytest.approx(5_000)  # ledger line and workflows.cost: once
    assert w1["enrolled"] == 1200 and w1["holdout"] == 300
    assert w1["incremental_low"] <= truth["workflow_revenue"] <= w1["incremental_high"]
    assert w1["roi_pct"] == pytest.approx((w1["incremental_revenue"] - 5_000) / 5_000 * 100)


def test_no_costs_gives_reasons_not_errors(workspace: Workspace, insert: Any) -> None:
    insert(workspace, "users", [{"user_id": "u", "active_from": "2024-01-01"}])
    insert(workspace, "deals", [{"deal_id": "d", "status": "won", "amount": 10.0,
                                 "currency": "EUR", "created_at": "2024-02-01",
                                 "closed_at": "2024-02-03"}])  # fmt: skip
    out = analyse(workspace, replace(FAST, basis="touched")).to_dict()
    assert out["total_cost"] == 0
    assert out["roi_pct"] is None and "no cost" in out["roi_pct_reason"]
    assert out["payback_months"] is None and out["payback_reason"]
    assert out["irr"] is None and out["irr_reason"]
    json.dumps(out, allow_nan=False)


def fake_attribution(*args: object, **kwargs: object) -> Attribution:
    """The attribution contract: key, channel, conversions, revenue, share, share_low/high."""
    return Attribution(
        pd.DataFrame(
            {
                "key": ["c1", "(baseline)"],
                "channel": ["Launch", "(baseline)"],
                "conversions": [7.5, 100.0],
                "revenue": [50_000.0, 900_000.0],
                "share": [0.4, 0.6],
                "share_low": [0.3, 0.5],
                "share_high": [0.5, 0.7],
            }
        )
    )


def test_attributed_basis_follows_the_attribution_contract(
    small_company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attributed = touched × (1 − baseline share) = 0.4 × touched; interval 0.3 … 0.5 × touched.
    Campaign c1: 50,000 attributed against its 3,000 cost → (50,000 − 3,000) ÷ 3,000 = 1,566.7 %."""
    ws, _ = small_company
    monkeypatch.setattr("crmroi.roi.benefits.attribution_table", fake_attribution)
    out = analyse(ws, replace(FAST, basis="attributed")).to_dict()
    touched = out["bases"]["touched"]["revenue"]
    assert out["revenue"] == pytest.approx(0.4 * touched)
    assert out["revenue_low"] == pytest.approx(0.3 * touched)
    assert out["revenue_high"] == pytest.approx(0.5 * touched)
    (c1,) = out["campaigns"]
    assert c1["revenue_model"] == "data_driven"
    assert c1["revenue"] == 50_000.0 and c1["deals"] == 7.5
    assert c1["cost"] == 3_000.0
    assert c1["roi_pct"] == pytest.approx((50_000 - 3_000) / 3_000 * 100)
    assert out["roi_pct_low"] < out["roi_pct"] < out["roi_pct_high"]


def test_productivity_is_an_optional_labelled_line(small_company: Company) -> None:
    """7 reps log in every month of 2024–2025: 24 × 7 × 2 h × 50 = 16,800 of productivity."""
    ws, _ = small_company
    plain = analyse(ws, FAST).to_dict()
    assert plain["productivity"] == 0.0
    settings = replace(FAST, hours_saved_per_user_month=2.0, loaded_hourly_cost=50.0)
    out = analyse(ws, settings).to_dict()
    assert out["productivity"] == pytest.approx(16_800.0)
    assert out["benefit"] == pytest.approx(out["gross_profit"] + 16_800.0)
    assert any("productivity" in note for note in out["notes"])


def test_unavailable_basis_has_no_interval(
    small_company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, _ = small_company
    monkeypatch.setattr("crmroi.roi.benefits.attribution_table", no_attribution)
    out = analyse(ws, replace(FAST, basis="attributed")).to_dict()
    assert out["revenue"] is None and out["roi_pct"] is None
    assert out["roi_pct_low"] is None and out["prob_roi_positive"] is None
    assert out["roi_pct_reason"] == "attribution switched off in this test"


def test_empty_workspace_says_what_is_missing(workspace: Workspace) -> None:
    with pytest.raises(AnalysisError, match="adoption"):
        analyse(workspace, FAST)
