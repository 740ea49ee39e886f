"""The workspace: schema creation, reopening, versioning and transactions on a real DuckDB file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ibis
import pandas as pd
import pytest

import crmroi
from crmroi import SchemaVersionError, WorkspaceError, open_workspace
from crmroi.schema import SCHEMA_VERSION, TABLES
from crmroi.workspace import META_TABLE, UPGRADES, Workspace


def test_public_namespace_exports_what_all_lists() -> None:
    assert all(hasattr(crmroi, name) for name in crmroi.__all__)
    assert "open_workspace" in crmroi.__all__


def test_importing_the_library_loads_no_cli_or_web_dependencies() -> None:
    code = (
        "import sys, crmroi; mods = ('typer', 'fastapi', 'jinja2', 'altair', 'uvicorn'); "
        "print(sorted(m for m in mods if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_creates_every_canonical_table_with_its_types(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "w.duckdb")
    for spec in TABLES:
        actual = ws.con.table(spec.name).schema()
        expected = spec.ibis_schema()
        assert list(actual.names) == list(expected.names), spec.name
        for name in expected.names:  # DuckDB reports timestamp precision (scale 6); same type
            assert type(actual[name]) is type(expected[name]), (spec.name, name)
    assert ws.schema_version() == SCHEMA_VERSION
    ws.close()


def test_reopening_keeps_rows_and_version(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with open_workspace(path) as ws:
        ws.con.insert("accounts", pd.DataFrame({"account_id": ["a1"], "name": ["Acme"]}))
    with open_workspace(path) as ws:
        assert ws.count("accounts") == 1
        assert ws.schema_version() == SCHEMA_VERSION


def test_reading_an_up_to_date_workspace_leaves_its_file_as_it_was(tmp_path: Path) -> None:
    """Opening writes only what is missing or out of date: a command that reads (kpis, report)
    must not rewrite the schema version into the file every time, which changed its bytes and,
    on Spark, overwrote the table in place."""
    path = tmp_path / "w.duckdb"
    open_workspace(path).close()
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    with open_workspace(path) as ws:
        assert ws.count("deals") == 0 and ws.schema_version() == SCHEMA_VERSION
    assert path.stat().st_mtime_ns == stamp and path.read_bytes() == before


def _set_version(path: Path, version: int) -> None:
    con = ibis.duckdb.connect(path)
    con.create_table(
        META_TABLE,
        ibis.memtable({"key": ["schema_version"], "value": [str(version)]}),
        overwrite=True,
    )
    con.disconnect()


def test_newer_workspace_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    open_workspace(path).close()
    _set_version(path, SCHEMA_VERSION + 1)
    with pytest.raises(SchemaVersionError, match="newer crmroi"):
        open_workspace(path)


def test_older_workspace_without_upgrade_step_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    open_workspace(path).close()
    _set_version(path, 0)
    with pytest.raises(SchemaVersionError, match="cannot upgrade"):
        open_workspace(path)


def test_older_workspace_is_upgraded_by_its_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.duckdb"
    open_workspace(path).close()
    _set_version(path, SCHEMA_VERSION - 1)
    ran: list[Workspace] = []
    monkeypatch.setitem(UPGRADES, SCHEMA_VERSION - 1, ran.append)
    with open_workspace(path) as ws:
        assert ws.schema_version() == SCHEMA_VERSION
    assert len(ran) == 1


def test_transaction_rolls_back_everything_on_error(workspace: Workspace) -> None:
    frame = pd.DataFrame({"account_id": ["a1"], "name": ["Acme"]})
    with pytest.raises(RuntimeError), workspace.transaction():
        workspace.con.insert("accounts", frame)
        workspace.con.insert("users", pd.DataFrame({"user_id": ["u1"]}))
        raise RuntimeError("boom")
    assert workspace.count("accounts") == 0
    assert workspace.count("users") == 0


def test_missing_folder_is_a_workspace_error(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="is missing"):
        open_workspace(tmp_path / "nope" / "w.duckdb")


def test_unknown_table_name_lists_the_known_ones(workspace: Workspace) -> None:
    with pytest.raises(crmroi.InputError, match="known tables: accounts"):
        workspace.table("dealz")


def test_data_model_doc_is_generated_from_the_schema() -> None:
    from crmroi.schema import data_model_markdown

    doc = Path(__file__).resolve().parents[1] / "docs" / "data-model.md"
    assert doc.read_text(encoding="utf-8") == data_model_markdown(), (
        "docs/data-model.md is stale: run `python -m crmroi.schema`"
    )
