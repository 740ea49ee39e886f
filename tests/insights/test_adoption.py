"""Low-adoption reps against a hand-computed case (the working is in the docstring)."""

from __future__ import annotations

from typing import Any

import pytest

from crmroi import Workspace
from crmroi.insights import FindingsSettings
from crmroi.insights.adoption import detect
from crmroi.insights.context import DetectorContext, data_end
from tests.support import insert_rows


def _ctx(ws: Workspace) -> DetectorContext:
    moment = data_end(ws)
    assert moment is not None
    return DetectorContext(ws, FindingsSettings(), "EUR", moment)


def _rep(ws: Workspace, rep: str, won: int, lost: int, acts: int, open_amount: float) -> None:
    """``rep`` (team A) closes ``won`` + ``lost`` deals in June 2025, logs ``acts`` calls in
    June and holds one open deal of ``open_amount`` (none when 0)."""
    insert_rows(ws, "users", [{"user_id": rep, "name": rep.upper(), "team": "A"}])
    deals: list[dict[str, Any]] = [
        {"deal_id": f"{rep}-{i}", "owner_id": rep, "status": "won" if i < won else "lost",
         "amount": 1_000.0, "created_at": "2025-05-01", "closed_at": "2025-06-15"}
        for i in range(won + lost)
    ]  # fmt: skip
    if open_amount:
        deals.append({"deal_id": f"{rep}-open", "owner_id": rep, "status": "open",
                      "amount": open_amount, "created_at": "2025-06-01"})  # fmt: skip
    insert_rows(ws, "deals", deals)
    insert_rows(ws, "activities", [
        {"activity_id": f"{rep}-a{i}", "type": "call", "user_id": rep, "automated": False,
         "occurred_at": "2025-06-10"} for i in range(acts)
    ])  # fmt: skip


def test_the_win_rate_gap_times_the_pipeline(workspace: Workspace) -> None:
    """Team A. Activities per deal handled (closed in the window + open at its end):
    u1 40 / 4 = 10, u2 40 / 4 = 10, u3 20 / 2 = 10, u4 6 / (5 + 1) = 1; the median is 10, so
    u4 (1 < 0.5 × 10) is the low adopter. Peers u1–u3 win 2 + 3 + 1 = 6 of 10 (0.6); u4 wins
    1 of 5 (0.2). Money: (0.6 − 0.2) × u4's open pipeline 10,000 = 4,000 EUR.
    Confidence: pooled p = 7/15, se = √(7/15 · 8/15 · (1/5 + 1/10)) = 0.273252,
    z = 0.4 / 0.273252 = 1.46385, Φ(z) = 0.92838.
    """
    _rep(workspace, "u1", 2, 2, 40, 0)
    _rep(workspace, "u2", 3, 1, 40, 0)
    _rep(workspace, "u3", 1, 1, 20, 0)
    _rep(workspace, "u4", 1, 4, 6, 10_000.0)
    insert_rows(workspace, "activities", [
        {"activity_id": "end", "type": "login", "user_id": "u1", "occurred_at": "2025-12-31"},
    ])  # fmt: skip
    [low] = detect(_ctx(workspace))
    assert (low.kind, low.subject) == ("adoption", "U4")
    assert low.money_at_stake == pytest.approx(4_000.0)
    assert low.confidence == pytest.approx(0.92838, abs=1e-5)
    assert low.evidence["activities_per_deal"] == 1.0
    assert low.evidence["median_activities_per_deal"] == 10.0
    assert (low.evidence["win_rate"], low.evidence["peer_win_rate"]) == (0.2, 0.6)


def test_silent_when_nobody_lags_or_the_laggard_wins(workspace: Workspace) -> None:
    """u1–u3 as above; u4 logs 6 calls on 6 deals but wins 4 of 5 (0.8 > 0.6): a low adopter
    who does not lose money is not a finding. Without u4 everyone logs 10 per deal: silent."""
    _rep(workspace, "u1", 2, 2, 40, 0)
    _rep(workspace, "u2", 3, 1, 40, 0)
    _rep(workspace, "u3", 1, 1, 20, 0)
    assert detect(_ctx(workspace)) == []
    _rep(workspace, "u4", 4, 1, 6, 10_000.0)
    assert detect(_ctx(workspace)) == []
