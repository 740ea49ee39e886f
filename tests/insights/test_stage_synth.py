"""The broken stage of the simulated company (medium, seed 0), and its silence when healthy.

The default preset breaks the sales pipeline's Proposal stage for deals created in the last
180 days (``truth["stages"]``): 35 % of those that would have got past it are lost there. The
small company has too few such deals to judge a stage, so this module generates the medium
one and loads only the four tables the stage detector reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from crmroi import Workspace
from crmroi.insights import Finding, FindingsSettings
from crmroi.insights.context import DetectorContext, data_end
from crmroi.insights.stages import detect
from tests.insights.conftest import open_company

synth = pytest.importorskip("crmroi.synth")

TABLES = ("deals", "stages", "deal_stage_history", "users")


def _stages(preset: str, factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, Any]]:
    made = synth.generate("medium", 0, preset=preset)
    tables = {name: made.tables[name] for name in TABLES}
    ws = open_company(tables, factory.mktemp(f"stage-{preset}") / "medium.duckdb")
    yield ws, made.truth
    ws.close()


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, Any]]:
    yield from _stages("default", tmp_path_factory)


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, Any]]:
    yield from _stages("healthy", tmp_path_factory)


def _found(ws: Workspace) -> list[Finding]:
    return detect(DetectorContext(ws, FindingsSettings(), "EUR", data_end(ws) or datetime.now()))


def test_the_broken_stage_is_the_one_found_at_its_lost_revenue(
    broken: tuple[Workspace, Any],
) -> None:
    """Only sales / Proposal is reported, its conversion falls by more than the 10-point
    threshold, and the money (recent exits × drop × won amount per pass before) is within
    15 % of the planted lost revenue: the amount of the deals the broken stage lost
    (truth: 61 deals, 1,337,170 EUR)."""
    ws, truth = broken
    planted = truth["stages"]
    [stage] = _found(ws)
    assert stage.subject == f"{planted['broken']['pipeline']} / {planted['broken']['stage']}"
    before, now = stage.evidence["conversion_before"], stage.evidence["conversion_now"]
    assert isinstance(before, float) and isinstance(now, float) and before - now > 0.1
    assert stage.money_at_stake == pytest.approx(planted["lost_amount"], rel=0.15)
    assert stage.confidence > 0.99


def test_no_stage_is_found_when_none_is_broken(healthy: tuple[Workspace, Any]) -> None:
    ws, truth = healthy
    assert truth["stages"] is None
    assert _found(ws) == []
