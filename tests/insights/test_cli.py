"""`crmroi findings` through the real CLI on the simulated company."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmroi import open_workspace
from crmroi.cli.app import app
from crmroi.insights import KINDS
from tests.metrics.kit import load

synth = pytest.importorskip("crmroi.synth")
runner = CliRunner()

FIELDS = {
    "id", "kind", "subject", "money_at_stake", "currency", "confidence", "evidence", "action",
    "title",
}  # fmt: skip


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "small.duckdb"
    ws = open_workspace(path)
    load(ws, synth.generate("small", 0).tables)
    ws.close()
    return path


def _json(*args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert isinstance(payload, list)
    return payload


def test_json_is_a_ranked_list_of_findings(ws_path: Path) -> None:
    """Seed 0 (see test_synth and test_planted), by money × confidence: the falling Enterprise
    segment (309,820 EUR × 0.999), Jonas Huber's neglected deals (83,337 × 0.978), his
    adoption gap (54,249 × 0.88), an Enterprise customer at risk (35,863 × 1.0), Lead nurture
    (14,228 × 0.92) and Event follow-up (4,520 × 0.92), whose 57 and 5 held-out contacts did
    better by chance (−9.3 and −25.3 points), Win-back (6,095 × 0.49), David Brandt's adoption
    gap (3,048 × 0.958), Demo request follow-up (6,861 × 0.31) and the duplicate contacts, on
    which no revenue was won (0 × 1.0)."""
    rows = _json("-w", str(ws_path), "findings")
    assert [r["id"] for r in rows] == [
        "engagement:Enterprise",
        "neglected_deals:Jonas Huber",
        "adoption:Jonas Huber",
        "churn_risk:GranitSoft SA",
        "workflow_lift:Lead nurture",
        "workflow_lift:Event follow-up",
        "workflow_lift:Win-back sequence",
        "adoption:David Brandt",
        "workflow_lift:Demo request follow-up",
        "data_quality:contacts.email_hash",
    ]
    for row in rows:
        assert set(row) == FIELDS
        assert row["kind"] in KINDS and row["currency"] == "EUR"
        assert 0 <= row["confidence"] <= 1 and isinstance(row["evidence"], dict)
    assert rows[1]["money_at_stake"] == 83_336.5
    scores = [r["money_at_stake"] * r["confidence"] for r in rows]
    assert scores == sorted(scores, reverse=True)


def test_top_and_lang(ws_path: Path) -> None:
    [row] = _json("-w", str(ws_path), "findings", "--top", "1", "--lang", "de")
    assert (
        row["title"] == "Engagement der Enterprise-Kunden in 90 Tagen um 36 % gesunken (8 Kunden)"
    )


def test_thresholds_come_from_crmroi_toml(
    ws_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A floor of 100 days is above all of Jonas Huber's idle times (33–90 days), and a ratio
    of 0.1 puts the low adopters' 4.5 and 5.8 activities per deal above 0.1 × the median 21.1:
    of the people and data findings only the duplicates remain."""
    (tmp_path / "crmroi.toml").write_text(
        "[findings]\nneglect_min_days = 100\nadoption_low_ratio = 0.1\n"
    )
    monkeypatch.chdir(tmp_path)
    rows = _json("-w", str(ws_path), "findings")
    people = ("neglected_deals", "adoption", "data_quality")
    assert [r["kind"] for r in rows if r["kind"] in people] == ["data_quality"]


def test_table_and_bad_language(ws_path: Path) -> None:
    table = runner.invoke(app, ["-w", str(ws_path), "findings"], terminal_width=200)
    assert table.exit_code == 0 and "Jonas Huber" in table.stdout and "54,249 EUR" in table.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "crmroi", "-w", str(ws_path), "findings", "--lang", "fr"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "--lang 'fr': choose one of en, de" in bad.stderr
