"""End to end on the synthetic small company (``crmroi.synth``): journeys, models, credits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crmroi import Workspace, open_workspace
from crmroi.attribution import AttributionResult, attribute
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
