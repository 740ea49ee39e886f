"""The two ways a canonical CSV reaches the loader agree, and workspaces cap their memory.

A plain canonical CSV is read by DuckDB's strict parallel reader; a file it refuses goes through
Arrow's streaming reader (switching to the exact reader at a malformed line). Both must load and
quarantine the same rows, with the same row numbers, reasons and raw values.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from crmroi import Workspace, open_workspace
from crmroi.errors import WorkspaceError
from crmroi.ingest import import_file
from crmroi.ingest.canonical import _csv_header, engine_csv_rows, read_csv_batches, sha256_of
from crmroi.ingest.load import load_batches, load_staged
from crmroi.ingest.result import LoadResult, RowRejection

HEADER = ["deal_id", "name", "account_id", "status", "amount", "created_at", "closed_at"]
MESSY = [
    ["d1", "Alpha", "a1", "won", "1000.5", "2024-01-01", "2024-02-01"],  # 1 good
    ["d2", "  Beta  ", "a1", " Won ", "12.5O0", "2024-01-02", ""],  # 2 bad number, padded text
    ["d3", "Gamma", "a2", "maybe", "10", "2024-01-03", ""],  # 3 bad choice
    ["d4", "Delta", "a2", "open", "10", "", ""],  # 4 required empty
    ["d1", "Dup", "a1", "lost", "5", "2024-01-05", ""],  # 5 duplicate of row 1
    ["d5", "Multi\nline", "a3", "lost", "7", "2024-01-06", "2024-13-45"],  # 6 bad timestamp
    [" d6 ", " \t", "", "OPEN", " 3 ", " 2024-01-07 ", ""],  # 7 good once stripped
    ["", "", "", "", "", "", ""],  # 8 all empty: required field missing
    ["d7", "Eta", "a4", "lost", "", "2024-01-08T09:30:00", ""],  # 9 good
    ["d6", "Again", "a4", "won", "1", "2024-01-09", ""],  # 10 duplicate of row 7 (stripped)
]


def write_csv(path: Path, rows: list[list[str]], *, tail: str = "") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
        handle.write(tail)
    return path


def engine_route(ws: Workspace, path: Path) -> LoadResult:
    """Load through DuckDB's reader, as :func:`import_file` does for a plain file."""
    rows = engine_csv_rows(ws, path, _csv_header(path), "_test_csv")
    try:
        return load_staged(
            ws, "deals", lambda staging: rows, file=str(path), source="t", sha256=sha256_of(path)
        )
    finally:
        ws.con.drop_view("_test_csv", force=True)


def arrow_route(ws: Workspace, path: Path) -> LoadResult:
    """Load through Arrow batches, the fallback for files DuckDB's reader refuses."""
    rejected: list[RowRejection] = []
    batches = read_csv_batches(path, _csv_header(path), rejected)
    return load_batches(
        ws, "deals", batches, file=str(path), source="t", sha256=sha256_of(path), rejected=rejected
    )


def outcome(ws: Workspace, result: LoadResult) -> tuple[tuple[int, int, int], dict, dict]:
    deals = ws.table("deals").order_by("deal_id").execute()
    q = ws.table("quarantine").order_by("row_number").execute()
    counts = (result.rows_read, result.rows_loaded, result.rows_quarantined)
    loaded = deals.astype(object).where(deals.notna(), None).to_dict("list")
    rejects = q[["row_number", "column", "reason", "raw"]].astype(object)
    return counts, loaded, rejects.where(rejects.notna(), None).to_dict("list")


def test_engine_and_arrow_routes_load_and_quarantine_the_same_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "deals.csv", MESSY)
    with open_workspace(tmp_path / "engine.duckdb") as ws:
        engine = outcome(ws, engine_route(ws, path))
    with open_workspace(tmp_path / "arrow.duckdb") as ws:
        arrow = outcome(ws, arrow_route(ws, path))
    assert engine == arrow
    counts, loaded, rejects = engine
    assert counts == (10, 3, 7)
    assert loaded["deal_id"] == ["d1", "d6", "d7"]
    assert loaded["status"] == ["won", "open", "lost"]
    assert loaded["amount"] == [1000.5, 3.0, None]
    assert rejects["row_number"] == [2, 3, 4, 5, 6, 8, 10]
    blamed = ["amount", "status", "created_at", "deal_id", "closed_at", "deal_id", "deal_id"]
    assert rejects["column"] == blamed
    assert rejects["reason"][3] == "duplicate key 'd1' (first seen on row 1)"
    assert rejects["reason"][6] == "duplicate key 'd6' (first seen on row 7)"
    # raw values are the file's own, unstripped and not lower-cased; empty fields are null
    raw = json.loads(rejects["raw"][0])
    assert (raw["name"], raw["status"], raw["amount"], raw["closed_at"]) == (
        "  Beta  ",
        " Won ",
        "12.5O0",
        None,
    )
    assert json.loads(rejects["raw"][4])["name"] == "Multi\nline"


def test_a_file_the_strict_reader_refuses_falls_back_with_true_row_numbers(
    tmp_path: Path,
) -> None:
    path = write_csv(
        tmp_path / "deals.csv", MESSY, tail='d8,too,few\nd9,"stray"quote,a1,won,1,2024-01-01,\n'
    )
    with open_workspace(tmp_path / "engine.duckdb") as ws:
        with pytest.raises(duckdb.InvalidInputException):
            engine_route(ws, path)
        assert ws.count("deals") == ws.count("quarantine") == ws.count("imports") == 0
        imported = outcome(ws, import_file(ws, path))
    with open_workspace(tmp_path / "arrow.duckdb") as ws:
        assert imported == outcome(ws, arrow_route(ws, path))
    counts, loaded, rejects = imported
    assert counts == (12, 4, 8)
    assert loaded["deal_id"] == ["d1", "d6", "d7", "d9"]
    assert rejects["row_number"] == [2, 3, 4, 5, 6, 8, 10, 11]
    assert rejects["reason"][-1] == "expected 7 fields, found 3"


def test_one_column_files_keep_arrow_row_numbers(workspace: Workspace, tmp_path: Path) -> None:
    """DuckDB would read the blank line as a row; Arrow skips it, so one column goes to Arrow."""
    path = tmp_path / "accounts.csv"
    path.write_text("account_id\na1\n\na2\na1\n", encoding="utf-8")
    result = import_file(workspace, path)
    assert (result.rows_read, result.rows_loaded) == (3, 2)
    assert result.problems[0].row_number == 3


def test_workspaces_cap_memory_and_spill_next_to_the_file(tmp_path: Path) -> None:
    def setting(ws: Workspace, name: str) -> str:
        return str(ws.con.con.execute("SELECT current_setting(?)", [name]).fetchone()[0])

    with open_workspace(tmp_path / "w.duckdb") as ws:
        assert setting(ws, "memory_limit") == "1.0 GiB"
        assert setting(ws, "temp_directory") == f"{tmp_path / 'w.duckdb'}.tmp"
    spill = tmp_path / "spill"
    with open_workspace(tmp_path / "w.duckdb", memory_limit="256MiB", temp_directory=spill) as ws:
        assert setting(ws, "memory_limit") == "256.0 MiB"
        assert setting(ws, "temp_directory") == str(spill)
    with pytest.raises(WorkspaceError, match="memory_limit 'lots'"):
        open_workspace(tmp_path / "w.duckdb", memory_limit="lots")


def test_an_import_bigger_than_the_memory_limit_spills_and_loads_everything(
    tmp_path: Path,
) -> None:
    rows = 300_000
    path = tmp_path / "deals.csv"
    duckdb.sql(
        "SELECT 'D' || i AS deal_id, 'Deal ' || i AS name, 'A' || (i % 997) AS account_id, "
        "['open', 'won', 'lost'][1 + i % 3] AS status, i * 1.5 AS amount, "
        "TIMESTAMP '2024-01-01' + to_seconds(i) AS created_at FROM range(1, ?) t(i)",
        params=[rows + 1],
    ).write_csv(str(path))
    with open_workspace(tmp_path / "w.duckdb", memory_limit="48MiB") as ws:
        result = import_file(ws, path)
        assert (result.rows_read, result.rows_loaded) == (rows, rows)
        deals = ws.table("deals")
        totals = deals.aggregate(n=deals.count(), amount=deals.amount.sum()).execute()
    assert int(totals["n"].iloc[0]) == rows
    assert float(totals["amount"].iloc[0]) == pytest.approx(1.5 * rows * (rows + 1) / 2)
    assert pd.notna(totals["amount"].iloc[0])


def test_staged_batches_are_not_kept_registered(workspace: Workspace, tmp_path: Path) -> None:
    """Ibis keeps an Arrow table registered until exit; the loader must let go of each batch."""
    path = write_csv(tmp_path / "deals.csv", MESSY)
    arrow_route(workspace, path)
    left = workspace.con.con.execute(
        "SELECT count(*) FROM duckdb_columns() "
        "WHERE table_name LIKE 'ibis_pyarrow_memtable%' AND column_name = '_row'"
    ).fetchone()
    assert left == (0,)
