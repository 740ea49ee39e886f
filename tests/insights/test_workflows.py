"""Workflows whose lift over their holdout is not shown: a hand-computed case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from crmroi import Workspace
from crmroi.insights import FindingsSettings
from crmroi.insights.context import DetectorContext, data_end
from crmroi.insights.workflows import detect
from crmroi.roi.settings import RoiSettings
from tests.support import insert_rows


def _workflow(ws: Workspace, wid: str, cost: float, won_enrolled: int, won_holdout: int) -> None:
    """``wid`` (built 2024-02-01 for ``cost``) enrols 100 contacts on 2024-03-01 and holds 100
    out; ``won_enrolled`` / ``won_holdout`` of them win a 1,000 EUR deal closed 2024-04-01."""
    insert_rows(ws, "workflows", [{"workflow_id": wid, "name": wid.upper(), "kind": "nurture",
                                   "created_at": "2024-02-01", "cost": cost,
                                   "currency": "EUR"}])  # fmt: skip
    insert_rows(ws, "costs", [{"cost_id": f"build-{wid}", "category": "customization",
                               "amount": cost, "currency": "EUR", "incurred_at": "2024-02-01",
                               "recurrence": "one-off", "workflow_id": wid}])  # fmt: skip
    rows: list[dict[str, Any]] = []
    deals: list[dict[str, Any]] = []
    for group, won in (("e", won_enrolled), ("h", won_holdout)):
        for i in range(100):
            contact = f"{wid}-{group}{i}"
            rows.append({"enrollment_key": contact, "workflow_id": wid, "contact_id": contact,
                         "enrolled_at": "2024-03-01", "holdout": group == "h"})  # fmt: skip
            if i < won:
                deals.append({"deal_id": f"d-{contact}", "contact_id": contact, "status": "won",
                              "amount": 1_000.0, "currency": "EUR",
                              "created_at": "2024-03-05", "closed_at": "2024-04-01"})  # fmt: skip
    insert_rows(ws, "workflow_enrollments", rows)
    insert_rows(ws, "deals", deals)


def _ledger(ws: Workspace) -> None:
    """The CRM's cost, and a lost deal on 2024-12-31 so the data outlast the 180-day window."""
    insert_rows(ws, "deals", [{"deal_id": "late", "status": "lost", "amount": 1.0,
                               "created_at": "2024-12-01", "closed_at": "2024-12-31"}])  # fmt: skip
    insert_rows(ws, "costs", [
        {"cost_id": "impl", "category": "implementation", "amount": 5_000.0, "currency": "EUR",
         "incurred_at": "2024-01-01", "recurrence": "one-off"},
    ])  # fmt: skip


def _ctx(ws: Workspace) -> DetectorContext:
    moment = data_end(ws)
    assert moment is not None
    roi = RoiSettings(adoption_date=datetime(2024, 1, 1))
    return DetectorContext(ws, FindingsSettings(), "EUR", moment, roi=roi)


def test_a_workflow_no_better_than_its_holdout(workspace: Workspace) -> None:
    """w1 costs 10,000 and its enrolled contacts win as often as its holdout (10 of 100 each):
    lift 0, p = 1, reported at its cost, 10,000. The confidence that it does not pay is the
    campaign detector's: incremental revenue 0 ± 8,512.9 (the lift's Agresti–Caffo interval ×
    1,000 per conversion × 100, see test_campaigns), SE 4,343.4, Φ(10,000 / 4,343.4) = 0.98934.
    w2 costs 1,000 and wins 30 against 10: lift 0.2, p far below 0.05: silent."""
    _ledger(workspace)
    _workflow(workspace, "w1", 10_000.0, 10, 10)
    _workflow(workspace, "w2", 1_000.0, 30, 10)
    [found] = detect(_ctx(workspace))
    assert (found.kind, found.subject) == ("workflow_lift", "W1")
    assert found.money_at_stake == 10_000.0
    assert found.evidence["conversion_lift"] == 0.0
    assert found.evidence["incremental_high"] == pytest.approx(8_512.9, abs=0.1)
    assert found.confidence == pytest.approx(0.98934, abs=1e-4)


def test_a_workflow_whose_lift_is_unclear(workspace: Workspace) -> None:
    """w3 wins 13 against 10: a positive lift of 0.03 whose two-proportion p-value is far above
    0.05 (z ≈ 0.66), so it is reported though its point estimate pays."""
    _ledger(workspace)
    _workflow(workspace, "w3", 1_000.0, 13, 10)
    [found] = detect(_ctx(workspace))
    lift, p_value = found.evidence["conversion_lift"], found.evidence["lift_p_value"]
    assert lift == pytest.approx(0.03)
    assert isinstance(p_value, float) and p_value > 0.05
    assert found.money_at_stake == 1_000.0


def test_silent_without_a_holdout(workspace: Workspace) -> None:
    _ledger(workspace)
    _workflow(workspace, "w1", 10_000.0, 10, 10)
    workspace.con.raw_sql("UPDATE workflow_enrollments SET holdout = false")
    assert detect(_ctx(workspace)) == []
