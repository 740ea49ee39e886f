"""Spend-only channels of the simulated company (medium, seed 0): planted return recovered.

``generate(..., spend_channels=True)`` plants four channels known only by their weekly spend
(:mod:`crmroi.synth.spend`); truth.json holds each one's planted ROAS. The ROI analysis fits
the marketing-mix model on the workspace's weekly leads and values a lead at the workspace's
won revenue per lead; its campaign rows must cover every planted ROAS and rank the channels as
planted. Print, planted at ROAS 0.3 in the default preset, is a finding; in the healthy preset
(print at 1.8) no spend-only channel is.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

from crmroi import Workspace
from crmroi.insights import Finding, FindingsSettings
from crmroi.insights.campaigns import detect
from crmroi.insights.context import DetectorContext, data_end, roi_result
from crmroi.roi.units import MMM_MODEL
from crmroi.synth import generate
from tests.insights.conftest import open_company

Run = tuple[Workspace, dict[str, Any], dict[str, dict[str, Any]], list[Finding]]


def _run(preset: str, factory: pytest.TempPathFactory) -> Iterator[Run]:
    made = generate("medium", 0, preset=preset, spend_channels=True)
    ws = open_company(made.tables, factory.mktemp(f"spend-{preset}") / "medium.duckdb")
    moment = data_end(ws)
    assert moment is not None
    ctx = DetectorContext(ws, FindingsSettings(), "EUR", moment)
    with warnings.catch_warnings():  # healthy: no low adopter (tests/insights/conftest.py)
        warnings.simplefilter("ignore", SingularMatrixWarning)
        found = detect(ctx)
    result = roi_result(ctx)
    assert result is not None
    rows = {r["campaign_id"]: r for r in result.campaigns if r["revenue_model"] == MMM_MODEL}
    yield ws, made.truth["spend_channels"], rows, found  # type: ignore[misc]
    ws.close()


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    yield from _run("default", tmp_path_factory)


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    yield from _run("healthy", tmp_path_factory)


def _roas(row: dict[str, Any]) -> tuple[float, float, float]:
    cost = float(row["cost"])
    return row["revenue"] / cost, row["incremental_low"] / cost, row["incremental_high"] / cost


def test_every_planted_roas_lies_in_its_interval(default: Run) -> None:
    _, truth, rows, _ = default
    assert set(rows) == set(truth["channels"])
    for name, planted in truth["channels"].items():
        assert rows[name]["cost"] == pytest.approx(planted["spend"])
        _, low, high = _roas(rows[name])
        assert low <= planted["roas"] <= high, name


def test_the_channels_are_ranked_as_planted(default: Run) -> None:
    _, truth, rows, _ = default
    estimated = sorted(rows, key=lambda name: _roas(rows[name])[0])
    assert estimated == truth["ranking"] == ["print", "radio", "linkedin_ads", "trade_fairs"]


def test_the_losing_spend_channel_is_a_finding_at_its_spend(default: Run) -> None:
    """Print returns 0.3 per unit spent: the whole interval of its return lies below its spend,
    so it is reported with its spend at stake; no paying channel is."""
    _, truth, rows, found = default
    spend_findings = [f for f in found if f.evidence.get("basis") == MMM_MODEL]
    [loss] = spend_findings
    assert loss.kind == "campaign_roi" and loss.subject == "print"
    assert loss.money_at_stake == pytest.approx(truth["channels"]["print"]["spend"])
    assert rows["print"]["incremental_high"] < rows["print"]["cost"]
    assert loss.confidence > 0.95
    assert "marketing-mix model" in loss.title


def test_healthy_preset_reports_no_spend_channel(healthy: Run) -> None:
    _, truth, rows, found = healthy
    assert truth["channels"]["print"]["roas"] == pytest.approx(1.8, abs=0.01)
    assert set(rows) == set(truth["channels"])
    assert found == []  # no campaign and no spend-only channel loses money


def test_the_finding_speaks_german() -> None:
    from crmroi.insights.wording import say

    title = say("spend_channel_title", "de", subject="print", roi=-69.1)
    assert title == "Kanal print bringt -69 % auf seine Ausgaben (Marketing-Mix-Modell)"


def test_the_rest_of_the_company_is_unchanged() -> None:
    """The channels draw from their own stream and only append rows: every other row is the
    same as without them (the small company, to stay quick)."""
    plain, more = generate("small", 0), generate("small", 0, spend_channels=True)
    for name, frame in plain.tables.items():
        head = more.tables[name].iloc[: len(frame)].reset_index(drop=True)
        pd.testing.assert_frame_equal(head, frame.reset_index(drop=True), check_dtype=False)
    assert len(plain.tables["channel_spend"]) == 0 and len(more.tables["channel_spend"]) > 0
    grown = {n for n in plain.tables if len(more.tables[n]) != len(plain.tables[n])}
    assert grown == {"contacts", "deals", "deal_stage_history", "channel_spend"}
