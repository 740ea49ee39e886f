"""The loader's lean first pass: cleaning, offsets and the row checks it flags, by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import ibis
import pandas as pd

from crmroi import Workspace
from crmroi.ingest import import_file
from crmroi.ingest.checks import ROW, RULE, checked_rows, typed_rows
from crmroi.schema import table as canonical_table

DEALS = ["deal_id", "name", "account_id", "status", "amount", "created_at", "closed_at"]


def _staged(rows: list[list[str | None]]) -> ibis.Table:
    """Text rows as a staged table: every column text, ``_row`` numbering them from 1."""
    data: dict[str, list[object]] = {name: [r[i] for r in rows] for i, name in enumerate(DEALS)}
    data[ROW] = list(range(1, len(rows) + 1))
    return ibis.memtable(pd.DataFrame(data).astype({n: "string" for n in DEALS}))


def _run(expr: ibis.Table) -> pd.DataFrame:
    return ibis.duckdb.connect().execute(expr).sort_values(ROW).reset_index(drop=True)


def test_text_is_trimmed_and_blanks_become_null() -> None:
    names = [" d1 ", "", "   ", "\tTab\n", None, "a b", "\x01odd"]
    rows = [[f"d{i}", name, "a1", "won", "1", "2024-01-01", None] for i, name in enumerate(names)]
    typed = _run(typed_rows(_staged(rows), canonical_table("deals"), DEALS))
    expected = ["d1", None, None, "Tab", None, "a b", "\x01odd"]  # strip() leaves \x01 alone
    assert [None if pd.isna(v) else v for v in typed["name"]] == expected
    # The file's own text is kept beside a value that cleaning changed, and only there.
    kept = [None if pd.isna(v) else v for v in typed["_text_name"]]
    assert kept == [" d1 ", "", "   ", "\tTab\n", None, None, None]


def test_a_utc_offset_is_applied_and_plain_times_are_cast() -> None:
    stamps = [
        "2024-01-01 09:30:00+01:00",
        "2024-01-01 09:30 -0130",
        "2024-01-01",
        " 2024-01-01 09:30:00 ",
        "2024-01-01T09:30:00Z",
    ]
    rows = [[f"d{i}", "n", "a1", "won", "1", s, None] for i, s in enumerate(stamps)]
    typed = _run(typed_rows(_staged(rows), canonical_table("deals"), DEALS))
    assert typed["created_at"].tolist() == [
        pd.Timestamp(datetime(2024, 1, 1, 8, 30)),
        pd.Timestamp(datetime(2024, 1, 1, 11, 0)),
        pd.Timestamp(datetime(2024, 1, 1)),
        pd.Timestamp(datetime(2024, 1, 1, 9, 30)),
        pd.Timestamp(datetime(2024, 1, 1, 9, 30)),
    ]


def test_the_first_pass_flags_each_row_check_but_not_repeated_keys() -> None:
    rows: list[list[str | None]] = [
        ["d1", "Alpha", "a1", "won", "1000.5", "2024-01-01", None],  # 1 good
        ["d2", "Beta", "a1", "won", "12.5O0", "2024-01-02", None],  # 2 bad number
        ["d3", "Gamma", "a2", "maybe", "10", "2024-01-03", None],  # 3 bad choice
        ["d4", "Delta", "a2", "open", "10", None, None],  # 4 required field empty
        ["d1", "Dup", "a1", "lost", "5", "2024-01-05", None],  # 5 repeated key: not a row check
        ["d5", "x\nd9,y,a1,won,1,2024-01-01,", "a3", "lost", "7", "2024-01-06", None],  # 6
        ["d6", "Eta", "a4", "lost", "-3", "2024-01-07", "2024-13-45"],  # 7 bad timestamp
    ]
    checked = _run(checked_rows(_staged(rows), canonical_table("deals"), DEALS, ","))
    flagged = checked.loc[checked[RULE].notna(), ROW].tolist()
    assert flagged == [2, 3, 4, 6, 7]
    assert list(checked.columns) == [ROW, *DEALS, RULE]  # no raw text kept in this pass
    assert checked["amount"].iloc[0] == 1000.5 and checked["status"].iloc[2] == "maybe"


def test_a_file_whose_only_fault_is_a_repeated_key_is_quarantined_in_the_second_pass(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(
        ",".join(DEALS) + "\nd1,A,a1,won,1,2024-01-01,\nd2,B,a1,won,2,2024-01-02,\n"
        "d1,C,a1,lost,3,2024-01-03,\n",
        encoding="utf-8",
    )
    result = import_file(workspace, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    q = workspace.table("quarantine").execute()
    assert q["row_number"].tolist() == [3]
    assert q["reason"].tolist() == ["duplicate key 'd1' (first seen on row 1)"]
    deals = workspace.table("deals").order_by("deal_id").execute()
    assert deals["name"].tolist() == ["A", "B"]
