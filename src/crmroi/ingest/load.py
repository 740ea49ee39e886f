"""Validate staged rows in the engine and load them atomically: the contract every importer uses.

Readers (canonical files, vendor presets, custom mappings) hand over Arrow record batches whose
columns carry canonical names, plus a ``_row`` column with each row's 1-based data-row number in
the source file; a plain canonical CSV is instead read by the engine's own CSV reader, in file
order (see :func:`load_staged`). Either way the rows are typed into a temporary table, which the
engine spills to disk when it outgrows the workspace's memory limit, so Python never holds more
than one batch. Every check runs in the engine:

1. a required field is empty,
2. a value does not cast to the column's type (``TRY_CAST`` gives NULL for a non-NULL input),
3. a value is not one of the column's allowed choices,
4. the row repeats a key seen on an earlier row of the same file.

The first pass types the rows and runs the row checks (1-3) in the same query, keeping only the
typed values and the number of the first check each row fails; repeated keys (4) are then found
on it. A clean file, the usual case, loads straight from that table. Only a file with a failing
row pays for a second pass, which types the rows again beside the raw text its rejects quote.

Rows that pass are upserted on the table's key (so a later, overlapping export updates rows
instead of duplicating them); rows that fail go to ``quarantine`` with their raw values and the
first reason found. Both writes and the ``imports`` record happen in one transaction (on Spark,
the workspace's undo log), so a failed load leaves nothing half written.

An import's identity is what decides its rows: the file's checksum, the target table, and the
recipe (the mapping's content with the values its lookups resolved to; ``canonical`` for a file
loaded as it is). An import whose identity was already loaded is skipped and reported
``unchanged`` (saying so when the same content came under another name); any other import loads,
and says how many existing rows it replaced and why it re-loaded a file loaded before (another
recipe, or ``force``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from crmroi.errors import InputError
from crmroi.ingest.checks import ROW as ROW
from crmroi.ingest.checks import RULE, checked_rows, duplicates, rejected_rows, typed_rows
from crmroi.ingest.result import LoadResult, MappingNotes, RowRejection
from crmroi.schema import Table
from crmroi.schema import table as canonical_table
from crmroi.workspace import Workspace

PROBLEMS_SHOWN = 5
IDENTITY_VERSION = "1"
"""Part of every identity: bumped when the loader starts producing different rows from the same
inputs, so that files loaded by an older version are loaded again."""

Stager = Callable[[str], ir.Table]
"""Given a free temporary table name, returns the rows to load: a table it staged under that name,
with ``_row``, or a relation that yields the file's rows in order, without ``_row``."""


def load_batches(
    ws: Workspace,
    table_name: str,
    batches: Iterable[pa.RecordBatch],
    *,
    file: str,
    source: str,
    sha256: str,
    rejected: Sequence[RowRejection] = (),
    recipe: str = "canonical",
    force: bool = False,
    optional: frozenset[str] = frozenset(),
    notes: MappingNotes | None = None,
    delimiter: str | None = None,
) -> LoadResult:
    """Stage, validate and load ``batches`` into ``table_name``; see the module docstring."""
    spec = canonical_table(table_name)
    return load_staged(
        ws,
        table_name,
        lambda staging: stage_batches(ws, spec, batches, staging, file),
        file=file,
        source=source,
        sha256=sha256,
        rejected=rejected,
        recipe=recipe,
        force=force,
        optional=optional,
        notes=notes,
        delimiter=delimiter,
    )


def import_identity(sha256: str, table_name: str, recipe: str) -> str:
    """The checksum of everything that decides an import's rows (see the module docstring)."""
    text = "\x1f".join((IDENTITY_VERSION, sha256, table_name, recipe))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_staged(
    ws: Workspace,
    table_name: str,
    stage: Stager,
    *,
    file: str,
    source: str,
    sha256: str,
    rejected: Sequence[RowRejection] = (),
    recipe: str = "canonical",
    force: bool = False,
    optional: frozenset[str] = frozenset(),
    notes: MappingNotes | None = None,
    delimiter: str | None = None,
) -> LoadResult:
    """Stage with ``stage``, validate and load into ``table_name``; see the module docstring.

    ``rejected`` holds the rows the reader refused and ``notes`` what the mapping counted while
    converting (fallbacks taken, lookups missed); both are read after staging, so a reader may
    still be filling them while ``stage`` runs. ``optional`` names required fields whose mapping
    keeps a row with the value unknown (a ``fallback = "unknown"`` date): empty is no reason there.
    ``delimiter`` is a text file's field delimiter (None otherwise), for the stray-quote check.
    ``force`` loads even when the same identity was loaded before.
    """
    spec = _relaxed(canonical_table(table_name), optional)
    identity = import_identity(sha256, spec.name, recipe)
    if not force:
        previous = _previous_import(ws, spec.name, identity, file)
        if previous is not None:
            return previous
    reloaded = "forced" if force else _why_reloaded(ws, spec.name, sha256)
    import_id = uuid.uuid4().hex[:12]
    kinds = ("staging", "checked", "typed", "duplicates", "rejects")
    names = [f"_{k}_{import_id}" for k in kinds]
    staging, checked, _, repeated_name, _ = names
    record = ImportRecord(import_id, source, file, sha256, identity)
    try:
        raw = stage(staging)
        columns = [c for c in raw.columns if c != ROW]
        # First pass: typed and checked row by row, materialised without the raw text. A clean
        # file (the usual case) loads straight from it; only a file with a bad row or a repeated
        # key pays for the second pass, which keeps the raw text its rejects quote.
        ws.scratch(checked, checked_rows(raw, spec, columns, delimiter))
        table = _numbered(ws.con.table(checked))
        # Repeated keys are few: found once (a window over the key and row number only), they
        # are joined to the rows that have them, instead of windowing over every column.
        ws.scratch(repeated_name, duplicates(table, spec))
        repeats = ws.con.table(repeated_name)
        counts = {"read": int(table.count().execute()), "bad": 0}
        failing = table.filter(table[RULE].notnull()).limit(1).count().execute()
        if int(failing) == 0 and int(repeats.count().execute()) == 0:
            ws.con.drop_table(staging, force=True)
            good = _canonical_columns(table, spec)
            result = _commit(ws, spec, good, None, counts, record, rejected)
        else:
            ws.con.drop_table(checked, force=True)
            result = _second_pass(
                ws, spec, raw, columns, repeats, names, record, rejected, delimiter
            )
        notes = notes or MappingNotes()
        return replace(
            result,
            reloaded=reloaded,
            fallbacks=tuple(sorted(notes.fallbacks.items())),
            lookups_missed=tuple(sorted(notes.lookups_missed.items())),
        )
    finally:
        for name in names:
            ws.con.drop_table(name, force=True)


def _numbered(table: ir.Table) -> ir.Table:
    """``table`` with ``_row``: rows staged in file order are numbered by their row id."""
    return table if ROW in table.columns else table.mutate(**{ROW: table.rowid() + 1})


def _canonical_columns(rows: ir.Table, spec: Table) -> ir.Table:
    """The table's columns in its order, NULL where the file lacks one."""
    return rows.select(
        **{
            c.name: rows[c.name] if c.name in rows.columns else ibis.null(c.dtype)
            for c in spec.columns
        }
    )


def _second_pass(
    ws: Workspace,
    spec: Table,
    raw: ir.Table,
    columns: list[str],
    repeats: ir.Table,
    names: list[str],
    record: ImportRecord,
    rejected: Sequence[RowRejection],
    delimiter: str | None,
) -> LoadResult:
    """Type the rows again keeping their raw text, quarantine the failing ones, load the rest."""
    staging, _, typed_name, _, rejects = names
    # Typed once and materialised: the checks, the duplicate search and the insert all read
    # these values, and DuckDB would otherwise recompute them inside every check that a
    # filter pushes down into the scan. The staged text is not needed afterwards.
    ws.scratch(typed_name, typed_rows(raw, spec, columns))
    ws.con.drop_table(staging, force=True)
    table = _numbered(ws.con.table(typed_name))
    has_repeats = int(repeats.count().execute()) > 0
    # Rejected rows are materialised once, already in the quarantine's shape: counting them,
    # writing them and leaving them out of the good rows then need no second check pass.
    quarantined = rejected_rows(
        table,
        spec,
        columns,
        repeats if has_repeats else None,
        record.import_id,
        record.file,
        delimiter,
    )
    ws.scratch(rejects, quarantined)
    bad = ws.con.table(rejects)
    counts = {"read": int(table.count().execute()), "bad": int(bad.count().execute())}
    good = table if counts["bad"] == 0 else table.anti_join(bad, table[ROW] == bad.row_number)
    return _commit(ws, spec, _canonical_columns(good, spec), bad, counts, record, rejected)


def _relaxed(spec: Table, optional: frozenset[str]) -> Table:
    """``spec`` with the ``optional`` fields no longer required."""
    if not optional:
        return spec
    columns = tuple(replace(c, required=False) if c.name in optional else c for c in spec.columns)
    return replace(spec, columns=columns)


def _previous_import(ws: Workspace, table_name: str, identity: str, file: str) -> LoadResult | None:
    imports = ws.con.table("imports")
    rows = (
        imports.filter((imports.identity == identity) & (imports.table_name == table_name))
        .order_by(imports.at.desc())
        .limit(1)
        .execute()
    )
    if rows.empty:
        return None
    row = rows.iloc[0]
    earlier = str(row["file"])
    return LoadResult(
        file=file,
        table=table_name,
        source=str(row["source"]),
        import_id=str(row["import_id"]),
        rows_read=int(row["rows_read"]),
        rows_loaded=int(row["rows_loaded"]),
        rows_quarantined=int(row["rows_quarantined"]),
        unchanged=True,
        same_as=None if earlier == file else earlier,
    )


def _why_reloaded(ws: Workspace, table_name: str, sha256: str) -> str | None:
    """Why the same file is loaded into the same table again, if it was loaded before.

    Its identity differs, so its recipe does: another mapping, other lookup values, or a file
    loaded by a crmroi that did not record identities yet.
    """
    imports = ws.con.table("imports")
    earlier = imports.filter((imports.sha256 == sha256) & (imports.table_name == table_name))
    counts = earlier.aggregate(n=earlier.count(), known=earlier.identity.count()).execute()
    if int(counts["n"].iloc[0]) == 0:
        return None
    if int(counts["known"].iloc[0]) == 0:
        return "loaded before by a crmroi that did not record how"
    return "the mapping or its lookups changed"


def stage_batches(
    ws: Workspace, spec: Table, batches: Iterable[pa.RecordBatch], staging: str, file: str
) -> ir.Table:
    """Append every batch to the staging table ``staging``; return its rows."""
    created = False
    for batch in batches:
        if not created:
            check_columns(spec, batch.schema.names, file)
        append_batch(ws, staging, batch, create=not created)
        created = True
    if not created:
        raise InputError("the file has no header row", file=file)
    return ws.con.table(staging)


def append_batch(ws: Workspace, staging: str, batch: pa.RecordBatch, *, create: bool) -> None:
    """Create or extend the staging table with one batch, then let go of the batch.

    Ibis registers an Arrow table with DuckDB as a view and drops it only when the process
    exits, so every batch of a big file stayed in memory (2.0 GB for 482 MB of CSV).
    """
    data = ibis.memtable(pa.Table.from_batches([batch]))
    try:
        if create:
            ws.scratch(staging, data)
        else:
            ws.con.insert(staging, data)
    finally:
        if ws.backend_name == "duckdb":
            ws.con.drop_view(data.get_name(), force=True)


def check_columns(spec: Table, names: Sequence[str], file: str) -> None:
    """Refuse columns the table lacks and missing required ones, naming the first of them."""
    if ROW not in names:
        raise AssertionError("readers must add the _row column")
    present = [n for n in names if n != ROW]
    unknown = [n for n in present if n not in spec.column_names]
    if unknown:
        raise InputError(
            f"column(s) {', '.join(map(repr, unknown))} are not fields of table {spec.name!r} "
            f"(its fields: {', '.join(spec.column_names)}); map them with --map or drop them",
            file=file,
            column=unknown[0],
        )
    derived = {spec.key} if spec.natural_key else set()
    missing = [c for c in spec.required if c not in present and c not in derived]
    if missing:
        raise InputError(
            f"required column(s) {', '.join(map(repr, missing))} of table {spec.name!r} "
            "are missing",
            file=file,
            column=missing[0],
        )


@dataclass(frozen=True)
class ImportRecord:
    """What the ``imports`` table records about one run besides its counts."""

    import_id: str
    source: str
    file: str
    sha256: str
    identity: str


def _commit(
    ws: Workspace,
    spec: Table,
    good: ir.Table,
    bad: ir.Table | None,
    counts: dict[str, int],
    record: ImportRecord,
    rejected: Sequence[RowRejection],
) -> LoadResult:
    read = counts["read"] + len(rejected)
    quarantined = counts["bad"] + len(rejected)
    target = ws.con.table(spec.name)
    empty = int(target.limit(1).count().execute()) == 0
    replaced = 0 if empty else _existing_keys(good, target, spec.key)
    with ws.transaction():
        if empty:  # nothing to update: a plain insert is the same and much cheaper than MERGE
            ws.insert(spec.name, good)
        else:
            ws.upsert(spec.name, good, spec.key)
        if bad is not None and counts["bad"]:
            ws.insert("quarantine", bad)
        if rejected:
            ws.insert("quarantine", _rejections_table(rejected, record.import_id, record.file))
        ws.insert("imports", _import_row(record, spec, read, quarantined))
    problems = _first_problems(ws, record.import_id)
    return LoadResult(
        file=record.file,
        table=spec.name,
        source=record.source,
        import_id=record.import_id,
        rows_read=read,
        rows_loaded=read - quarantined,
        rows_quarantined=quarantined,
        rows_replaced=replaced,
        problems=problems,
    )


def _existing_keys(good: ir.Table, target: ir.Table, key: str) -> int:
    """How many of the rows to load replace a row already in the table (same key)."""
    keys = target.select(_existing=target[key])
    return int(good.semi_join(keys, good[key] == keys._existing).count().execute())


def _rejections_table(rejected: Sequence[RowRejection], import_id: str, file: str) -> pa.Table:
    return pa.table(
        {
            "quarantine_id": [f"{import_id}:{r.row_number}" for r in rejected],
            "import_id": [import_id] * len(rejected),
            "file": [file] * len(rejected),
            "row_number": pa.array([r.row_number for r in rejected], pa.int64()),
            "column": [r.column for r in rejected],
            "reason": [r.reason for r in rejected],
            "raw": [r.raw for r in rejected],
        }
    )


def _import_row(record: ImportRecord, spec: Table, read: int, bad: int) -> pa.Table:
    return pa.table(
        {
            "import_id": [record.import_id],
            "source": [record.source],
            "file": [record.file],
            "table_name": [spec.name],
            "sha256": [record.sha256],
            "rows_read": pa.array([read], pa.int64()),
            "rows_loaded": pa.array([read - bad], pa.int64()),
            "rows_quarantined": pa.array([bad], pa.int64()),
            "at": pa.array([datetime.now(UTC).replace(tzinfo=None)], pa.timestamp("us")),
            "identity": [record.identity],
        }
    )


def _first_problems(ws: Workspace, import_id: str) -> tuple[RowRejection, ...]:
    q = ws.con.table("quarantine")
    rows = q.filter(q.import_id == import_id).order_by(q.row_number).limit(PROBLEMS_SHOWN).execute()
    return tuple(
        RowRejection(
            row_number=int(r.row_number),
            column=None if r.column is None else str(r.column),
            reason=str(r.reason),
            raw=str(r.raw),
        )
        for r in rows.itertuples()
    )
