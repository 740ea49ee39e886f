"""Neglected deals against hand-computed cases (the working is in each docstring)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crmroi import Workspace
from crmroi.insights import FindingsSettings, find, rank
from crmroi.insights.context import DetectorContext, data_end
from crmroi.insights.neglect import detect
from tests.support import insert_rows

T0 = datetime(2025, 1, 1)


def _day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def _team(ws: Workspace) -> None:
    """Team "A": u1 (Ann) and u2 (Bob). Deal h (won, u2) carries the team's rhythm: activities
    on days 0, 10, 20, …, 200, i.e. 20 gaps of exactly 10 days, so every quantile of the team's
    gaps is 10 days and the neglect threshold is max(10, neglect_min_days)."""
    insert_rows(ws, "users", [
        {"user_id": "u1", "name": "Ann", "team": "A"},
        {"user_id": "u2", "name": "Bob", "team": "A"},
    ])  # fmt: skip
    insert_rows(ws, "activities", [
        {"activity_id": f"h{i}", "type": "call", "deal_id": "h", "occurred_at": _day(10 * i)}
        for i in range(21)
    ])  # fmt: skip


def _ctx(ws: Workspace, **settings: float) -> DetectorContext:
    moment = data_end(ws)
    assert moment is not None
    return DetectorContext(ws, FindingsSettings(**settings), "EUR", moment)  # type: ignore[arg-type]


def test_idle_open_deals_are_valued_at_amount_times_probability(workspace: Workspace) -> None:
    """As of day 200 (the last activity), with a floor of 5 days the threshold is 10 days.

    * d1 (Ann, 10,000, probability 0.3, last call day 150): idle 50 > 10 → neglected, 3,000.
    * d2 (Ann, 4,000, no deal probability, stage "Demo" at 0.5, created day 170, never
      touched): idle 30 → neglected, 2,000.
    * d3 (Ann, 50,000, probability 0.5, last call day 195): idle 5 → fine.
    * d4 (Ann, lost, idle 100): not open → ignored.
    * d5 (Bob, 8,000, no probability anywhere, last call day 185): idle 15 → neglected, 8,000
      (amount × 1).
    Ann: 3,000 + 2,000 = 5,000 over 2 deals; Bob: 8,000 over 1. Each idle time exceeds every
    team gap, so the confidence is the top of the grid (0.999); Bob ranks first.
    """
    _team(workspace)
    insert_rows(workspace, "stages", [
        {"stage_key": "p|Demo", "pipeline": "p", "stage": "Demo", "position": 1,
         "probability": 0.5},
    ])  # fmt: skip
    insert_rows(workspace, "deals", [
        {"deal_id": "h", "owner_id": "u2", "status": "won", "amount": 1.0,
         "created_at": _day(0), "closed_at": _day(200)},
        {"deal_id": "d1", "owner_id": "u1", "status": "open", "amount": 10_000.0,
         "probability": 0.3, "created_at": _day(100)},
        {"deal_id": "d2", "owner_id": "u1", "status": "open", "amount": 4_000.0,
         "pipeline": "p", "stage": "Demo", "created_at": _day(170)},
        {"deal_id": "d3", "owner_id": "u1", "status": "open", "amount": 50_000.0,
         "probability": 0.5, "created_at": _day(100)},
        {"deal_id": "d4", "owner_id": "u1", "status": "lost", "amount": 9_000.0,
         "created_at": _day(50), "closed_at": _day(100)},
        {"deal_id": "d5", "owner_id": "u2", "status": "open", "amount": 8_000.0,
         "created_at": _day(100)},
    ])  # fmt: skip
    insert_rows(workspace, "activities", [
        {"activity_id": "a1", "type": "call", "deal_id": "d1", "occurred_at": _day(150)},
        {"activity_id": "a3", "type": "email", "deal_id": "d3", "occurred_at": _day(195)},
        {"activity_id": "a3l", "type": "login", "deal_id": "d1", "occurred_at": _day(199)},
        {"activity_id": "a5", "type": "meeting", "deal_id": "d5", "occurred_at": _day(185)},
    ])  # fmt: skip
    found = rank(detect(_ctx(workspace, neglect_min_days=5)))
    assert [(f.subject, f.money_at_stake) for f in found] == [("Bob", 8_000.0), ("Ann", 5_000.0)]
    ann = found[1]
    assert ann.kind == "neglected_deals" and ann.currency == "EUR"
    assert ann.evidence["deals"] == 2
    assert ann.evidence["usual_gap_days"] == 10.0
    assert ann.evidence["longest_idle_days"] == 50.0
    assert ann.evidence["largest_deals"] == "d1, d2"
    assert ann.confidence == pytest.approx(0.999)


def test_the_floor_and_the_quantile_set_the_threshold(workspace: Workspace) -> None:
    """One open deal (Ann, 1,000, idle 15 days as of day 200).

    Floor 14 → threshold max(10, 14) = 14 < 15: neglected. Floor 20 → threshold 20: silent.
    """
    _team(workspace)
    insert_rows(workspace, "deals", [
        {"deal_id": "h", "owner_id": "u2", "status": "won", "amount": 1.0,
         "created_at": _day(0), "closed_at": _day(200)},
        {"deal_id": "d1", "owner_id": "u1", "status": "open", "amount": 1_000.0,
         "created_at": _day(185)},
    ])  # fmt: skip
    assert [f.money_at_stake for f in detect(_ctx(workspace, neglect_min_days=14))] == [1_000.0]
    assert detect(_ctx(workspace, neglect_min_days=20)) == []


def test_a_team_with_few_gaps_uses_the_company_gaps(workspace: Workspace) -> None:
    """Team "B" (Cid) has one deal with 2 gaps of 1 day; with neglect_min_gaps 20 its own
    yardstick (1 day) is not trusted and the company's (gaps 10 ×20 and 1 ×2: the 90th
    percentile is 10) applies, floor 0. Cid's open deal c2, idle 5 days (last call day 195), is
    under 10 → silent; with neglect_min_gaps 2 the team's 1-day gap applies → neglected."""
    _team(workspace)
    insert_rows(workspace, "users", [{"user_id": "u3", "name": "Cid", "team": "B"}])
    insert_rows(workspace, "deals", [
        {"deal_id": "h", "owner_id": "u2", "status": "won", "amount": 1.0,
         "created_at": _day(0), "closed_at": _day(200)},
        {"deal_id": "c1", "owner_id": "u3", "status": "won", "amount": 1.0,
         "created_at": _day(0), "closed_at": _day(3)},
        {"deal_id": "c2", "owner_id": "u3", "status": "open", "amount": 700.0,
         "created_at": _day(190)},
    ])  # fmt: skip
    insert_rows(
        workspace,
        "activities",
        [
            {"activity_id": f"c{i}", "type": "call", "deal_id": "c1", "occurred_at": _day(i)}
            for i in range(3)
        ]
        + [{"activity_id": "c2a", "type": "call", "deal_id": "c2", "occurred_at": _day(195)}],
    )
    assert detect(_ctx(workspace, neglect_min_days=0)) == []
    found = detect(_ctx(workspace, neglect_min_days=0, neglect_min_gaps=2))
    assert [(f.subject, f.money_at_stake) for f in found] == [("Cid", 700.0)]


def test_silent_without_open_deals_or_activities(workspace: Workspace) -> None:
    """Empty workspace: no finding at all. An open deal but no activity on any deal: no usual
    gap to measure by, so no neglect finding. A team whose open deals are all within their
    usual gap: silent."""
    assert find(workspace) == []
    insert_rows(workspace, "deals", [
        {"deal_id": "d", "status": "open", "amount": 5.0, "created_at": _day(0)},
    ])  # fmt: skip
    assert detect(_ctx(workspace)) == []
    _team(workspace)
    insert_rows(workspace, "deals", [
        {"deal_id": "h", "owner_id": "u2", "status": "open", "amount": 900.0,
         "created_at": _day(0)},
    ])  # fmt: skip
    insert_rows(workspace, "deals", [
        {"deal_id": "e", "owner_id": "u1", "status": "open", "amount": 900.0,
         "created_at": _day(199)},
    ])  # fmt: skip
    found = detect(_ctx(workspace))
    assert [f.evidence["largest_deals"] for f in found] == ["d"]  # d: no owner, idle 200 days
