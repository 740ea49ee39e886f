"""An import that fails half-way leaves every table as it was, on DuckDB, PostgreSQL and Spark.

DuckDB and PostgreSQL roll back a real transaction; Spark rolls back the workspace's undo log
(``crmroi.undo``). The failure is injected where a real one would hurt most: the import log's
insert, after the canonical table and the quarantine were written. Every canonical table is read
in full before and after, and the list of tables must not change (no backup, marker or staging
table left behind). On Spark a process killed mid-transaction is simulated too: the next open of
the workspace must roll its transaction back, or drop what a committed one left.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest

from crmroi import Workspace, open_workspace
from crmroi.ingest.exports import import_any
from crmroi.schema import TABLES
from crmroi.targets.settings import ConfigTarget
from crmroi.targets.sync import sync
from crmroi.undo import UndoLog, roll_back
from tests.backends import postgres as pg
from tests.backends.compare import assert_same

HEAD = "deal_id,status,amount,currency,created_at\n"
FIRST = HEAD + "H1,won,1000,EUR,2024-01-01\nH2,won,2000,EUR,2024-01-02\nH9,won,abc,EUR,2024-01-03\n"
"""H1 and H2 load; H9 (amount ``abc``) is quarantined."""
CHANGED = HEAD + "H2,won,2500,EUR,2024-01-02\nH3,lost,300,EUR,2024-01-03\nH8,won,x,EUR,2024-01-04\n"
"""Replaces H2, adds H3, quarantines H8: the upsert, the quarantine and the log are all written."""
MEMTABLE = re.compile(r"^ibis_\w+_memtable_")
USERS = "user_id,name\nU1,Ann\nU2,Bob\n"


class Killed(BaseException):
    """Stands for the process being killed: nothing after it runs, not even a roll-back."""


@pytest.fixture(params=["duckdb", "postgres", "spark"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """A fresh workspace on each engine (on Spark, a database of its own in the shared session)."""
    name = f"tx_{uuid.uuid4().hex[:10]}"
    if request.param == "spark":
        own = request.getfixturevalue("spark").newSession()
        own.sql(f"CREATE DATABASE {name}")
        own.catalog.setCurrentDatabase(name)
        yield Workspace.from_connection(ibis.pyspark.connect(own), location="spark")
        return
    if request.param == "postgres":
        server: pg.Server = request.getfixturevalue("postgres")
        ws = open_workspace(server.database(name))
    else:
        ws = open_workspace(tmp_path / "crmroi.duckdb")
    yield ws
    ws.close()


def _names(ws: Workspace) -> set[str]:
    """The tables of the workspace; not the views the engines keep of Ibis's in-memory tables."""
    return {n for n in ws.con.list_tables() if not MEMTABLE.match(n)}


def _contents(ws: Workspace) -> tuple[set[str], dict[str, pd.DataFrame]]:
    """Every table's name, and every canonical table's rows."""
    return _names(ws), {t.name: ws.table(t.name).execute() for t in TABLES}


def _assert_unchanged(ws: Workspace, before: tuple[set[str], dict[str, pd.DataFrame]]) -> None:
    names, rows = _contents(ws)
    assert names == before[0]
    for table, frame in before[1].items():
        assert_same(frame, rows[table], rtol=0)


def _fail_on(monkeypatch: pytest.MonkeyPatch, ws: Workspace, table: str) -> None:
    """Make the workspace's next insert into ``table`` raise, as a full disk would."""
    insert = ws.insert

    def failing(name: str, rows: Any) -> None:
        if name == table:
            raise OSError("disk full")
        insert(name, rows)

    monkeypatch.setattr(ws, "insert", failing)


def _amounts(ws: Workspace) -> dict[str, float]:
    return dict(ws.table("deals").execute().set_index("deal_id")["amount"])


def test_an_import_failing_at_its_log_leaves_every_table_as_it_was(
    empty: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upsert and the quarantine insert ran; the log's insert fails: all of it goes."""
    ws, path = empty, tmp_path / "deals.csv"
    path.write_text(FIRST)
    import_any(ws, path)
    before = _contents(ws)
    assert len(before[1]["quarantine"]) == 1  # H9: the quarantine is written, so it is checked

    path.write_text(CHANGED)
    _fail_on(monkeypatch, ws, "imports")
    with pytest.raises(OSError, match="disk full"):
        import_any(ws, path)
    _assert_unchanged(ws, before)

    monkeypatch.undo()  # the next import, of the same file, loads as if nothing had happened
    (done,) = import_any(ws, path)
    assert (done.result.rows_loaded, done.result.rows_quarantined) == (2, 1)
    assert done.result.rows_replaced == 1
    assert _amounts(ws) == {"H1": 1000, "H2": 2500, "H3": 300}
    assert ws.count("quarantine") == 2
    assert ws.count("imports") == 2
    assert _names(ws) == before[0]  # no backup or staging table left


def test_a_first_import_failing_at_its_quarantine_leaves_the_workspace_empty(
    empty: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows went into the empty deals table; the second table's write fails."""
    ws, path = empty, tmp_path / "deals.csv"
    path.write_text(FIRST)
    before = _contents(ws)
    _fail_on(monkeypatch, ws, "quarantine")
    with pytest.raises(OSError, match="disk full"):
        import_any(ws, path)
    _assert_unchanged(ws, before)
    assert ws.count("deals") == 0


def test_imports_inside_one_transaction_load_together_or_not_at_all(
    empty: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each import's own transaction joins the caller's: two files, one outcome."""
    ws = empty
    users, deals = tmp_path / "users.csv", tmp_path / "deals.csv"
    users.write_text(USERS)
    deals.write_text(FIRST)
    before = _contents(ws)
    _fail_on(monkeypatch, ws, "imports")
    with pytest.raises(OSError, match="disk full"), ws.transaction():
        import_any(ws, users, table="users")
        import_any(ws, deals)
    _assert_unchanged(ws, before)

    monkeypatch.undo()
    with ws.transaction():
        import_any(ws, users, table="users")
        with ws.transaction():  # nested twice: still the one transaction
            import_any(ws, deals)
    assert sorted(ws.table("users").execute()["user_id"]) == ["U1", "U2"]
    assert _amounts(ws) == {"H1": 1000, "H2": 2000}
    assert ws.count("imports") == 2
    assert _names(ws) == before[0]


def test_a_failed_transaction_does_not_spoil_the_next_one(empty: Workspace) -> None:
    """One rolled back, the next committed, on the same connection."""
    ws = empty
    with pytest.raises(RuntimeError, match="stop"), ws.transaction():
        ws.insert("users", pd.DataFrame({"user_id": ["U1"], "name": ["Ann"]}))
        raise RuntimeError("stop")
    with ws.transaction():
        ws.insert("users", pd.DataFrame({"user_id": ["U2"], "name": ["Bob"]}))
    assert list(ws.table("users").execute()["user_id"]) == ["U2"]


def test_a_table_created_or_replaced_in_a_rolled_back_transaction_is_as_before(
    empty: Workspace,
) -> None:
    """``replace_table`` (the targets' tracking table, upgrades) undone like the other writes."""
    ws = empty
    ws.insert("users", pd.DataFrame({"user_id": ["U1"], "name": ["Ann"]}))
    before = _contents(ws)
    with pytest.raises(RuntimeError, match="stop"), ws.transaction():
        ws.replace_table("scratch_keys", pd.DataFrame({"key": ["a", "b"]}))
        ws.replace_table("users", ws.table("users").mutate(name=ibis.literal("Al")))
        assert ws.table("users").execute()["name"].tolist() == ["Al"]
        raise RuntimeError("stop")
    _assert_unchanged(ws, before)
    assert "scratch_keys" not in ws.con.list_tables()


# -- Spark: a process killed mid-transaction ---------------------------------------------------


@pytest.fixture
def spark_users(spark: Any) -> Workspace:
    """An empty Spark workspace holding one user, U1 Ann, in a database of its own."""
    own = spark.newSession()
    name = f"tx_{uuid.uuid4().hex[:10]}"
    own.sql(f"CREATE DATABASE {name}")
    own.catalog.setCurrentDatabase(name)
    ws = Workspace.from_connection(ibis.pyspark.connect(own), location="spark")
    ws.insert("users", pd.DataFrame({"user_id": ["U1"], "name": ["Ann"]}))
    return ws


def _half_written(ws: Workspace, monkeypatch: pytest.MonkeyPatch, kill: str) -> None:
    """Run a transaction that renames U1 to Al and appends U2, and kill it at ``kill``.

    ``moved``: between moving the old users table aside and renaming the rebuilt one in (there
    is no users table then); ``commit``: everything written, the commit not yet made.
    """
    monkeypatch.setattr(UndoLog, "rollback", lambda self: None)  # a dead process rolls nothing
    if kill == "moved":
        rename, calls = ws.con.rename_table, iter(range(2))

        def dying(old: str, new: str) -> None:
            if next(calls):  # the second rename: the rebuilt table into place
                raise Killed
            rename(old, new)

        monkeypatch.setattr(ws.con, "rename_table", dying)
    else:

        def dying_commit(self: UndoLog) -> None:
            raise Killed

        monkeypatch.setattr(UndoLog, "commit", dying_commit)
    users = ws.table("users")
    renamed = users.filter(users.user_id == "U1").mutate(name=ibis.literal("Al"))
    with pytest.raises(Killed), ws.transaction():
        ws.upsert("users", renamed, "user_id")
        ws.insert("users", pd.DataFrame({"user_id": ["U2"], "name": ["Bob"]}))
    monkeypatch.undo()


def _marker(ws: Workspace) -> str:
    (name,) = [n for n in ws.con.list_tables() if n.startswith("_crmroi_tx_")]
    return name


def _dead_pid() -> int:
    """The PID of a process that has ended."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _owned_by(ws: Workspace, pid: int) -> None:
    """Say the open transaction was started by process ``pid``."""
    name = _marker(ws)
    owner = ws.con.table(name).execute().assign(pid=pid)
    ws.con.create_table(name, owner, overwrite=True)


@pytest.mark.parametrize("kill", ["moved", "commit"])
def test_a_killed_transaction_is_rolled_back_when_the_workspace_opens(
    spark_users: Workspace, monkeypatch: pytest.MonkeyPatch, kill: str
) -> None:
    ws = spark_users
    before = _contents(ws)
    _half_written(ws, monkeypatch, kill)
    assert ("users" in ws.con.list_tables()) is (kill == "commit")
    _owned_by(ws, _dead_pid())

    reopened = Workspace.from_connection(ws.con, location="spark")
    (found,) = reopened.recovered
    assert found.rolled_back
    assert "rolled back an unfinished write" in found.describe()
    _assert_unchanged(reopened, before)


def test_a_transaction_whose_process_runs_is_reported_not_touched(
    spark_users: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer's open transaction is not undone under its feet; the hint's call undoes it."""
    ws = spark_users
    before = _contents(ws)
    _half_written(ws, monkeypatch, "commit")
    reopened = Workspace.from_connection(ws.con, location="spark")  # this process: alive
    (found,) = reopened.recovered
    assert not found.rolled_back
    assert f"roll_back(ws.con, {found.tx!r})" in found.describe()
    assert sorted(ws.table("users").execute()["name"]) == ["Al", "Bob"]
    roll_back(ws.con, found.tx)
    _assert_unchanged(ws, before)


def test_a_process_killed_after_its_commit_leaves_only_backups_to_drop(
    spark_users: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = spark_users
    names = _names(ws)
    monkeypatch.setattr("crmroi.undo._discard", lambda con, tx, names: None)
    with ws.transaction():
        ws.insert("users", pd.DataFrame({"user_id": ["U2"], "name": ["Bob"]}))
    monkeypatch.undo()
    left = _names(ws) - names
    assert len(left) == 1 and next(iter(left)).startswith("_crmroi_undo_")
    assert not any(n.startswith("_crmroi_tx_") for n in ws.con.list_tables())  # committed

    reopened = Workspace.from_connection(ws.con, location="spark")
    assert reopened.recovered == []
    assert _names(ws) == names
    assert sorted(ws.table("users").execute()["user_id"]) == ["U1", "U2"]


KILLED_IMPORT = """
import json, os, signal, sys
from crmroi import open_workspace
from crmroi.ingest.exports import import_any
from crmroi.schema import TABLES

def contents(ws):
    return {t.name: ws.table(t.name).execute().to_json(orient="split", date_unit="us")
            for t in TABLES}

ws = open_workspace("local[1]")
if sys.argv[1] == "kill":
    import_any(ws, "first.csv", table="deals")
    with open("before.json", "w") as out:
        json.dump(contents(ws), out)
    insert = ws.insert
    def dying(name, rows):
        if name == "imports":  # the upsert and the quarantine are written: kill it all, JVM too
            os.killpg(0, signal.SIGKILL)
        insert(name, rows)
    ws.insert = dying
    import_any(ws, "changed.csv", table="deals")
else:
    with open("after.json", "w") as out:
        json.dump({"recovered": [u.describe() for u in ws.recovered], "tables": contents(ws),
                   "names": sorted(ws.con.list_tables())}, out)
"""
"""A real process on a real Hive catalog (Derby metastore, warehouse folder), killed with its
JVM between an import's writes and its commit; then a second process opens the workspace."""


def test_a_killed_import_process_is_rolled_back_by_the_next_process(tmp_path: Path) -> None:
    (tmp_path / "first.csv").write_text(FIRST)
    (tmp_path / "changed.csv").write_text(CHANGED)
    run = partial(_python, KILLED_IMPORT, tmp_path)
    killed = run("kill")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    reopened = run("reopen")
    assert reopened.returncode == 0, reopened.stderr[-2000:]
    before = json.loads((tmp_path / "before.json").read_text())
    after = json.loads((tmp_path / "after.json").read_text())
    (note,) = after["recovered"]
    assert note.startswith("rolled back an unfinished write")
    assert not [n for n in after["names"] if n.startswith("_crmroi_")]
    for table, frame in before.items():
        expected = pd.read_json(io.StringIO(frame), orient="split")
        got = pd.read_json(io.StringIO(after["tables"][table]), orient="split")
        assert_same(expected, got, rtol=0)
    deals = pd.read_json(io.StringIO(after["tables"]["deals"]), orient="split")
    assert sorted(deals["deal_id"]) == ["H1", "H2"]  # the first file's rows, H2 at 2,000
    assert dict(zip(deals["deal_id"], deals["amount"], strict=True))["H2"] == 2000


def _python(code: str, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter in ``folder``, its own process group (for killpg)."""
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        start_new_session=True,
    )


def test_targets_dropped_from_the_config_are_deleted_on_every_engine(empty: Workspace) -> None:
    """Two company targets synced from crmroi.toml, then the file keeps only one: the other's
    row goes (``Workspace.delete_keys``; a raw ``DELETE`` fails on a plain Spark table), in one
    transaction with the tracking table, leaving no working table behind."""
    empty.ensure_schema()
    q1 = ConfigTarget("won_revenue", "2025-Q1", 1_000.0)
    q2 = ConfigTarget("won_revenue", "2025-Q2", 2_000.0)
    sync(empty, [q1, q2], None, 1)
    names = _names(empty)
    assert sorted(empty.table("targets").execute()["value"]) == [1_000.0, 2_000.0]
    sync(empty, [q2], None, 1)
    rows = empty.table("targets").execute()
    assert list(rows["value"]) == [2_000.0] and list(rows["period_start"].astype(str)) == [
        "2025-04-01"
    ]
    assert _names(empty) == names
