"""Importing a folder takes its data files and skips the rest with a reason, exit code 0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmroi.cli.app import app
from crmroi.ingest.datafiles import folder_files, not_data

runner = CliRunner()


@pytest.mark.parametrize(
    ("name", "text", "table"),
    [
        ("records.json", '[\n  {"a": 1},\n  {"a": 2}\n]\n', True),
        ("empty.json", "[]", True),
        ("lines.json", '{"a": 1}\n{"a": 2}\n', True),
        ("lines.ndjson", '\n{"a": {"b": 1}}\n', True),
        ("truth.json", '{\n  "seed": 0,\n  "rows": {"deals": 3}\n}\n', False),
        ("numbers.json", "[1, 2, 3]", False),
        ("text.json", '"just a string"', False),
        ("notes.md", "# notes\n", False),
        ("README", "read me\n", False),
        ("deals.csv", "deal_id\nD1\n", True),
    ],
)
def test_not_data_tells_tables_from_documents(
    tmp_path: Path, name: str, text: str, table: bool
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert (not_data(path) is None) is table


def test_folder_files_skips_hidden_files_and_folders_silently(tmp_path: Path) -> None:
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01")
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.csv").write_text("x\n1\n")
    (tmp_path / "a.parquet").write_bytes(b"")
    (tmp_path / "truth.json").write_text('{\n "seed": 1\n}\n')
    files, skipped = folder_files(tmp_path)
    assert [p.name for p in files] == ["a.parquet", "b.csv"]
    assert [p.name for p, _ in skipped] == ["truth.json"]


def test_import_of_a_synth_folder_skips_truth_json(tmp_path: Path) -> None:
    out = tmp_path / "company"
    made = runner.invoke(app, ["synth", "--out", str(out), "--seed", "3"])
    assert made.exit_code == 0, made.output
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    ws = str(tmp_path / "w.duckdb")
    done = runner.invoke(app, ["-w", ws, "import", str(out), "--format", "json"])
    assert done.exit_code == 0, done.output
    payload = json.loads(done.stdout)
    assert payload["errors"] == []
    assert [Path(s["file"]).name for s in payload["skipped"]] == ["truth.json"]
    loaded = {f["table"]: f["rows_loaded"] for f in payload["files"]}
    assert loaded == truth["rows"]
    shown = runner.invoke(app, ["-w", ws, "import", str(out), "--force"])
    assert shown.exit_code == 0, shown.output
    assert "skipped truth.json: a JSON document" in shown.output
