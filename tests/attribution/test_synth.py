"""End to end on the synthetic small company (``crmroi.synth``): journeys, models, credits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crmroi import Workspace, open_workspace
from crmroi.attribution import AttributionResult, attribute, campaign_influence
from crmroi.schema import TABLES_BY_NAME
from crmroi.synth import generate


@pytest.fixture(scope="module")
def company(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Workspace, dict[str, object]]]:
    synthetic = generate("small", 0)
    ws = open_workspace(Path(tmp_path_factory.mktemp("synth")) / "small.duckdb")
    for name, frame in synthetic.tables.items():
        ws.con.insert(name, frame[list(TABLES_BY_NAME[name].column_names)])
    yield ws, synthetic.truth
    ws.close()


@pytest.mark.parametrize("level", ["channel", "campaign", "workflow"])
def test_small_company_end_to_end(company: tuple[Workspace, dict[str, object]], level: str) -> None:
    ws, truth = company
    models = ("linear", "w_shaped", "markov", "data_driven")
    result: AttributionResult = attribute(ws, models=models, level=level, bootstrap=20)
    deals = ws.table("deals")
    won = deals.filter(deals.status == "won")
    won_amount = float(won.amount.sum().execute())
    won_count = int(won.count().execute())
    for model in models:
        table = result.table(model)
        assert table["share"].sum() == pytest.approx(1.0)
        assert table["revenue"].sum() == pytest.approx(won_amount)
        credits = result.credits(model)
        assert credits["deal_id"].nunique() == won_count
        assert credits["credit"].sum() == pytest.approx(won_amount)
    keys = set(result.keys)
    if level == "campaign":
        planted = {c["campaign_id"] for c in truth["marketing"]["campaigns"]}  # type: ignore[index]
        assert keys - {"(none)"} <= planted | set(ws.table("campaigns").campaign_id.execute())
    if level == "workflow":
        planted = {w["workflow_id"] for w in truth["marketing"]["workflows"]}  # type: ignore[index]
        assert keys - {"(none)"} <= planted
    if level == "channel":
        assert all(k == k.lower() and " " not in k for k in keys)  # GA4 groups folded in


def test_small_company_levels_nest(company: tuple[Workspace, dict[str, object]]) -> None:
    """From the workspace: data_driven and linear campaigns add up to the channel-level run,
    workflows to the campaign-level run (exactly); CampaignInfluence has one row per campaign
    and deal, summing to the won amount (a webinar campaign is reached by e-mail too)."""
    ws, _ = company
    models = ("data_driven", "linear")
    runs = {
        level: attribute(ws, models=models, level=level, bootstrap=0)
        for level in ("channel", "campaign", "workflow")
    }
    for model in models:
        channel, campaign, workflow = (runs[lv].table(model) for lv in runs)
        assert campaign["parent"].iloc[:-1].notna().all()
        totals = channel.set_index("channel")["revenue"]
        by_channel = campaign["revenue"].groupby(campaign["parent"].fillna("(baseline)")).sum()
        assert by_channel.reindex(totals.index).to_numpy() == pytest.approx(
            totals.to_numpy(), rel=1e-9
        )
        own = (
            campaign["parent"]
            .where(campaign["key"] == "(none)", campaign["parent"] + " > " + campaign["channel"])
            .fillna("(baseline)")
        )
        expected = campaign["revenue"].groupby(own).sum()
        by_campaign = workflow["revenue"].groupby(workflow["parent"].fillna("(baseline)")).sum()
        assert by_campaign.reindex(expected.index).to_numpy() == pytest.approx(
            expected.to_numpy(), rel=1e-9
        )
        influence = campaign_influence(runs["campaign"].credits(model), model)
        assert not influence.duplicated(["CampaignId", "OpportunityId"]).any()
        assert influence["RevenueShare"].sum() == pytest.approx(totals.sum())
    assert runs["campaign"].table()["key"].duplicated().any()  # e.g. a campaign under 2 channels
