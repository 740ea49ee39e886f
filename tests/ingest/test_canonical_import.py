"""Canonical import: happy path, every kind of bad row, idempotence, atomicity, reconciliation."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmroi import InputError, Workspace, open_workspace
from crmroi.errors import UnknownTableError
from crmroi.ingest import import_file

HEADER = "deal_id,name,account_id,status,amount,created_at,closed_at\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def quarantine(ws: Workspace) -> pd.DataFrame:
    return ws.table("quarantine").execute().sort_values("row_number").reset_index(drop=True)


def test_happy_path_loads_typed_values(workspace: Workspace, tmp_path: Path) -> None:
    path = write(
        tmp_path / "deals.csv",
        HEADER
        + "d1,Alpha,a1,won,1000.50,2024-01-01,2024-02-01 10:30:00\n"
        + "d2,Beta,a1,OPEN,20,2024-01-02T08:00:00,\n",
    )
    result = import_file(workspace, path)
    assert (result.table, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "deals",
        2,
        2,
        0,
    )
    deals = workspace.table("deals").order_by("deal_id").execute()
    assert deals["amount"].tolist() == [1000.5, 20.0]
    assert deals["status"].tolist() == ["won", "open"]  # choices are case-normalised
    assert deals["closed_at"].iloc[0] == pd.Timestamp("2024-02-01 10:30:00")
    assert pd.isna(deals["closed_at"].iloc[1])
    assert deals["created_at"].iloc[1] == pd.Timestamp("2024-01-02 08:00:00")


def test_every_kind_of_bad_row_is_quarantined_with_row_column_and_reason(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "deals.csv",
        HEADER
        + "d1,Alpha,a1,won,1000.5,2024-01-01,2024-02-01\n"  # row 1 good
        + "d2,Beta,a1,won,12.5O0,2024-01-02,\n"  # row 2 bad number
        + "d3,Gamma,a2,maybe,10,2024-01-03,\n"  # row 3 bad choice
        + "d4,Delta,a2,open,10,,\n"  # row 4 required empty
        + "d1,Dup,a1,lost,5,2024-01-05,\n"  # row 5 duplicate key
        + 'd5,"Multi\nline",a3,lost,7,2024-01-06,2024-13-45\n'  # row 6 bad timestamp
        + "d6,too,few\n"  # row 7 wrong field count
        + "d7,Eta,a4,lost,3,2024-01-07,\n",  # row 8 good
    )
    result = import_file(workspace, path)
    assert result.rows_read == 8
    assert result.rows_loaded == 2
    assert result.rows_quarantined == 6
    assert sorted(workspace.table("deals").execute()["deal_id"]) == ["d1", "d7"]
    q = quarantine(workspace)
    assert q["row_number"].tolist() == [2, 3, 4, 5, 6, 7]
    assert q["column"].tolist()[:5] == ["amount", "status", "created_at", "deal_id", "closed_at"]
    assert pd.isna(q["column"].iloc[5])
    assert q["reason"].iloc[0] == "'12.5O0' is not a valid number"
    assert q["reason"].iloc[1] == "'maybe' is not one of open, won, lost"
    assert q["reason"].iloc[2] == "required field 'created_at' is empty"
    assert q["reason"].iloc[3] == "duplicate key 'd1' (first seen on row 1)"
    assert q["reason"].iloc[4].startswith("'2024-13-45' is not a valid timestamp")
    assert q["reason"].iloc[5] == "expected 7 fields, found 3"
    assert json.loads(q["raw"].iloc[0])["amount"] == "12.5O0"
    assert set(q["file"]) == {str(path)}


def test_reimporting_the_same_file_changes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "deals.csv", HEADER + "d1,A,a1,won,1,2024-01-01,\nd1,B,a1,won,x,,\n")
    first = import_file(workspace, path)
    before = {name: workspace.count(name) for name in ("deals", "quarantine", "imports")}
    second = import_file(workspace, path)
    after = {name: workspace.count(name) for name in ("deals", "quarantine", "imports")}
    assert second.unchanged and not first.unchanged
    assert before == after == {"deals": 1, "quarantine": 1, "imports": 1}
    assert (second.rows_read, second.rows_loaded) == (first.rows_read, first.rows_loaded)


def test_a_later_overlapping_export_updates_instead_of_duplicating(
    workspace: Workspace, tmp_path: Path
) -> None:
    import_file(workspace, write(tmp_path / "deals.csv", HEADER + "d1,A,a1,open,1,2024-01-01,\n"))
    later = tmp_path / "later" / "deals.csv"
    later.parent.mkdir()
    write(later, HEADER + "d1,A,a1,won,5,2024-01-01,2024-03-01\nd2,B,a1,open,2,2024-02-01,\n")
    import_file(workspace, later)
    deals = workspace.table("deals").order_by("deal_id").execute()
    assert deals["deal_id"].tolist() == ["d1", "d2"]
    assert deals["status"].tolist() == ["won", "open"]
    assert deals["amount"].tolist() == [5.0, 2.0]


def test_a_failed_load_leaves_nothing_half_written(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "deals.csv", HEADER + "d1,A,a1,won,1,2024-01-01,\nd2,B,a1,won,x,,\n")
    real_insert = workspace.con.insert

    def failing_insert(name: str, obj: object, **kwargs: object) -> None:
        if name == "imports":  # the last write of the transaction
            raise RuntimeError("disk full")
        real_insert(name, obj, **kwargs)

    monkeypatch.setattr(workspace.con, "insert", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(workspace, path)
    monkeypatch.undo()
    assert workspace.count("deals") == 0
    assert workspace.count("quarantine") == 0
    assert workspace.count("imports") == 0
    assert import_file(workspace, path).rows_loaded == 1  # and it can be loaded afterwards


def test_table_comes_from_the_file_name_or_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    ok = write(tmp_path / "deals-2024.csv", HEADER + "d1,A,a1,won,1,2024-01-01,\n")
    assert import_file(workspace, ok).table == "deals"
    with pytest.raises(UnknownTableError, match=r"unknown table 'opportunities'.*known tables"):
        import_file(workspace, write(tmp_path / "opportunities.csv", HEADER))
    with pytest.raises(UnknownTableError, match="'dealz'"):
        import_file(workspace, ok, table="dealz")


def test_unknown_and_missing_columns_name_the_file_and_column(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "deals.csv", "deal_id,status,created_at,colour\nd1,won,2024-01-01,red\n"
    )
    with pytest.raises(InputError, match=r"deals\.csv, column `colour`: column\(s\) 'colour'"):
        import_file(workspace, path)
    path = write(tmp_path / "deals.csv", "deal_id,created_at\nd1,2024-01-01\n")
    with pytest.raises(InputError, match=r"column `status`: required column\(s\) 'status'"):
        import_file(workspace, path)
    assert workspace.count("deals") == 0


def test_parquet_keeps_its_types(workspace: Workspace, tmp_path: Path) -> None:
    frame = pa.table(
        {
            "order_id": ["o1", "o2", "o2"],
            "occurred_at": pa.array(
                [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02"), None], pa.timestamp("us")
            ),
            "amount": [10.0, -2.5, 1.0],
        }
    )
    pq.write_table(frame, tmp_path / "orders.parquet")
    result = import_file(workspace, tmp_path / "orders.parquet")
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert workspace.table("orders").execute()["amount"].sum() == pytest.approx(7.5)


def test_composite_keys_are_derived_so_history_reimports_upsert(
    workspace: Workspace, tmp_path: Path
) -> None:
    text = "deal_id,stage,entered_at\nd1,Qualify,2024-01-01\nd1,Propose,2024-01-09\n"
    import_file(workspace, write(tmp_path / "deal_stage_history.csv", text))
    more = tmp_path / "more" / "deal_stage_history.csv"
    more.parent.mkdir()
    import_file(workspace, write(more, text + "d1,Won,2024-02-01\n"))
    history = workspace.table("deal_stage_history").execute()
    assert len(history) == 3
    assert "d1|Qualify|2024-01-01 00:00:00" in set(history["history_key"])


def test_non_utf8_canonical_file_is_a_clear_error(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes("account_id,name\na1,Müller\n".encode("cp1252"))
    with pytest.raises(InputError, match=r"accounts\.csv: not UTF-8"):
        import_file(workspace, path)


@st.composite
def messy_deal_rows(draw: st.DrawFn) -> list[tuple[list[str], bool]]:
    """Rows of a deals file, each with whether it must load (unique id, valid values)."""
    rows = []
    seen: set[str] = set()
    for i in range(draw(st.integers(0, 25))):
        deal_id = draw(st.sampled_from([f"d{i}", "dup", ""]))
        status = draw(st.sampled_from(["won", "lost", "open", "Won", "??"]))
        amount = draw(st.sampled_from(["10", "1.5", "-3", "", "x1", "1,5"]))
        created = draw(st.sampled_from(["2024-01-01", "2024-02-30", "", "2024-03-01 12:00:00"]))
        name = draw(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12))
        valid = (
            deal_id != ""
            and deal_id not in seen
            and status != "??"
            and amount not in {"x1", "1,5"}
            and created not in {"", "2024-02-30"}
        )
        if deal_id:
            seen.add(deal_id)
        rows.append(([deal_id, name, status, amount, created], valid))
    return rows


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=messy_deal_rows())
def test_no_row_is_lost_or_invented(tmp_path_factory: pytest.TempPathFactory, rows: list) -> None:
    folder = tmp_path_factory.mktemp("messy")
    path = folder / "deals.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["deal_id", "name", "status", "amount", "created_at"])
        writer.writerows(values for values, _ in rows)
    with open_workspace(folder / "w.duckdb") as ws:
        result = import_file(ws, path)
        assert result.rows_read == len(rows)
        assert result.rows_loaded + result.rows_quarantined == result.rows_read
        assert result.rows_loaded == sum(valid for _, valid in rows)
        assert ws.count("deals") == result.rows_loaded
        assert ws.count("quarantine") == result.rows_quarantined
