"""target_gap: running targets the projection misses, priced and judged by hand (world.py)."""

from __future__ import annotations

import math
from datetime import date

import pytest
from scipy.stats import norm

from crmroi import Workspace
from crmroi.insights import FindingsSettings, find
from crmroi.insights.context import DetectorContext
from crmroi.insights.targets import detect
from crmroi.targets.store import TargetRow, write

from .world import AS_OF, build

LEFT = 21 / 31


def _set(ws: Workspace, *rows: TargetRow) -> None:
    write(ws, list(rows), file="test", source="test")


def _detect(ws: Workspace) -> list:
    return detect(DetectorContext(ws, FindingsSettings(), "EUR", AS_OF))


def test_owner_target_missed_on_run_rate(workspace: Workspace) -> None:
    """u1's July target 33,000: 10,000 won after 10 of 31 days → run rate 31,000, gap 2,000.

    u1's past months have SD √2,000,000; the rest of July (21/31 of it) can move by
    SD × √(21/31) ≈ 1,164, so P(miss) = Φ(2,000 ÷ 1,164) ≈ 0.957. Found through find(), so
    the detector is registered.
    """
    build(workspace)
    _set(workspace, TargetRow("won_revenue", "month", date(2025, 7, 1), 33_000, "owner", "u1"))
    found = [f for f in find(workspace) if f.kind == "target_gap"]
    assert len(found) == 1
    f = found[0]
    assert f.subject == "won_revenue 2025-07 · Anna Berg"
    assert f.evidence["projected"] == pytest.approx(31_000)
    assert f.money_at_stake == pytest.approx(2_000)
    spread = math.sqrt(2_000_000) * math.sqrt(LEFT)
    assert f.confidence == pytest.approx(norm.cdf(2_000 / spread))
    assert 0.95 < f.confidence < 0.96
    assert f.evidence["projection"] == "run rate"
    assert f.evidence["history_periods"] == 6


def test_company_revenue_uses_the_pipeline_forecast(workspace: Workspace) -> None:
    """Company target July 60,000. No deal is open, so the forecast is won so far (19,000) +
    21/31 × usual new business; deals created and won in the same month over the past 12
    months sum to 300,000 → 25,000 a month. Forecast 19,000 + 16,935.48 = 35,935.48, gap
    24,064.52. Company months spread with SD √6,400,000 ≈ 2,530: the miss is certain."""
    build(workspace)
    _set(workspace, TargetRow("won_revenue", "month", date(2025, 7, 1), 60_000))
    (f,) = _detect(workspace)
    forecast = 19_000 + LEFT * 25_000
    assert f.evidence["projection"] == "pipeline forecast"
    assert f.evidence["projected"] == pytest.approx(forecast, abs=0.01)
    assert f.money_at_stake == pytest.approx(60_000 - forecast)
    z = (60_000 - forecast) / (math.sqrt(6_400_000) * math.sqrt(LEFT))
    assert f.confidence == pytest.approx(norm.cdf(z))
    assert f.subject == "won_revenue 2025-07"


def test_won_deals_priced_at_the_average_won_deal(workspace: Workspace) -> None:
    """u1 must win 5 deals in July; 1 after 10/31 → run rate 3.1, gap 1.9 deals × u1's
    average won deal (180,000 ÷ 6 = 30,000) = 57,000. One deal every month: SD 0 → sure."""
    build(workspace)
    _set(workspace, TargetRow("won_deals", "month", date(2025, 7, 1), 5, "owner", "u1"))
    (f,) = _detect(workspace)
    assert f.evidence["projected"] == pytest.approx(3.1)
    assert f.money_at_stake == pytest.approx(1.9 * 30_000)
    assert f.confidence == 1.0


def test_silent_when_on_track_or_over(workspace: Workspace) -> None:
    """Company 30,000 < forecast 35,935; u2 25,000 < run rate 9,000 × 3.1 = 27,900; June's
    missed 40,000 for u1 is over (nothing left to act on); a ratio (win rate) has no run
    rate. No finding."""
    build(workspace)
    _set(
        workspace,
        TargetRow("won_revenue", "month", date(2025, 7, 1), 30_000),
        TargetRow("won_revenue", "month", date(2025, 7, 1), 25_000, "owner", "u2"),
        TargetRow("won_revenue", "month", date(2025, 6, 1), 40_000, "owner", "u1"),
        TargetRow("win_rate", "month", date(2025, 7, 1), 1.5),
    )
    assert _detect(workspace) == []


def test_silent_without_targets(workspace: Workspace) -> None:
    build(workspace)
    assert _detect(workspace) == []


def test_german_wording(workspace: Workspace) -> None:
    build(workspace)
    _set(workspace, TargetRow("won_revenue", "month", date(2025, 7, 1), 60_000))
    (f,) = detect(DetectorContext(workspace, FindingsSettings(), "EUR", AS_OF, lang="de"))
    assert f.title == "won_revenue 2025-07: Hochrechnung 35.935 bei einem Ziel von 60.000"
    assert "solange noch 68 % der Periode bleiben" in f.action
