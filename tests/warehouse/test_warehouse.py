"""Existing warehouse tables read through canonical views (``crmroi warehouse``), no import.

A hand-made ``sales.opportunities`` table with the company's own column names and stage labels
lives in the workspace's DuckDB file; the mapping turns it into ``deals``. KPIs then equal a
pandas count on the source rows, a row added to the source shows at once, and mistakes in the
mapping name the table and the column.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from crmroi import open_workspace
from crmroi.errors import InputError, WorkspaceError
from crmroi.warehouse import map_tables, read_mapping
from tests.support import insert_rows

OPPORTUNITIES = pd.DataFrame(
    {
        "opp_id": ["O1", "O2", "O3", "O4", "O5"],
        "stage_name": ["Closed Won", "Closed Won", "Closed Lost", "Negotiation", "Closed Won"],
        "amount_eur": [1000.0, 2500.0, 700.0, 900.0, 400.0],
        "created": pd.to_datetime(
            ["2024-01-02", "2024-01-10", "2024-02-01", "2024-02-03", "2024-03-01"]
        ),
        "closed": pd.to_datetime(["2024-02-01", "2024-03-05", "2024-02-20", None, "2024-03-20"]),
        "rep": ["ann", "ann", "ben", "ben", "ben"],
    }
)
"""Three won (3,900), one lost, one open: win rate 3 of 4 closed."""

MAPPING = """
[deals]
from = "sales.opportunities"
[deals.columns]
deal_id = "opp_id"
status = "stage_name"
amount = "amount_eur"
created_at = "created"
closed_at = "closed"
owner_id = "rep"
[deals.values.status]
"Closed Won" = "won"
"Closed Lost" = "lost"
"Negotiation" = "open"
[deals.constants]
currency = "EUR"
"""


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A workspace file whose ``sales`` schema holds the opportunities table."""
    path = tmp_path / "crmroi.duckdb"
    with open_workspace(path) as ws:
        ws.con.raw_sql("CREATE SCHEMA sales")
        ws.con.create_table("opportunities", OPPORTUNITIES, database="sales")
    (tmp_path / "warehouse.toml").write_text(MAPPING, encoding="utf-8")
    return path


def _crmroi(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crmroi", "-w", str(path), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=path.parent,
        env={**os.environ, "COLUMNS": "120"},
    )


def test_kpis_read_the_warehouse_table_through_the_view(warehouse: Path) -> None:
    mapped = _crmroi(warehouse, "warehouse", "warehouse.toml")
    assert mapped.returncode == 0, mapped.stderr
    assert "deals ← sales.opportunities: 5 rows, 7 columns mapped" in mapped.stdout
    run = _crmroi(warehouse, "kpis", "-k", "won_revenue", "-k", "win_rate", "--format", "json")
    assert run.returncode == 0, run.stderr
    got = {row["kpi"]: row["value"] for row in json.loads(run.stdout)}
    won = OPPORTUNITIES[OPPORTUNITIES["stage_name"] == "Closed Won"]
    closed = OPPORTUNITIES[OPPORTUNITIES["stage_name"].str.startswith("Closed")]
    assert got["won_revenue"] == pytest.approx(won["amount_eur"].sum()) == 3900.0
    assert got["win_rate"] == pytest.approx(len(won) / len(closed)) == 0.75


def test_a_new_source_row_shows_without_an_import(warehouse: Path) -> None:
    with open_workspace(warehouse) as ws:
        map_tables(ws, read_mapping(warehouse.parent / "warehouse.toml"))
        assert ws.count("deals") == 5
        ws.con.raw_sql(
            "INSERT INTO sales.opportunities VALUES "
            "('O6', 'Closed Won', 100.0, '2024-03-02', '2024-03-25', 'ann')"
        )
        deals = ws.table("deals").execute().set_index("deal_id")
        assert len(deals) == 6
        assert deals.loc["O6", "status"] == "won" and deals.loc["O6", "currency"] == "EUR"
        assert deals["account_id"].isna().all()  # unmapped columns are empty, typed


def test_mapping_again_replaces_the_view(warehouse: Path) -> None:
    with open_workspace(warehouse) as ws:
        sources = read_mapping(warehouse.parent / "warehouse.toml")
        map_tables(ws, sources)
        (again,) = map_tables(ws, sources)
        assert again.rows == 5


def test_a_table_with_imported_rows_is_not_hidden(warehouse: Path) -> None:
    with open_workspace(warehouse) as ws:
        insert_rows(ws, "deals", [{"deal_id": "D1", "status": "won", "created_at": "2024-01-01"}])
        with pytest.raises(WorkspaceError, match="deals already holds imported rows"):
            map_tables(ws, read_mapping(warehouse.parent / "warehouse.toml"))
        assert ws.count("deals") == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[deal]\nfrom = "x"\n', r"\[deal\]: not a canonical table \(did you mean 'deals'"),
        ("[deals]\n", r'\[deals\] needs from = "schema.table"'),
        (
            '[deals]\nfrom = "x"\n[deals.columns]\ndeal_id = "a"\nammount = "b"\n',
            r"\[deals.columns\] 'ammount' is not a column of deals \(did you mean 'amount'",
        ),
        (
            '[deals]\nfrom = "x"\n[deals.columns]\ndeal_id = "a"\n',
            r"\[deals\]: required column\(s\) status, created_at need a source column",
        ),
    ],
)
def test_mapping_mistakes_name_the_table_and_column(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_mapping(path)


def test_a_source_column_that_does_not_exist_is_named(warehouse: Path) -> None:
    mapping = warehouse.parent / "warehouse.toml"
    mapping.write_text(MAPPING.replace('"amount_eur"', '"amount_usd"'), encoding="utf-8")
    with (
        open_workspace(warehouse) as ws,
        pytest.raises(WorkspaceError, match=r"sales.opportunities has no column 'amount_usd'"),
    ):
        map_tables(ws, read_mapping(mapping))
