"""The canonical import path gives the same workspace on PostgreSQL and Spark as on DuckDB.

The small synthetic company's CSV files go through ``import_any`` (staging, checks, quarantine,
upsert, the import log) into a DuckDB file and into a fresh PostgreSQL database; the
reconciliation of every file and every table's rows must agree. A hostile deals file (a bad
amount, a bad date, a repeated key, a missing status) is quarantined the same way on PostgreSQL
and on Spark, row by row with the same reasons and raw values, and a changed file replaces the
same rows (MERGE on PostgreSQL, a rebuilt table swapped in on Spark). A failed write inside the
workspace's transaction leaves PostgreSQL as it was; the CLI works against a ``postgres://``
workspace. (The whole company is imported on PostgreSQL only: on Spark each of the import's
few dozen small queries costs a second or more.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from crmroi import Workspace, open_workspace
from crmroi.ingest.exports import import_any
from crmroi.schema import TABLES
from crmroi.synth import SyntheticCompany
from crmroi.synth.files import write
from tests.backends import postgres as pg
from tests.backends.compare import assert_same

LOG_COLUMNS = ("import_id", "at", "file")
"""Columns of the import log that differ between any two runs (ids, times, paths)."""

HOSTILE = """deal_id,status,amount,currency,created_at,closed_at
H1,won,1000,EUR,2024-01-01,2024-02-01
H2,won,abc,EUR,2024-01-01,2024-02-01
H3,won,500,EUR,2024-13-45,2024-02-01
H1,lost,700,EUR,2024-01-05,2024-02-05
H4,,300,EUR,2024-01-01,
H5,"open",250.5,EUR,2024-03-01,
"""
"""Rows 2 (amount), 3 (date), 4 (repeats H1) and 5 (no status) fail; H1 and H5 load."""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, company: SyntheticCompany) -> list[Path]:
    """The company's canonical CSV files (truth.json left out: it is not data)."""
    folder = tmp_path_factory.mktemp("company")
    return sorted(p for p in write(company, folder) if p.suffix == ".csv")


def _import_all(ws: Workspace, paths: list[Path]) -> pd.DataFrame:
    rows = [
        {
            "file": Path(r.result.file).name,
            "table": r.result.table,
            "read": r.result.rows_read,
            "loaded": r.result.rows_loaded,
            "quarantined": r.result.rows_quarantined,
            "replaced": r.result.rows_replaced,
        }
        for path in paths
        for r in import_any(ws, path)
    ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def imported(
    files: list[Path], postgres: pg.Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Workspace, Workspace, pd.DataFrame, pd.DataFrame]]:
    """(DuckDB, PostgreSQL) workspaces after importing every file, with each reconciliation."""
    duck = open_workspace(tmp_path_factory.mktemp("imports") / "crmroi.duckdb")
    other = open_workspace(postgres.database("imports"))
    yield duck, other, _import_all(duck, files), _import_all(other, files)
    duck.close()
    other.close()


def test_every_file_reconciles_the_same(
    imported: tuple[Workspace, Workspace, pd.DataFrame, pd.DataFrame], files: list[Path]
) -> None:
    """Read = loaded + quarantined for each file, and the counts equal DuckDB's."""
    _, _, expected, got = imported
    assert len(expected) == len(files)
    assert (expected["read"] == expected["loaded"] + expected["quarantined"]).all()
    assert expected["loaded"].sum() > 40_000  # the whole company, not an empty run
    pd.testing.assert_frame_equal(expected, got)


@pytest.mark.parametrize("table", [t.name for t in TABLES if t.name != "quarantine"])
def test_every_table_holds_the_same_rows(
    imported: tuple[Workspace, Workspace, pd.DataFrame, pd.DataFrame], table: str
) -> None:
    duck, other, _, _ = imported
    expected, got = (ws.table(table).execute() for ws in (duck, other))
    if table == "imports":
        expected, got = (
            f.drop(columns=[c for c in LOG_COLUMNS if c in f]) for f in (expected, got)
        )
    assert_same(expected, got)


def _quarantine(ws: Workspace, import_id: str) -> pd.DataFrame:
    q = ws.table("quarantine")
    frame = q.filter(q.import_id == import_id).execute()
    frame["raw"] = frame["raw"].map(json.loads)
    return frame[["row_number", "column", "reason", "raw"]].sort_values("row_number")


@pytest.fixture(params=["postgres", "spark"])
def fresh(request: pytest.FixtureRequest) -> Iterator[Callable[[str], Workspace]]:
    """Opens an empty workspace of the given name on PostgreSQL, then on Spark."""
    opened: list[Workspace] = []
    if request.param == "postgres":
        server: pg.Server = request.getfixturevalue("postgres")

        def on_postgres(name: str) -> Workspace:
            opened.append(open_workspace(server.database(name)))
            return opened[-1]

        yield on_postgres
    else:
        session = request.getfixturevalue("spark")

        def on_spark(name: str) -> Workspace:
            import ibis

            own = session.newSession()  # its own current database: the shared company stays
            own.sql(f"CREATE DATABASE IF NOT EXISTS {name}")
            own.catalog.setCurrentDatabase(name)
            return Workspace.from_connection(ibis.pyspark.connect(own), location="spark")

        yield on_spark
    for ws in opened:
        ws.close()


def test_a_hostile_file_is_quarantined_the_same_way(
    fresh: Callable[[str], Workspace], tmp_path: Path
) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(HOSTILE, encoding="utf-8")
    results = []
    duck = open_workspace(tmp_path / "crmroi.duckdb")
    for ws in (duck, fresh("hostile")):
        (done,) = import_any(ws, path)
        deals = ws.table("deals").execute().sort_values("deal_id")
        results.append((done.result, _quarantine(ws, done.result.import_id), deals))
    duck.close()
    (duck_result, duck_bad, duck_deals), (got, bad, deals) = results
    assert (got.rows_read, got.rows_loaded, got.rows_quarantined) == (6, 2, 4)
    assert (duck_result.rows_read, duck_result.rows_quarantined) == (6, 4)
    assert list(bad["row_number"]) == [2, 3, 4, 5]
    assert bad["raw"].iloc[0]["amount"] == "abc"  # the value as the file gave it
    pd.testing.assert_frame_equal(duck_bad.reset_index(drop=True), bad.reset_index(drop=True))
    assert list(deals["deal_id"]) == ["H1", "H5"]
    assert_same(duck_deals, deals)


def test_a_changed_file_replaces_the_same_rows(
    fresh: Callable[[str], Workspace], tmp_path: Path
) -> None:
    """First load H1 (1,000) and H2 (2,000); then H2 at 2,500 and a new H3: one row replaced."""
    head = "deal_id,status,amount,created_at\n"
    first = head + "H1,won,1000,2024-01-01\nH2,won,2000,2024-01-02\n"
    second = head + "H2,won,2500,2024-01-02\nH3,lost,300,2024-01-03\n"
    outcome = []
    duck = open_workspace(tmp_path / "crmroi.duckdb")
    for ws in (duck, fresh("upsert")):
        path = tmp_path / f"{ws.backend_name}.csv"
        path.write_text(first)
        import_any(ws, path, table="deals")
        path.write_text(second)
        (again,) = import_any(ws, path, table="deals")
        amounts = ws.table("deals").execute().set_index("deal_id")["amount"].to_dict()
        outcome.append((again.result.rows_replaced, amounts))
    duck.close()
    assert outcome[1] == outcome[0] == (1, {"H1": 1000, "H2": 2500, "H3": 300})


def test_a_failed_write_leaves_postgres_as_it_was(postgres: pg.Server) -> None:
    """An error inside ``transaction()`` after an insert rolls the insert back."""
    with open_workspace(postgres.database("atomic")) as ws:
        rows = pd.DataFrame({"user_id": ["U1"], "name": ["Ann"]})
        with pytest.raises(RuntimeError, match="disk full"), ws.transaction():
            ws.con.insert("users", rows)
            assert ws.count("users") == 1  # inside the transaction the row is there
            raise RuntimeError("disk full")
        assert ws.count("users") == 0


def test_the_cli_imports_into_postgres_and_reports_like_duckdb(
    postgres: pg.Server, files: list[Path], tmp_path: Path
) -> None:
    """The user's route: ``crmroi -w postgres://… import`` then ``kpis --format json``."""
    deals = [p for p in files if p.stem in {"deals", "users", "stages"}]
    outputs = []
    for target in (str(tmp_path / "crmroi.duckdb"), postgres.database("cli")):
        imported = _crmroi(target, "import", *map(str, deals))
        assert imported.returncode == 0, imported.stderr
        kpis = _crmroi(target, "kpis", "--format", "json", "--grain", "quarter")
        assert kpis.returncode == 0, kpis.stderr
        outputs.append(pd.DataFrame(json.loads(kpis.stdout)))
    duck, other = outputs
    assert len(duck) > 0
    assert_same(duck, other)


def _crmroi(workspace: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crmroi", "-w", workspace, *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


LETTERS = (
    "cost_id,category,description,amount,currency,incurred_at,recurrence\n"
    "C1,licence,Kyiv,10,EUR,2024-01-01,one-off\n"
    "C2,other,fee for Olaf,20,EUR,2024-01-01,monthly\n"
    "C3,other,  van of Gustav\t,30,EUR,2024-01-01,yearly\n"
)
"""Values that begin or end with f, v, a, t, n or r: the letters of escapes (``\\f``, ``\\v``)."""


def test_text_starting_or_ending_in_escape_letters_keeps_them(
    fresh: Callable[[str], Workspace], tmp_path: Path
) -> None:
    """Spark once read the import's whitespace literal as the letters f and v, so ``one-off``
    became ``one-o`` (quarantined) and ``Kyiv`` became ``Kyi``; only the real spaces and tab
    around ``van of Gustav`` may go."""
    path = tmp_path / "costs.csv"
    path.write_text(LETTERS, encoding="utf-8")
    duck = open_workspace(tmp_path / "crmroi.duckdb")
    loaded = []
    for ws in (duck, fresh("letters")):
        (done,) = import_any(ws, path, table="costs")
        assert (done.result.rows_loaded, done.result.rows_quarantined) == (3, 0)
        costs = ws.table("costs").execute().sort_values("cost_id")
        loaded.append(costs[["description", "recurrence"]].to_numpy().tolist())
    duck.close()
    assert (
        loaded[1]
        == loaded[0]
        == [
            ["Kyiv", "one-off"],
            ["fee for Olaf", "monthly"],
            ["van of Gustav", "yearly"],
        ]
    )
