"""The workspace: one Ibis connection holding the canonical tables.

A workspace is a DuckDB file by default (``crmroi.duckdb``); any Ibis backend URL works
(``duckdb://path``, ``postgres://…``), and an existing Ibis connection (a Spark session) can be
wrapped with :meth:`Workspace.from_connection`. Analyses only ever ask the workspace for Ibis
table expressions, so they run unchanged on every backend.

The schema version lives in the ``crmroi_meta`` table. Opening a workspace written by an older
crmroi upgrades it in place when an upgrade step exists, and refuses it otherwise; a workspace
written by a newer crmroi is always refused, since this version cannot know its tables.

Writes to the canonical tables go through :meth:`Workspace.insert`, :meth:`Workspace.upsert` and
:meth:`Workspace.replace_table`, so that :meth:`Workspace.transaction` makes a block of them
all-or-nothing on every backend: DuckDB's and PostgreSQL's own transaction, or on Spark, which
has none, an undo log kept in the catalog (:mod:`crmroi.undo`; docs/backends.md).

A DuckDB file has one writer process at a time, and while it is open no other process can even
read it. An import holds it for its whole length, so a second process (a ``kpis`` or ``report``
during an import) waits for the lock, says once that it waits and for whom, and then reads the
committed state; only after ``lock_wait`` seconds does it give up with a clear error. Waiting
keeps the import's crash safety as it is (one transaction in the one file); see
``docs/concurrency.md`` for why it was chosen over a staging copy.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, cast

import ibis
import ibis.expr.types as ir
import pandas as pd

from crmroi.dialects import spark_string_literals
from crmroi.errors import SchemaVersionError, WorkspaceError
from crmroi.schema import SCHEMA_VERSION, TABLES, Table
from crmroi.schema import table as canonical_table
from crmroi.undo import UndoLog, Unfinished, recover

META_TABLE = "crmroi_meta"
DEFAULT_PATH = "crmroi.duckdb"
DEFAULT_MEMORY_LIMIT = "1GiB"
"""DuckDB's memory cap for a workspace. DuckDB's own default is 80 % of RAM, up to which it keeps
an import's staging tables in memory, so a big file's import grew with the file (4.9 GB for 482 MB
of CSV); capped, the staging spills to the temporary folder and memory stays flat. Analyses spill
the same way; raise it with ``open_workspace(..., memory_limit="8GiB")`` for big joins."""


def _add_new_columns(ws: Workspace) -> None:
    """Version 1 → 2: columns added at the end of tables (imports.identity, users.region)."""
    existing = set(ws.con.list_tables())
    for spec in TABLES:
        if spec.name not in existing:
            continue
        t = ws.con.table(spec.name)
        missing = {c.name: ibis.null(c.dtype) for c in spec.columns if c.name not in t.columns}
        if missing:
            ws.replace_table(spec.name, t.mutate(**missing).select(*spec.column_names))


def _add_new_tables(ws: Workspace) -> None:
    """Version 2 → 3: tables added (channel_spend, the weekly spend of channels outside the CRM)."""
    existing = set(ws.con.list_tables())
    for spec in TABLES:
        if spec.name not in existing:
            ws.con.create_table(spec.name, schema=spec.ibis_schema())


LOCK_WAIT_SECONDS = 600.0
"""How long opening a workspace waits for another process's lock (an import) before giving up."""
_LOCK_HOLDER = re.compile(
    r"Could not set lock on file .*?Conflicting lock is held in .*?\(PID (\d+)\)"
)

# Upgrade steps: UPGRADES[v] turns a version-v workspace into version v+1.
UPGRADES: dict[int, Callable[[Workspace], None]] = {1: _add_new_columns, 2: _add_new_tables}


class Workspace:
    """The canonical tables of one company, on one Ibis backend."""

    def __init__(self, con: Any, *, location: str) -> None:
        self.con = con
        self.location = location
        self.recovered: list[Unfinished] = []
        """Transactions a killed process left open, found when the workspace was opened."""
        self._depth = 0
        self._undo: UndoLog | None = None
        if self.backend_name == "pyspark":
            spark_string_literals()

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def from_connection(cls, con: Any, *, location: str = "<connection>") -> Workspace:
        """Wrap an existing Ibis connection (e.g. ``ibis.pyspark.connect(session)``)."""
        workspace = cls(con, location=location)
        workspace.ensure_schema()
        return workspace

    @property
    def backend_name(self) -> str:
        """The Ibis backend name, e.g. duckdb, pyspark or postgres."""
        return str(self.con.name)

    # -- schema ----------------------------------------------------------------------------
    def schema_version(self) -> int | None:
        """The version recorded in the workspace, or None for an empty database."""
        if META_TABLE not in self.con.list_tables():
            return None
        meta = self.con.table(META_TABLE)
        rows = meta.filter(meta.key == "schema_version").execute()
        if rows.empty:
            return None
        return int(rows["value"].iloc[0])

    def ensure_schema(self) -> None:
        """Create missing tables, upgrade an older schema or refuse an unknown one.

        On Spark, first finish what a killed import left: its unfinished transaction is rolled
        back (:func:`crmroi.undo.recover`), and reported in :attr:`recovered`.
        """
        if self.backend_name == "pyspark":
            self.recovered = recover(self.con)
        version = self.schema_version()
        if version is not None and version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.location} was written by a newer crmroi (schema version {version}; "
                f"this crmroi knows up to {SCHEMA_VERSION}): upgrade crmroi to open it"
            )
        if version is not None and version < SCHEMA_VERSION:
            self._upgrade(version)
        existing = set(self.con.list_tables())
        for spec in TABLES:
            if spec.name not in existing:
                self.con.create_table(spec.name, schema=spec.ibis_schema())
        if self.backend_name == "postgres":  # the import's safe casts (crmroi.dialects)
            from crmroi.dialects import POSTGRES_FUNCTIONS

            for statement in POSTGRES_FUNCTIONS:
                self.con.raw_sql(statement)
        if version != SCHEMA_VERSION:  # a read-only command leaves an up-to-date file as it is
            self._write_version()

    def _upgrade(self, version: int) -> None:
        while version < SCHEMA_VERSION:
            step = UPGRADES.get(version)
            if step is None:
                raise SchemaVersionError(
                    f"{self.location} has schema version {version}, which this crmroi cannot "
                    f"upgrade to {SCHEMA_VERSION}: re-create it with `crmroi init` and re-import"
                )
            step(self)
            version += 1

    def _write_version(self) -> None:
        meta = ibis.memtable({"key": ["schema_version"], "value": [str(SCHEMA_VERSION)]})
        self.con.create_table(META_TABLE, meta, overwrite=True)

    # -- reading ---------------------------------------------------------------------------
    def table(self, name: str) -> ir.Table:
        """The canonical table ``name`` as an Ibis expression."""
        canonical_table(name)
        return self.con.table(name)

    def spec(self, name: str) -> Table:
        """The canonical definition of table ``name``."""
        return canonical_table(name)

    def count(self, name: str) -> int:
        """Number of rows in table ``name``."""
        return int(self.table(name).count().execute())

    # -- writing ---------------------------------------------------------------------------
    @property
    def has_temp_tables(self) -> bool:
        """Whether the engine has session-private tables (Ibis's PySpark backend has none)."""
        return self.backend_name != "pyspark"

    def scratch(self, name: str, rows: ir.Table | Any) -> None:
        """Materialise ``rows`` (an expression or Arrow/pandas data) as a working table.

        Temporary where the engine has them; elsewhere an ordinary table, which the caller drops
        in a ``finally`` (every working name carries a random suffix, so imports never collide).
        """
        self.con.create_table(name, rows, temp=self.has_temp_tables)

    def insert(self, name: str, rows: ir.Table | Any) -> None:
        """Append ``rows`` (an expression or pandas/Arrow data) to table ``name``, by column name.

        Inside :meth:`transaction` on Spark the table is rebuilt with the rows added and renamed
        in (:meth:`replace_table`), so the undo log keeps the old table by renaming it aside:
        one Spark job per append instead of a copy and then the append.
        """
        if self._undo is None:
            self.con.insert(name, rows)
            return
        target = self.con.table(name)
        new = rows if isinstance(rows, ir.Table) else ibis.memtable(rows)
        aligned = new.select(
            **{
                column: (new[column] if column in new.columns else ibis.null()).cast(dtype)
                for column, dtype in target.schema().items()
            }
        )
        self.replace_table(name, target.union(aligned, distinct=False))

    def replace_table(self, name: str, rows: ir.Table | Any) -> None:
        """Replace table ``name`` (creating it if missing) by ``rows``; ``rows`` may read it.

        On Spark the new table is built beside the old one and renamed in, inside a
        transaction: an overwrite in place would delete the old files before writing the new.
        """
        if self.backend_name != "pyspark":
            self.con.create_table(name, rows, overwrite=True)
            return
        with self.transaction():
            undo = cast(UndoLog, self._undo)  # transaction() opened it: this is Spark
            built = undo.build_name(name)
            self.con.create_table(built, rows)
            undo.replace(name, built)

    def delete_keys(self, name: str, key: str, values: Iterable[str]) -> None:
        """Delete the rows of table ``name`` whose text column ``key`` holds one of ``values``.

        The values go in as a working table, never spliced into SQL. DuckDB and PostgreSQL run
        ``DELETE``; a plain Spark table has none, so there the kept rows replace the table
        (:meth:`replace_table`, all-or-nothing like every write).
        """
        frame = pd.DataFrame({"_key": sorted(set(values))}, dtype=object)
        if frame.empty:
            return
        gone = f"_gone_{name}_{uuid.uuid4().hex[:12]}"
        self.scratch(gone, ibis.memtable(frame, schema={"_key": "string"}))
        try:
            if self.backend_name == "pyspark":
                target = self.con.table(name)
                keys = self.con.table(gone)
                self.replace_table(name, target.anti_join(keys, target[key] == keys._key))
            else:
                self.con.raw_sql(
                    f'DELETE FROM "{name}" WHERE "{key}" IN (SELECT _key FROM "{gone}")'  # noqa: S608 - generated names
                )
        finally:
            self.con.drop_table(gone, force=True)

    def upsert(self, name: str, rows: ir.Table, key: str) -> None:
        """Insert ``rows`` into table ``name``, replacing the rows whose ``key`` they hold.

        DuckDB and PostgreSQL run ``MERGE`` (inside :meth:`transaction`). A plain Spark catalog
        table has no ``MERGE``, so there the table is rebuilt beside itself (the old rows the new
        ones do not replace, plus the new ones) and renamed in (:meth:`replace_table`).
        """
        if self.backend_name != "pyspark":
            self.con.upsert(name, rows, on=key)
            return
        target = self.con.table(name)
        keys = rows.select(_new_key=rows[key])
        kept = target.anti_join(keys, target[key] == keys._new_key)
        self.replace_table(name, kept.union(rows.select(*target.columns), distinct=False))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block atomically: on any error nothing it wrote stays.

        DuckDB and PostgreSQL run a real transaction. Spark has none, so there the block gets
        an undo log (:mod:`crmroi.undo`): every write through :meth:`insert`,
        :meth:`replace_table` and :meth:`upsert` builds the new table beside the old one and
        keeps the old one, and an error puts it back. A transaction opened inside another joins
        it: its writes commit or roll back with the outer one.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        commit, rollback = self._begin()
        self._depth = 1
        try:
            yield
        except BaseException as exc:
            try:
                rollback()
            except Exception as failed:
                exc.add_note(
                    f"rolling back failed too ({failed}); opening the workspace again finishes it"
                )
            raise
        else:
            commit()
        finally:
            self._depth = 0
            self._undo = None

    def _begin(self) -> tuple[Callable[[], object], Callable[[], object]]:
        """Start a transaction on this engine; return its (commit, rollback)."""
        if self.backend_name in {"duckdb", "postgres"}:
            self.con.raw_sql("BEGIN TRANSACTION")
            return lambda: self.con.raw_sql("COMMIT"), lambda: self.con.raw_sql("ROLLBACK")
        if self.backend_name == "pyspark":
            self._undo = UndoLog(self.con)
            return self._undo.commit, self._undo.rollback
        return lambda: None, lambda: None  # another engine: no transaction, as before

    def close(self) -> None:
        """Close the connection; the workspace cannot be used afterwards."""
        self.con.disconnect()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({self.location!r}, backend={self.backend_name!r})"


def open_workspace(
    path_or_url: str | Path | None = None,
    *,
    memory_limit: str | None = DEFAULT_MEMORY_LIMIT,
    temp_directory: str | Path | None = None,
    lock_wait: float = LOCK_WAIT_SECONDS,
    on_wait: Callable[[str], None] | None = None,
) -> Workspace:
    """Open (creating if needed) the workspace at a path or backend URL.

    ``None`` means ``./crmroi.duckdb``; ``":memory:"`` an in-memory DuckDB; a Spark master
    (``local[2]``, ``spark://host:7077``) a Spark session with a persistent catalog; any other
    string with ``://`` is handed to :func:`ibis.connect` (``duckdb://``, ``postgres://`` …).

    On DuckDB, ``memory_limit`` (e.g. ``"4GiB"``; ``None`` keeps DuckDB's 80 % of RAM) caps the
    engine's memory, and what does not fit spills to ``temp_directory``: by default the folder
    ``<workspace file>.tmp`` next to the file (``.tmp`` in the current folder for ``:memory:``).

    When another process holds the file (an import), opening waits up to ``lock_wait`` seconds,
    calling ``on_wait`` once with a sentence that says for whom it waits.
    """
    target = str(path_or_url) if path_or_url is not None else DEFAULT_PATH
    try:
        if is_spark_master(target):
            con = _spark(target)
        elif "://" in target:
            con = ibis.connect(target)
        else:
            if target != ":memory:":
                parent = Path(target).expanduser().parent
                if not parent.exists():
                    raise WorkspaceError(f"cannot create workspace {target}: {parent} is missing")
            con = _connect_when_free(target, lock_wait, on_wait)
    except WorkspaceError:
        raise
    except Exception as exc:  # the backends raise many kinds; one clear message for all
        raise WorkspaceError(f"cannot open workspace {target}: {exc}") from exc
    if con.name == "duckdb":
        _limit_memory(con, target, memory_limit, temp_directory)
    workspace = Workspace(con, location=target)
    workspace.ensure_schema()
    return workspace


SPARK_MASTER = re.compile(r"^(local(\[(\d+|\*)\])?|(spark|yarn|k8s)://.+|yarn)$")
"""A Spark master URL: ``local[N]``, ``spark://host:7077``, ``yarn``, ``k8s://…``."""


def is_spark_master(target: str) -> bool:
    """Whether ``target`` names a Spark master rather than a file or a database URL."""
    return SPARK_MASTER.match(target) is not None


def _spark(master: str) -> Any:
    """An Ibis connection to a Spark session on ``master``, with a catalog that persists.

    Spark's default in-memory catalog forgets every table when the process ends, while the
    files stay in the warehouse folder, so the next ``crmroi`` command could neither see nor
    re-create them. The session therefore keeps its catalog in a Hive metastore (Derby, in
    ``./metastore_db``) and its tables in ``./spark-warehouse``, both in the current folder
    unless ``spark-defaults.conf`` or ``SPARK_CONF_DIR`` say otherwise. Times are UTC.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise WorkspaceError(
            f"a Spark workspace needs pyspark: pip install 'crmroi[spark]' ({exc})"
        ) from exc
    session = (
        SparkSession.builder.master(master)
        .appName("crmroi")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")
        .enableHiveSupport()
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(session)


def _connect_when_free(target: str, lock_wait: float, on_wait: Callable[[str], None] | None) -> Any:
    """Connect to the DuckDB file, retrying while another process holds its lock."""
    deadline = time.monotonic() + lock_wait
    delay, announced = 0.05, False
    while True:
        try:
            return ibis.duckdb.connect(target)
        except Exception as exc:
            holder = _LOCK_HOLDER.search(str(exc))
            if holder is None:
                raise
            # Said at the first conflict, even when a slow first attempt already used up the
            # wait: the user learns why the command paused before it gives up.
            if on_wait is not None and not announced and lock_wait > 0:
                on_wait(
                    f"{target} is in use by another process (PID {holder.group(1)}), e.g. an "
                    f"import; waiting up to {lock_wait:g} s for it to finish …"
                )
                announced = True
            if time.monotonic() + delay > deadline:
                raise WorkspaceError(
                    f"{target} is in use by another process (PID {holder.group(1)}), e.g. an "
                    f"import; gave up after {lock_wait:g} s: try again when it has finished"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def _limit_memory(
    con: Any, target: str, memory_limit: str | None, temp_directory: str | Path | None
) -> None:
    """Apply the memory cap and the spill folder to a DuckDB connection."""
    settings: dict[str, str] = {}
    if memory_limit is not None:
        settings["memory_limit"] = memory_limit
    if temp_directory is not None:
        settings["temp_directory"] = str(temp_directory)
    elif "://" not in target and target != ":memory:":
        settings["temp_directory"] = f"{Path(target).expanduser()}.tmp"
    for name, value in settings.items():
        try:
            con.con.execute(f"SET {name} = ?", [value])
        except Exception as exc:  # DuckDB's parser and invalid-input errors alike
            con.disconnect()
            raise WorkspaceError(
                f"cannot open workspace {target}: {name} {value!r}: {exc}"
            ) from exc
