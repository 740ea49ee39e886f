"""The opt-in e-mail experiment (``generate(experiment=True)``) adds rows; off, nothing moves."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from crmroi.cli.app import app
from crmroi.synth import SyntheticCompany, generate

ADDED = ("campaigns", "campaign_members", "orders")


@pytest.fixture(scope="module")
def with_experiment() -> SyntheticCompany:
    return generate("small", seed=0, experiment=True)


def test_off_every_table_is_the_default_companys(company: SyntheticCompany) -> None:
    off = generate("small", seed=0, experiment=False)
    assert off.tables.keys() == company.tables.keys()
    for name, frame in company.tables.items():
        pd.testing.assert_frame_equal(off.tables[name], frame, check_exact=True, obj=name)
    assert off.truth == company.truth


def test_on_the_default_rows_stay_and_only_the_campaigns_are_added(
    company: SyntheticCompany, with_experiment: SyntheticCompany
) -> None:
    """Untouched tables are equal; campaigns, members and orders keep the default rows first;
    touchpoints are the default ones plus the campaign's (ids are renumbered by time)."""
    on, truth = with_experiment.tables, with_experiment.truth["experiment"]
    assert isinstance(truth, dict)
    cid = truth["campaign_id"]
    for name, frame in company.tables.items():
        if name == "touchpoints":
            continue
        head = on[name].iloc[: len(frame)].reset_index(drop=True)
        pd.testing.assert_frame_equal(head, frame, check_exact=True, obj=name)
        if name not in ADDED:
            assert len(on[name]) == len(frame), name
    assert set(on["campaigns"].iloc[len(company.tables["campaigns"]) :]["campaign_id"]) == {cid}
    members = on["campaign_members"].iloc[len(company.tables["campaign_members"]) :]
    assert set(members["campaign_id"]) == {cid}
    assert (int((~members["is_control"]).sum()), int(members["is_control"].sum())) == (
        truth["treated"],
        truth["control"],
    )
    assert on["orders"].iloc[len(company.tables["orders"]) :]["deal_id"].isna().all()
    tp = on["touchpoints"].drop(columns="touchpoint_id")
    base = tp[~tp["campaign_id"].eq(cid).fillna(False)].reset_index(drop=True)
    expected = company.tables["touchpoints"].drop(columns="touchpoint_id")
    pd.testing.assert_frame_equal(base, expected, check_exact=True)
    other = {k: v for k, v in with_experiment.truth.items() if k not in ("experiment", "rows")}
    assert other == {k: v for k, v in company.truth.items() if k != "rows"}


def test_synth_experiment_option_writes_its_truth(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["synth", "--out", str(tmp_path), "--experiment"])
    assert result.exit_code == 0, result.output
    truth = json.loads((tmp_path / "truth.json").read_text("utf-8"))
    assert truth["experiment"]["window_days"] == 90
