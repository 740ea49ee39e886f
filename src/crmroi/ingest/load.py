"""Validate staged rows in the engine and load them atomically: the contract every importer uses.

Readers (canonical files, vendor presets, custom mappings) hand over Arrow record batches whose
columns carry canonical names, plus a ``_row`` column with each row's 1-based data-row number in
the source file. The batches are staged into a temporary table, so memory stays bounded by one
batch; every check then runs as one Ibis expression in the engine:

1. a required field is empty,
2. a value does not cast to the column's type (``TRY_CAST`` gives NULL for a non-NULL input),
3. a value is not one of the column's allowed choices,
4. the row repeats a key seen on an earlier row of the same file.

Rows that pass are upserted on the table's key (so a later, overlapping export updates rows
instead of duplicating them); rows that fail go to ``quarantine`` with their raw values and the
first reason found. Both writes and the ``imports`` record happen in one transaction, so a failed
load leaves nothing half written. A file whose checksum was already loaded into the same table is
not loaded again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from crmroi.errors import InputError
from crmroi.ingest.result import LoadResult, RowRejection
from crmroi.schema import Column, Table
from crmroi.schema import table as canonical_table
from crmroi.workspace import Workspace

ROW = "_row"
PROBLEMS_SHOWN = 5


def load_batches(
    ws: Workspace,
    table_name: str,
    batches: Iterable[pa.RecordBatch],
    *,
    file: str,
    source: str,
    sha256: str,
    rejected: Sequence[RowRejection] = (),
) -> LoadResult:
    """Stage, validate and load ``batches`` into ``table_name``; see the module docstring."""
    spec = canonical_table(table_name)
    previous = _previous_import(ws, spec.name, sha256)
    if previous is not None:
        return previous
    import_id = uuid.uuid4().hex[:12]
    staging = f"_staging_{import_id}"
    checked_name = f"_checked_{import_id}"
    try:
        columns = _stage(ws, spec, batches, staging, file)
        # Materialised once: the counts, the good rows and the quarantine all read it, and the
        # duplicate-key window would otherwise run three times. Raw values are kept only for
        # rejected rows, so the copy is no bigger than the typed data.
        checked = _checked(ws.con.table(staging), spec, columns)
        slim = checked.drop(*(c for c in checked.columns if c.startswith("_raw_"))).mutate(
            _raw=ibis._._reason.notnull().ifelse(ibis._._raw, ibis.null("string"))
        )
        ws.con.create_table(checked_name, slim, temp=True)
        ws.con.drop_table(staging, force=True)
        checked = ws.con.table(checked_name)
        return _commit(ws, spec, checked, file, source, sha256, import_id, rejected)
    finally:
        ws.con.drop_table(staging, force=True)
        ws.con.drop_table(checked_name, force=True)


def _previous_import(ws: Workspace, table_name: str, sha256: str) -> LoadResult | None:
    imports = ws.con.table("imports")
    rows = (
        imports.filter((imports.sha256 == sha256) & (imports.table_name == table_name))
        .order_by(imports.at.desc())
        .limit(1)
        .execute()
    )
    if rows.empty:
        return None
    row = rows.iloc[0]
    return LoadResult(
        file=str(row["file"]),
        table=table_name,
        source=str(row["source"]),
        import_id=str(row["import_id"]),
        rows_read=int(row["rows_read"]),
        rows_loaded=int(row["rows_loaded"]),
        rows_quarantined=int(row["rows_quarantined"]),
        unchanged=True,
    )


def _stage(
    ws: Workspace, spec: Table, batches: Iterable[pa.RecordBatch], staging: str, file: str
) -> list[str]:
    """Append every batch to a staging table; return the canonical columns the file has."""
    columns: list[str] | None = None
    for batch in batches:
        if columns is None:
            columns = _check_columns(spec, batch.schema.names, file)
            ws.con.create_table(staging, pa.Table.from_batches([batch]), temp=True)
        else:
            ws.con.insert(staging, pa.Table.from_batches([batch]))
    if columns is None:
        raise InputError("the file has no header row", file=file)
    return columns


def _check_columns(spec: Table, names: Sequence[str], file: str) -> list[str]:
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
    return present


def _typed(raw: ir.Table, column: Column) -> ir.Value:
    value = raw[column.name]
    if column.dtype == "string":
        value = value.cast("string").strip()
        value = (value == "").ifelse(ibis.null("string"), value)
        return value.lower() if column.choices else value
    if raw.schema()[column.name].is_string():
        stripped = raw[column.name].strip()
        blank = (stripped == "").ifelse(ibis.null("string"), stripped)
        if column.dtype == "boolean":
            blank = blank.lower()
        return blank.try_cast(column.dtype)
    return value.cast(column.dtype)


def _checked(raw: ir.Table, spec: Table, columns: list[str]) -> ir.Table:
    """Add typed values, the derived key and the first rejection reason per row."""
    typed: dict[str, ir.Value] = {}
    for column in spec.columns:
        if column.name in columns:
            typed[column.name] = _typed(raw, column)
        else:
            typed[column.name] = ibis.null(column.dtype)
    if spec.natural_key:
        parts = [typed[name].cast("string").fill_null("") for name in spec.natural_key]
        derived = ibis.literal("|").join(parts)
        typed[spec.key] = typed[spec.key].fill_null(derived) if spec.key in columns else derived

    raw_json = ibis.struct({name: raw[name].cast("string") for name in columns}).cast("json")
    raw_text = {f"_raw_{name}": raw[name].cast("string") for name in columns}  # for messages
    table = raw.select(**{ROW: raw[ROW]}, **typed, **raw_text, _raw=raw_json.cast("string"))

    cases: list[tuple[ir.BooleanValue, ir.StringValue, ir.StringValue]] = [
        (
            table[column.name].isnull(),
            ibis.literal(column.name),
            ibis.literal(f"required field {column.name!r} is empty"),
        )
        for column in spec.columns
        if column.required
    ]
    for column in spec.columns:
        if column.name not in columns or column.dtype == "string":
            continue
        raw_value = table[f"_raw_{column.name}"]
        bad = table[column.name].isnull() & raw_value.notnull() & (raw_value.strip() != "")
        reason = "'" + raw_value + f"' is not a valid {_type_word(column.dtype)}"
        cases.append((bad, ibis.literal(column.name), reason))
    for column in spec.columns:
        if column.choices and column.name in columns:
            value = table[column.name]
            bad = value.notnull() & ~value.isin(column.choices)
            reason = "'" + value + f"' is not one of {', '.join(column.choices)}"
            cases.append((bad, ibis.literal(column.name), reason))

    window = ibis.window(group_by=table[spec.key], order_by=table[ROW])
    first_row = table[ROW].first().over(window)
    duplicate = table[spec.key].notnull() & (first_row != table[ROW])
    dup_reason = (
        "duplicate key '" + table[spec.key] + "' (first seen on row " + first_row.cast("string")
    ) + ")"
    cases.append((duplicate, ibis.literal(spec.key), dup_reason))

    column_expr = ibis.cases(*((cond, col) for cond, col, _ in cases), else_=ibis.null("string"))
    reason_expr = ibis.cases(*((cond, r) for cond, _, r in cases), else_=ibis.null("string"))
    return table.mutate(_column=column_expr, _reason=reason_expr)


def _type_word(dtype: str) -> str:
    return {
        "float64": "number",
        "int64": "whole number",
        "timestamp": "timestamp (expected YYYY-MM-DD[ HH:MM:SS], UTC)",
        "boolean": "boolean (expected true/false)",
    }.get(dtype, dtype)


def _commit(
    ws: Workspace,
    spec: Table,
    checked: ir.Table,
    file: str,
    source: str,
    sha256: str,
    import_id: str,
    rejected: Sequence[RowRejection],
) -> LoadResult:
    good = checked.filter(checked._reason.isnull()).select(*spec.column_names)
    bad = checked.filter(checked._reason.notnull())
    quarantine = bad.select(
        quarantine_id=ibis.literal(f"{import_id}:") + bad[ROW].cast("string"),
        import_id=ibis.literal(import_id),
        file=ibis.literal(file),
        row_number=bad[ROW].cast("int64"),
        column=bad._column,
        reason=bad._reason,
        raw=bad._raw,
    )
    counts = checked.aggregate(
        read=checked.count(), bad=checked._reason.notnull().sum().fill_null(0)
    ).execute()
    read = int(counts["read"].iloc[0]) + len(rejected)
    quarantined = int(counts["bad"].iloc[0]) + len(rejected)
    target = ws.con.table(spec.name)
    empty = int(target.limit(1).count().execute()) == 0
    with ws.transaction():
        if empty:  # nothing to update: a plain insert is the same and much cheaper than MERGE
            ws.con.insert(spec.name, good)
        else:
            ws.con.upsert(spec.name, good, on=spec.key)
        ws.con.insert("quarantine", quarantine)
        if rejected:
            ws.con.insert("quarantine", _rejections_table(rejected, import_id, file))
        record = _import_row(import_id, source, file, spec, sha256, read, quarantined)
        ws.con.insert("imports", record)
    problems = _first_problems(ws, import_id)
    return LoadResult(
        file=file,
        table=spec.name,
        source=source,
        import_id=import_id,
        rows_read=read,
        rows_loaded=read - quarantined,
        rows_quarantined=quarantined,
        problems=problems,
    )


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


def _import_row(
    import_id: str, source: str, file: str, spec: Table, sha256: str, read: int, bad: int
) -> pa.Table:
    return pa.table(
        {
            "import_id": [import_id],
            "source": [source],
            "file": [file],
            "table_name": [spec.name],
            "sha256": [sha256],
            "rows_read": pa.array([read], pa.int64()),
            "rows_loaded": pa.array([read - bad], pa.int64()),
            "rows_quarantined": pa.array([bad], pa.int64()),
            "at": pa.array([datetime.now(UTC).replace(tzinfo=None)], pa.timestamp("us")),
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
