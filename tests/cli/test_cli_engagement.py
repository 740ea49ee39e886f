"""`crmroi engagement | cohorts | retention | rfm | surveys` on a small workspace file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from crmroi import open_workspace
from crmroi.cli.app import app

runner = CliRunner()


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    ws = open_workspace(path)
    ws.con.insert("accounts", pd.DataFrame({"account_id": ["A", "B"], "segment": ["SMB", "ENT"]}))
    ws.con.insert(
        "orders",
        pd.DataFrame(
            {
                "order_id": ["1", "2", "3", "4"],
                "account_id": ["A", "A", "B", "B"],
                "occurred_at": pd.to_datetime(
                    ["2024-01-03", "2024-02-03", "2024-01-10", "2024-03-01"]
                ),
                "amount": [10.0, 20.0, 30.0, 40.0],
                "kind": ["order"] * 4,
            }
        ),
    )
    ws.con.insert(
        "touchpoints",
        pd.DataFrame(
            {
                "touchpoint_id": ["t1", "t2"],
                "contact_id": ["a", "b"],
                "account_id": ["A", "B"],
                "occurred_at": pd.to_datetime(["2024-02-01", "2024-03-01"]),
                "interaction": ["click", "open"],
            }
        ),
    )
    ws.con.insert(
        "survey_responses",
        pd.DataFrame(
            {
                "response_id": ["r1", "r2", "r3"],
                "account_id": ["A", "B", "B"],
                "survey": ["nps"] * 3,
                "score": [10.0, 3.0, None],
                "comment": ["great support", "zu teuer, Preis", None],
                "answered_at": pd.to_datetime(["2024-02-01", "2024-02-02", "2024-02-03"]),
            }
        ),
    )
    ws.close()
    return path


def _json(path: Path, *args: str) -> object:
    result = runner.invoke(app, ["-w", str(path), *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_cohorts(ws_path: Path) -> None:
    rows = _json(ws_path, "cohorts")
    assert isinstance(rows, list)
    assert rows[0]["cohort_size"] == 2
    assert rows[0]["1"] == 1


def test_retention(ws_path: Path) -> None:
    payload = _json(ws_path, "retention")
    assert isinstance(payload, dict)
    assert payload["customers"][0]["start"] == 2


def test_retention_by_segment(ws_path: Path) -> None:
    payload = _json(ws_path, "retention", "--by", "segment")
    assert isinstance(payload, dict)
    assert {r["segment"] for r in payload["customers"]} <= {"SMB", "ENT"}


def test_rfm(ws_path: Path) -> None:
    rows = _json(ws_path, "rfm")
    assert isinstance(rows, list)
    assert sum(r["customers"] for r in rows) == 2


def test_surveys_with_themes(ws_path: Path) -> None:
    payload = _json(ws_path, "surveys", "--by", "segment", "--themes")
    assert isinstance(payload, dict)
    by_segment = {r["segment"]: r for r in payload["nps"]}
    assert by_segment["SMB"]["nps"] == 100
    assert by_segment["ENT"]["missing"] == 1
    themes = {r["theme"]: r for r in payload["themes"]}
    assert themes["price"]["detractors"] == 1


def test_engagement(ws_path: Path) -> None:
    payload = _json(ws_path, "engagement", "--as-of", "2024-03-01")
    assert isinstance(payload, dict)
    assert sum(r["entities"] for r in payload["distribution"]) == 2
    assert {r["segment"] for r in payload["by_segment"]} == {"SMB", "ENT"}


def test_table_output(ws_path: Path) -> None:
    result = runner.invoke(app, ["-w", str(ws_path), "cohorts", "--value", "retention"])
    assert result.exit_code == 0, result.output
    assert "retention by first_order month" in result.output
