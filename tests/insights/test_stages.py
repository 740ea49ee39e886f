"""Funnel stages that got worse against their own history: a hand-computed case."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.insights import FindingsSettings
from crmroi.insights.context import DetectorContext, data_end
from crmroi.insights.stages import detect
from tests.support import insert_rows

SETTINGS = replace(FindingsSettings(), stage_min_entries=4)


def _stages(ws: Workspace) -> None:
    insert_rows(ws, "stages", [
        {"pipeline": "p", "stage": "A", "position": 0, "probability": 0.3, "is_closed": False,
         "is_won": False},
        {"pipeline": "p", "stage": "B", "position": 1, "probability": 0.7, "is_closed": False,
         "is_won": False},
        {"pipeline": "p", "stage": "Won", "position": 2, "probability": 1.0, "is_closed": True,
         "is_won": True},
        {"pipeline": "p", "stage": "Lost", "position": 3, "probability": 0.0, "is_closed": True,
         "is_won": False},
    ])  # fmt: skip


def _cohort(ws: Workspace, tag: str, start: str, passing: int, days_in_a: int) -> None:
    """Ten deals enter A on ``start``; ``passing`` move to B after ``days_in_a`` days and are
    won 10 days later (1,000 EUR each), the others are lost at A after ``days_in_a`` days."""
    t0 = pd.Timestamp(start)
    deals: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    for i in range(10):
        deal = f"{tag}{i}"
        left = t0 + pd.Timedelta(days=days_in_a)
        won = i < passing
        closed = left + pd.Timedelta(days=10) if won else left
        deals.append({"deal_id": deal, "pipeline": "p", "stage": "Won" if won else "Lost",
                      "status": "won" if won else "lost", "amount": 1_000.0, "currency": "EUR",
                      "created_at": t0, "closed_at": closed})  # fmt: skip
        history.append({"deal_id": deal, "stage": "A", "entered_at": t0})
        if won:
            history.append({"deal_id": deal, "stage": "B", "entered_at": left})
        history.append({"deal_id": deal, "stage": "Won" if won else "Lost", "entered_at": closed})
    insert_rows(ws, "deals", deals)
    insert_rows(ws, "deal_stage_history", history)


def _ctx(ws: Workspace) -> DetectorContext:
    moment = data_end(ws)
    assert moment is not None
    return DetectorContext(ws, SETTINGS, "EUR", moment)


def test_a_stage_whose_conversion_fell(workspace: Workspace) -> None:
    """History (March 2024): 8 of 10 deals get past A and are won at 1,000 EUR. Recent
    (December 2024, the data ends 2024-12-21): 4 of 10. The drop 0.8 → 0.4 is worth the 10
    recent exits × 0.4 × 1,000 EUR per pass = 4,000 EUR. Confidence: pooled rate 12/20 = 0.6,
    SE √(0.6 · 0.4 · (1/10 + 1/10)) = 0.21909, z = 0.4 / 0.21909 = 1.8257, Φ(z) = 0.96605.
    B converts every deal in both periods and A's time in stage stays 10 days: silent."""
    _stages(workspace)
    _cohort(workspace, "h", "2024-03-01", passing=8, days_in_a=10)
    _cohort(workspace, "r", "2024-12-01", passing=4, days_in_a=10)
    [found] = detect(_ctx(workspace))
    assert (found.kind, found.subject) == ("stage", "p / A")
    assert found.money_at_stake == pytest.approx(4_000.0)
    assert found.confidence == pytest.approx(0.96605, abs=1e-5)
    assert (found.evidence["conversion_before"], found.evidence["conversion_now"]) == (0.8, 0.4)


def test_a_stage_that_got_slow(workspace: Workspace) -> None:
    """Same conversion (8 of 10) in both periods, but deals now sit 20 days in A instead of 2:
    time grew tenfold. The money is the open pipeline waiting in A (an open deal of 5,000 EUR
    at A's probability 0.3 = 1,500 EUR); Welch's test of 20 vs 2 days with no spread is
    certain."""
    _stages(workspace)
    _cohort(workspace, "h", "2024-03-01", passing=8, days_in_a=2)
    _cohort(workspace, "r", "2024-11-20", passing=8, days_in_a=20)
    insert_rows(workspace, "deals", [{"deal_id": "o", "pipeline": "p", "stage": "A",
                                      "status": "open", "amount": 5_000.0, "currency": "EUR",
                                      "created_at": "2024-12-15"}])  # fmt: skip
    insert_rows(workspace, "deal_stage_history", [
        {"deal_id": "o", "stage": "A", "entered_at": "2024-12-15"}
    ])  # fmt: skip
    [found] = detect(_ctx(workspace))
    assert found.subject == "p / A"
    assert found.money_at_stake == pytest.approx(1_500.0)
    assert found.evidence["mean_days_before"] == 2.0 and found.evidence["mean_days_now"] == 20.0
    assert found.confidence == pytest.approx(1.0)


def test_too_few_exits_are_not_judged(workspace: Workspace) -> None:
    _stages(workspace)
    _cohort(workspace, "h", "2024-03-01", passing=8, days_in_a=10)
    _cohort(workspace, "r", "2024-12-01", passing=4, days_in_a=10)
    ctx = replace(_ctx(workspace), settings=replace(SETTINGS, stage_min_entries=11))
    assert detect(ctx) == []
