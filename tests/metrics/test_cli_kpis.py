"""`crmroi kpis`, `funnel` and `forecast` through the Typer app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from crmroi import open_workspace
from crmroi.cli.app import app
from crmroi.metrics import REGISTRY

from .test_sales import fill_sales


def make(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with open_workspace(path) as ws:
        fill_sales(ws)
    return path


def run(path: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--workspace", str(path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_kpis_json_by_month_and_owner(tmp_path: Path) -> None:
    """Won revenue of u1 in January 2024 is d1 + d2 = 4,000 against no target."""
    out = run(
        make(tmp_path),
        "kpis",
        "--kpi",
        "won_revenue",
        "--grain",
        "month",
        "--by",
        "owner",
        "--from",
        "2024-01-01",
        "--to",
        "2024-02-29",
        "--format",
        "json",
    )
    rows = json.loads(out)
    first = rows[0]
    assert set(first) == {
        "kpi",
        "period_start",
        "period_end",
        "owner",
        "value",
        "unit",
        "previous",
        "target",
        "attainment",
    }
    assert first == {
        "kpi": "won_revenue",
        "period_start": "2024-01-01",
        "period_end": "2024-01-31",
        "owner": "u1",
        "value": 4000.0,
        "unit": "currency",
        "previous": None,
        "target": None,
        "attainment": None,
    }


def test_kpis_without_grain_is_one_row_per_kpi(tmp_path: Path) -> None:
    rows = json.loads(run(make(tmp_path), "kpis", "--format", "json"))
    assert [r["kpi"] for r in rows] == list(REGISTRY.ids())


def test_kpis_by_owner_without_kpi_takes_the_sliceable_ones(tmp_path: Path) -> None:
    rows = json.loads(run(make(tmp_path), "kpis", "--by", "owner", "--format", "json"))
    sliceable = {m.id for m in REGISTRY if "owner" in m.dimensions}
    got = {r["kpi"] for r in rows}  # KPIs with no records here (no contacts) have no rows
    assert {"won_revenue", "win_rate", "activities_per_rep"} <= got <= sliceable


def test_kpis_list_and_explain(tmp_path: Path) -> None:
    listed = json.loads(run(make(tmp_path), "kpis", "--list", "--format", "json"))
    assert [r["id"] for r in listed] == list(REGISTRY.ids())
    sql = run(make(tmp_path), "kpis", "--kpi", "win_rate", "--explain")
    assert "SELECT" in sql


def test_kpis_bad_dimension_exits_with_message(tmp_path: Path) -> None:
    from crmroi.errors import AnalysisError

    result = CliRunner().invoke(
        app, ["--workspace", str(make(tmp_path)), "kpis", "--kpi", "nps", "--by", "pipeline"]
    )
    assert isinstance(result.exception, AnalysisError)
    assert "cannot be sliced by pipeline" in str(result.exception)


def test_funnel_and_forecast(tmp_path: Path) -> None:
    path = make(tmp_path)
    assert run(path, "funnel", "--format", "csv").startswith("pipeline,stage,position")
    funnel = json.loads(run(path, "funnel", "--format", "json"))
    assert [r["reached"] for r in funnel] == [7, 6, 4, 3]  # the last step: won (test_funnel)
    forecast = json.loads(run(path, "forecast", "--format", "json", "--periods", "2"))
    assert set(forecast) == {"forecast", "accuracy", "notes"}
    assert len(forecast["accuracy"]) == 2
