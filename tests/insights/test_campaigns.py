"""Campaigns that lose money against their control group: a hand-computed case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from crmroi import Workspace
from crmroi.insights import FindingsSettings
from crmroi.insights.campaigns import detect
from crmroi.insights.context import DetectorContext, data_end
from crmroi.roi.settings import RoiSettings
from tests.support import insert_rows


def _campaign(ws: Workspace, cid: str, cost: float, won_treated: int, won_control: int) -> None:
    """``cid`` (started 2024-03-01) reaches 100 contacts and holds 100 out as a control;
    ``won_treated`` / ``won_control`` of them win a 1,000 EUR deal closed 2024-04-01."""
    insert_rows(ws, "campaigns", [{"campaign_id": cid, "name": cid.upper(), "cost": cost,
                                   "currency": "EUR", "started_at": "2024-03-01"}])  # fmt: skip
    members: list[dict[str, Any]] = []
    deals: list[dict[str, Any]] = []
    for group, won in (("t", won_treated), ("c", won_control)):
        for i in range(100):
            contact = f"{cid}-{group}{i}"
            members.append({"member_key": contact, "campaign_id": cid, "contact_id": contact,
                            "added_at": "2024-03-01", "is_control": group == "c"})  # fmt: skip
            if i < won:
                deals.append({"deal_id": f"d-{contact}", "contact_id": contact, "status": "won",
                              "amount": 1_000.0, "currency": "EUR",
                              "created_at": "2024-03-05", "closed_at": "2024-04-01"})  # fmt: skip
    insert_rows(ws, "campaign_members", members)
    insert_rows(ws, "deals", deals)


def _ctx(ws: Workspace) -> DetectorContext:
    moment = data_end(ws)
    assert moment is not None
    roi = RoiSettings(adoption_date=datetime(2024, 1, 1))
    return DetectorContext(ws, FindingsSettings(), "EUR", moment, roi=roi)


def _ledger(ws: Workspace) -> None:
    """The CRM's cost, and a lost deal on 2024-12-31 so the data outlast the campaigns' 180-day
    conversion window."""
    insert_rows(ws, "deals", [{"deal_id": "late", "status": "lost", "amount": 1.0,
                               "created_at": "2024-12-01", "closed_at": "2024-12-31"}])  # fmt: skip
    insert_rows(ws, "costs", [
        {"cost_id": "impl", "category": "implementation", "amount": 5_000.0, "currency": "EUR",
         "incurred_at": "2024-01-01", "recurrence": "one-off"},
    ])  # fmt: skip


def test_a_campaign_no_better_than_its_control_is_a_loss(workspace: Workspace) -> None:
    """c1 costs 10,000 and its targets win exactly as often as its control (10 of 100 each):
    incremental revenue (0.1 − 0.1) × 1,000 per conversion × 100 = 0, ROI −100 %; the money at
    stake is its spend, 10,000. Confidence: every conversion is worth 1,000, so the interval is
    the lift's × 1,000 × 100. Agresti–Caffo: p̃ = 11/102 in both groups, centre 0, SE
    √(2 · 11 · 91 / 102³) = 0.043434, so ±1.95996 · 0.043434 · 100,000 = ±8,512.9; the SE read
    back from it is 4,343.4, and P(incremental < 10,000) = Φ(10,000 / 4,343.4) = Φ(2.3023) =
    0.98934.

    The interval's top, 8,512.9, is below the cost 10,000: reported. c3 is c1 at a cost of
    5,000: its point ROI is −100 % too, but 8,512.9 > 5,000, so a profit is within the interval:
    silent. c2 costs 1,000 and wins 20 against the control's 10: incremental 10,000, silent.
    """
    _ledger(workspace)
    _campaign(workspace, "c1", 10_000.0, 10, 10)
    _campaign(workspace, "c2", 1_000.0, 20, 10)
    _campaign(workspace, "c3", 5_000.0, 10, 10)
    [loss] = detect(_ctx(workspace))
    assert (loss.kind, loss.subject) == ("campaign_roi", "C1")
    assert loss.money_at_stake == 10_000.0 and loss.currency == "EUR"
    assert loss.evidence["incremental_revenue"] == 0.0
    assert loss.evidence["incremental_roi_pct"] == -100.0
    assert loss.evidence["incremental_high"] == pytest.approx(8_512.9, abs=0.1)
    assert loss.confidence == pytest.approx(0.98934, abs=1e-4)


def test_silent_without_a_control_group_or_an_roi(workspace: Workspace) -> None:
    """A campaign without a control group is not judged (attribution is not causal); a
    workspace the ROI analysis cannot run on (no costs, no seats) gives no campaign finding."""
    _campaign(workspace, "c1", 10_000.0, 10, 0)
    workspace.con.raw_sql("UPDATE campaign_members SET is_control = false")
    assert detect(_ctx(workspace)) == []
    _ledger(workspace)
    assert detect(_ctx(workspace)) == []
