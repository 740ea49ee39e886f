"""The planted losing campaign (medium company, seed 0) is found at its cost; healthy: silence.

The default preset plants one campaign with a control group and no effect
(:mod:`crmroi.synth.flop`: an SMB starter kit mailed as an A/B test, half the leads kept as
control). Its whole cost is lost; truth.json lists it with ``planted_loss`` and its cost. On
the small company its 250 leads per arm prove it on some seeds only (3 of seeds 0–7, seed 0
among them: ``test_synth.py``); the medium one has about 5,665 per arm, enough to prove it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

from crmroi import Workspace
from crmroi.insights import Finding, FindingsSettings
from crmroi.insights.campaigns import detect
from crmroi.insights.context import DetectorContext, data_end
from tests.insights.conftest import open_company

synth = pytest.importorskip("crmroi.synth")

Medium = tuple[Workspace, dict[str, Any], list[Finding]]


def _medium(preset: str, factory: pytest.TempPathFactory) -> Iterator[Medium]:
    made = synth.generate("medium", 0, preset=preset)
    ws = open_company(made.tables, factory.mktemp(f"campaigns-{preset}") / "medium.duckdb")
    moment = data_end(ws)
    assert moment is not None
    with warnings.catch_warnings():  # healthy: no low adopter, see conftest.found_healthy
        warnings.simplefilter("ignore", SingularMatrixWarning)
        found = detect(DetectorContext(ws, FindingsSettings(), "EUR", moment))
    yield ws, made.truth, found
    ws.close()


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Medium]:
    yield from _medium("default", tmp_path_factory)


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Medium]:
    yield from _medium("healthy", tmp_path_factory)


def test_the_planted_losing_campaign_is_found_at_its_cost(default: Medium) -> None:
    """Exactly the planted loss is reported, its money at stake is the cost truth.json
    plants for it (setup + a box per treated lead), and it is sure of the loss: the whole
    interval of the incremental return lies below that cost."""
    _, truth, found = default
    [planted] = [c for c in truth["marketing"]["campaigns"] if c.get("planted_loss")]
    assert planted["lift"] == 0 and planted["control"] > 1_000
    [loss] = found
    assert loss.kind == "campaign_roi"
    assert (loss.subject, loss.evidence["campaign_id"]) == (
        planted["name"],
        planted["campaign_id"],
    )
    assert loss.money_at_stake == pytest.approx(planted["cost"], abs=0.01)
    high = loss.evidence["incremental_high"]
    assert isinstance(high, float) and high < planted["cost"]
    assert loss.confidence >= 0.975


def test_silent_on_the_healthy_medium_company(healthy: Medium) -> None:
    """No flop is planted and every controlled campaign has a real effect: nothing is
    reported, even with the medium company's control groups."""
    _, truth, found = healthy
    assert not any(c.get("planted_loss") for c in truth["marketing"]["campaigns"])
    assert found == []
