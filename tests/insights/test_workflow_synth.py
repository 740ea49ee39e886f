"""Workflows judged by their holdouts on the medium company, over five seeds.

A holdout answers a yes/no question with sampling error, so a single seed cannot show that the
detector tells a workflow without effect from working ones: this module runs it on five worlds
of each preset (seeds 0–4) and counts.

* ``default``: the Win-back sequence has no lift (``truth.json``: lift 0) and a 15 % holdout
  (about 450 contacts once the 180-day window fits the data). Its lift is tested two-sided at
  5 %, so it escapes only when chance makes it look significantly *better* than its holdout:
  nominally 2.5 % of worlds. At least 4 of 5 must report it, at its cost (the ledger's build
  and running lines). Measured over seeds 0–9: 8 of 10; in seeds 0 and 5 its held-out contacts
  became opportunities less often by chance, enough for p < 0.05. The working workflows'
  holdouts of 110–1,400 contacts cannot show their lifts of 1.5–2.5 points every time either,
  so they are reported too (Event follow-up in 10 of 10 worlds), as a planted weak spot.
* ``healthy``: every workflow works and keeps a holdout sized to show it (half the eligible
  leads; lifts of 4–10 points on a lead's opportunity chance). At least 4 of 5 worlds must have
  no workflow finding, seed 0 (the preset's own) among them. Measured over seeds 0–9: 9 of 10;
  at seed 2 Event follow-up (476 held out) showed +5.1 points at p = 0.076.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

from crmroi.insights import Finding, FindingsSettings
from crmroi.insights.context import DetectorContext, data_end
from crmroi.insights.workflows import detect
from tests.insights.conftest import open_company
from tests.support import ledger_cost

synth = pytest.importorskip("crmroi.synth")
pytestmark = pytest.mark.slow

SEEDS = range(5)
Judged = tuple[list[dict[str, object]], list[Finding], dict[str, float]]


def _judge(preset: str, seed: int, folder: Path) -> Judged:
    """The truth's workflows, the detector's findings on one medium world and each
    workflow's cost in the ledger (pandas)."""
    made = synth.generate("medium", seed, preset=preset)
    ws = open_company(made.tables, folder / f"{preset}-{seed}.duckdb")
    try:
        moment = data_end(ws)
        assert moment is not None
        with warnings.catch_warnings():  # healthy: no low adopter, see conftest.found_healthy
            warnings.simplefilter("ignore", SingularMatrixWarning)
            found = detect(DetectorContext(ws, FindingsSettings(), "EUR", moment))
    finally:
        ws.close()
    workflows = made.truth["marketing"]["workflows"]
    end = made.truth["horizon"]["end"]
    costs = {
        w["workflow_id"]: ledger_cost(made.tables["costs"], w["workflow_id"], end)
        for w in workflows
    }
    return workflows, found, costs


def test_the_workflow_without_lift_is_found_at_its_cost_in_most_worlds(tmp_path: Path) -> None:
    reported = 0
    for seed in SEEDS:
        truth, found, costs = _judge("default", seed, tmp_path)
        [zero] = [w for w in truth if w["lift"] == 0]
        hits = [f for f in found if f.subject == zero["name"]]
        if hits:
            [hit] = hits
            assert hit.money_at_stake == pytest.approx(costs[zero["workflow_id"]])
            assert hit.evidence["holdout"] > 300
            reported += 1
    assert reported >= 4


def test_working_workflows_with_sized_holdouts_are_silent_in_most_worlds(tmp_path: Path) -> None:
    silent: list[int] = []
    for seed in SEEDS:
        truth, found, _ = _judge("healthy", seed, tmp_path)
        assert all(float(w["lift"]) >= 0.04 for w in truth)  # type: ignore[arg-type]
        if not found:
            silent.append(seed)
    assert len(silent) >= 4 and 0 in silent
