"""`crmroi alerts`: the first run reports everything, the next only what is new.

world.py's company judged as of its data end (2025-07-11). Anna's June target of 40,000
against her 30,000 is off track (75 %); the company's July target of 60,000 with 19,000 after
10 of 31 days is paced at 0.98: at risk, not off track, so never an alert.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmroi import open_workspace
from crmroi.cli.app import app
from tests.delivery.smtp import PASSWORD, USER, smtp_server

from .world import build

runner = CliRunner()
ANNA = "won_revenue 2025-06 · owner Anna Berg: 30,000 of 40,000 (75%), off track"
BEN = "won_revenue 2025-06 · owner Ben Roth: 20,000 of 30,000 (67%), off track"


@pytest.fixture
def ws_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "w.duckdb"
    ws = open_workspace(path)
    build(ws)
    ws.close()
    crm(path, "targets", "set", "won_revenue", "40000", "--period", "2025-06", "--owner", "u1")
    crm(path, "targets", "set", "won_revenue", "60000", "--period", "2025-07")
    return path


def crm(ws: Path, *args: str) -> str:
    result = runner.invoke(app, ["-w", str(ws), *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def alerts(ws: Path, *args: str) -> dict[str, object]:
    payload = json.loads(crm(ws, "alerts", "--format", "json", *args))
    assert isinstance(payload, dict)
    return payload


def test_first_run_everything_then_only_news(ws_path: Path) -> None:
    from crmroi.insights import find

    ws = open_workspace(ws_path)
    every = [f.id for f in find(ws)]
    ws.close()
    assert "data_quality:deals.source" in every
    first = alerts(ws_path)
    assert first["since"] is None
    assert [f["id"] for f in first["findings"]] == every  # type: ignore[union-attr]
    assert first["off_target"] == [ANNA]
    assert (ws_path.parent / "w.duckdb.alerts.json").is_file()

    second = alerts(ws_path)
    assert (second["findings"], second["off_target"]) == ([], [])
    assert second["since"] is not None
    assert crm(ws_path, "alerts").startswith("nothing new since ")

    crm(ws_path, "targets", "set", "won_revenue", "30000", "--period", "2025-06", "--owner", "u2")
    third = alerts(ws_path)
    assert (third["findings"], third["off_target"]) == ([], [BEN])


def test_mailed_once_then_silent(
    ws_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --email the news is mailed; a run with nothing new mails nothing. --state puts the
    memory where the user says."""
    monkeypatch.setenv("CRMROI_SMTP_PASSWORD", PASSWORD)
    state = tmp_path / "state" / "alerts.json"
    state.parent.mkdir()
    with smtp_server() as (inbox, port):
        for _ in range(2):
            crm(ws_path, "alerts", "--state", str(state), "--email", "lead@example.com",
                "--smtp", f"127.0.0.1:{port}", "--user", USER)  # fmt: skip
    (mail,) = inbox.mails
    body = mail.get_body().get_content()
    assert "1. 100% of deals lack deals.source (14 deals)" in body
    assert f"- {ANNA}" in body
    assert "CRM alerts (" in mail["Subject"]
    assert state.is_file()


def test_a_broken_state_file_is_named(ws_path: Path, tmp_path: Path) -> None:
    state = tmp_path / "bad.json"
    state.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["-w", str(ws_path), "alerts", "--state", str(state)])
    assert result.exit_code != 0
    assert str(result.exception).startswith(f"{state}: not a crmroi alerts state")
