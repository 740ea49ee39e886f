"""The JSON API: the CLI's ``--format json`` shapes, checked parameters, an OpenAPI schema."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crmroi.cli.app import app
from crmroi.insights import KINDS
from tests.web.conftest import Company, Live, get

pytestmark = pytest.mark.browser  # the workspace is built by the upload through the page


def test_findings_equal_the_cli_json(
    live: Live,
    uploaded: list[list[str]],
    company: Company,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = get(f"{live.url}/api/findings").json()
    shutil.copy(company.config, tmp_path / "crmroi.toml")
    monkeypatch.chdir(tmp_path)  # the CLI reads ./crmroi.toml
    args = ["-w", str(live.settings.workspace), "findings", "--format", "json"]
    done = CliRunner().invoke(app, args, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    cli = json.loads(done.stdout)
    assert cli, "the small company has findings"
    assert _same(api, cli)
    top = get(f"{live.url}/api/findings", params={"top": 3}).json()
    assert _same(top, cli[:3])


@pytest.mark.parametrize(
    ("path", "command"),
    [
        ("/api/funnel", ["funnel"]),
        ("/api/forecast?grain=quarter", ["forecast", "--grain", "quarter"]),
    ],
)
def test_funnel_and_forecast_equal_the_cli_json(
    live: Live,
    uploaded: list[list[str]],
    company: Company,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    command: list[str],
) -> None:
    api = get(live.url + path).json()
    shutil.copy(company.config, tmp_path / "crmroi.toml")
    monkeypatch.chdir(tmp_path)
    args = ["-w", str(live.settings.workspace), *command, "--format", "json"]
    done = CliRunner().invoke(app, args, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    cli = json.loads(done.stdout)
    assert api
    assert _same(api, cli), (api, cli)


@pytest.mark.parametrize(
    ("path", "command"),
    [
        (
            "/api/attribution?model=data_driven&model=last_touch&level=campaign"
            "&lookback_days=60&bootstrap=20&seed=3",
            "attribution -m data_driven -m last_touch --level campaign --lookback-days 60 "
            "--bootstrap 20 --seed 3",
        ),
        ("/api/clv?time_unit=month&top=5", "clv --time-unit month --top 5"),
    ],
)
def test_attribution_and_clv_equal_the_cli_json(
    live: Live,
    uploaded: list[list[str]],
    company: Company,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    command: str,
) -> None:
    answer = get(live.url + path)
    assert answer.status_code == 200, answer.text
    api = answer.json()
    shutil.copy(company.config, tmp_path / "crmroi.toml")
    monkeypatch.chdir(tmp_path)
    args = ["-w", str(live.settings.workspace), *command.split(), "--format", "json"]
    done = CliRunner().invoke(app, args, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    cli = json.loads(done.stdout)
    if command.startswith("attribution"):
        assert set(api["models"]) == {"data_driven", "last_touch"}
        assert api["models"]["last_touch"], "the small company has attributed campaigns"
        cli.setdefault("notes", [])  # the API always lists notes; the CLI leaves none out
    else:
        assert len(api["top_customers"]) == 5
    assert _same(api, cli), (api, cli)


def _same(a: Any, b: Any) -> bool:
    """Equal, numbers up to float noise (the engine's parallel sums add in varying order)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return (
            isinstance(a, (int, float))
            and isinstance(b, (int, float))
            and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        )
    return bool(a == b)


def test_unknown_names_are_refused_before_any_query(live: Live) -> None:
    cases = {
        "/api/kpis?kpi=won_revenue;drop table deals": "unknown KPI",
        "/api/kpis?kpi=won_revenue&grain=fortnight": "unknown grain",
        "/api/kpis?kpi=won_revenue&by=password": "unknown dimension",
        "/api/findings?kind=everything": "unknown kind",
        "/api/kpis?kpi=won_revenue&from=2263-01-01": "is outside",
        "/api/kpis?kpi=won_revenue&from=2025-02-01&to=2025-01-01": "is after",
        "/api/attribution?model=markov;drop table deals": "unknown model",
        "/api/attribution?level=region": "unknown level",
        "/api/attribution?conversions=leads": "unknown conversions",
        "/api/attribution?model=markov_2&bootstrap=20": "bootstrap=0",
        "/api/clv?time_unit=year": "unknown time unit",
        "/api/clv?customer=email": "unknown customer column",
        "/api/clv?observation_end=2263-01-01": "is outside",
    }
    for path, message in cases.items():
        answer = get(live.url + path)
        assert answer.status_code == 400, path
        assert message in answer.json()["detail"]
    assert get(f"{live.url}/api/report/secrets").status_code == 404


def test_report_section_as_data(live: Live, uploaded: list[list[str]]) -> None:
    section = get(f"{live.url}/api/report/costs").json()
    assert section["id"] == "costs"
    for table in section["tables"]:
        assert all(
            len(row) == len(table["columns"]) == len(table["units"]) for row in table["rows"]
        )


def test_openapi_schema_lists_the_queries(live: Live) -> None:
    schema = get(f"{live.url}/api/openapi.json").json()
    assert {
        "/api/findings",
        "/api/kpis",
        "/api/roi",
        "/api/imports",
        "/api/targets",
        "/api/report/{section}",
        "/api/attribution",
        "/api/clv",
    } <= set(schema["paths"])
    finding = schema["components"]["schemas"]["FindingOut"]
    assert set(finding["required"]) >= {"id", "kind", "money_at_stake", "confidence", "action"}
    assert all(not p.startswith("/api") for p in ("/docs", "/redoc"))
    assert get(f"{live.url}/docs").status_code == 404  # its scripts would come from a CDN
    assert set(KINDS)  # the kinds the findings filter validates against
