"""`crmroi import --source/--map/--suggest-map` and `crmroi quarantine` through the Typer app."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from crmroi.cli.app import app

runner = CliRunner()
EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"


def test_import_detects_presets_and_reports_reconciliation(tmp_path: Path) -> None:
    ws = str(tmp_path / "w.duckdb")
    files = [str(EXPORTS / n) for n in ("hubspot_deals_de.csv", "hubspot_contacts.csv")]
    done = runner.invoke(app, ["-w", ws, "import", *files, "--format", "json"])
    assert done.exit_code == 0, done.output
    payload = json.loads(done.stdout)
    by_file = {Path(f["file"]).name: f for f in payload["files"]}
    deals = by_file["hubspot_deals_de.csv"]
    assert (
        deals["mapping"],
        deals["rows_read"],
        deals["rows_loaded"],
        deals["rows_quarantined"],
    ) == ("hubspot-deals", 4, 3, 1)
    assert {d["relation"] for d in payload["dangling"]} >= {"deals.account_id → accounts"}
    table = runner.invoke(app, ["-w", ws, "import", files[0], "--source", "hubspot-deals"])
    assert table.exit_code == 0, table.output
    assert "unchanged" in table.output and "hubspot-deals" in table.output


def test_quarantine_lists_and_exports(tmp_path: Path) -> None:
    ws = str(tmp_path / "w.duckdb")
    runner.invoke(app, ["-w", ws, "import", str(EXPORTS / "cost_ledger_de.csv")])
    shown = runner.invoke(app, ["-w", ws, "quarantine", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    (row,) = json.loads(shown.stdout)
    assert (row["row_number"], row["column"]) == (5, "Betrag")
    assert "zwölf Euro" in row["reason"]
    out = tmp_path / "q.csv"
    exported = runner.invoke(app, ["-w", ws, "quarantine", "--export", str(out)])
    assert exported.exit_code == 0, exported.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["file"].endswith("cost_ledger_de.csv") for r in rows] == [True]
    assert json.loads(rows[0]["raw"])["Kategorie"] == "Sonstiges"


def test_suggest_map_then_map(tmp_path: Path) -> None:
    ws = str(tmp_path / "w.duckdb")
    export = tmp_path / "export.csv"
    export.write_text("Invoice No,Customer ID,Invoice Date,Amount\nI-1,C-1,2024-01-02,10.5\n")
    draft = runner.invoke(app, ["-w", ws, "import", str(export), "--suggest-map"])
    assert draft.exit_code == 0, draft.output
    assert 'table = "orders"' in draft.stdout
    mapping = tmp_path / "m.toml"
    mapping.write_text(draft.stdout)
    done = runner.invoke(
        app, ["-w", ws, "import", str(export), "--map", str(mapping), "--format", "json"]
    )
    assert done.exit_code == 0, done.output
    (result,) = json.loads(done.stdout)["files"]
    assert (result["table"], result["rows_loaded"]) == ("orders", 1)
