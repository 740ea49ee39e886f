"""Import files whose columns already carry canonical field names (CSV or Parquet).

This is the contract every other importer lands in. The table comes from ``--table`` or from the
file name (``deals.csv``, ``deals-2024.parquet``). CSV columns are read as text, so the engine
decides types and can quote the offending raw value; Parquet keeps its types.

A CSV is first read by DuckDB's own parallel reader, in strict mode, straight into the loader's
typed table (about three times faster than handing Arrow batches over from Python); that table's
row ids are the data-row numbers, since the reader keeps the file's order. Any line that reader
refuses (wrong field count, stray quote, invalid UTF-8, an over-long line) sends the whole file
down the Arrow streaming path instead, which switches to the exact reader at a malformed line so
every row keeps its true number and the bad ones are quarantined. Either way memory stays bounded
whatever the file's size: DuckDB spills its tables to disk, Python holds at most one batch.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import ibis.expr.types as ir
import pyarrow as pa

from crmroi.errors import InputError, UnknownTableError
from crmroi.ingest.delimited import arrow_batches, empty_batch
from crmroi.ingest.layout import Layout
from crmroi.ingest.load import (
    ROW,
    check_columns,
    load_batches,
    load_staged,
    stage_batches,
)
from crmroi.ingest.readers import parquet_batches, parquet_file
from crmroi.ingest.result import LoadResult, RowRejection
from crmroi.schema import USER_TABLES
from crmroi.schema import table as canonical_table
from crmroi.workspace import Workspace

PARQUET_BATCH_ROWS = 256_000


def sha256_of(path: Path) -> str:
    """Checksum of the file's bytes, used to recognise a re-import of the same file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_table(path: Path) -> str:
    """The canonical table a file name points to: ``deals.csv`` or ``deals-2024.csv`` → deals."""
    stem = path.name.split(".")[0].lower()
    for name in sorted(USER_TABLES, key=len, reverse=True):
        if stem == name or re.match(rf"^{re.escape(name)}[-_ .]", stem):
            return name
    raise UnknownTableError(stem, USER_TABLES, file=str(path))


def _csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            return [name.strip() for name in next(csv.reader(handle))]
        except StopIteration:
            raise InputError("the file is empty", file=str(path)) from None
        except UnicodeDecodeError as exc:
            raise InputError(
                f"not UTF-8 ({exc.reason} at byte {exc.start}); canonical files must be UTF-8 — "
                "vendor exports in other encodings go through `crmroi import` presets",
                file=str(path),
            ) from None


def _check_header(path: Path, names: list[str]) -> None:
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise InputError(f"the header repeats column(s) {dupes}", file=str(path), column=dupes[0])


def _with_rows(batch: pa.RecordBatch, first: int) -> pa.RecordBatch:
    rows = pa.array(range(first, first + batch.num_rows), pa.int64())
    return batch.append_column(ROW, rows)


def read_csv_batches(
    path: Path, names: list[str], rejected: list[RowRejection]
) -> Iterator[pa.RecordBatch]:
    """Stream a canonical CSV as text batches with ``_row``; every row counts.

    The shared delimited reader does the work (Arrow, switching to the exact reader at a
    malformed line so row numbers stay true); canonical files are comma-separated UTF-8, and
    no row is dropped as a trailer or blank row, since each must be loaded or quarantined.
    """
    layout = Layout(
        encoding="utf-8-sig",
        delimiter=",",
        skip_lines=0,
        header=tuple(names),
        header_rows=1,
        commented=False,
    )
    first = True
    for batch in arrow_batches(path, layout, rejected, data_only=False):
        first = False
        yield batch
    if first:  # header only: an empty batch still tells the loader the columns
        yield empty_batch(layout.header)


def engine_csv_rows(ws: Workspace, path: Path, names: list[str], view: str) -> ir.Table:
    """A canonical CSV as DuckDB's reader sees it (a view: nothing is read yet), as text.

    The reader is strict (a line of the wrong width or with a stray quote is an error, not a
    guess) and reads quotes and nulls as Arrow does (``""`` and empty fields are NULL). The rows
    carry no ``_row``: the loader materialises them in file order and numbers them by row id.
    """
    return ws.con.read_csv(
        str(path),
        table_name=view,
        columns={name: "VARCHAR" for name in names},
        header=True,
        delim=",",
        quote='"',
        escape='"',
        strict_mode=True,
        null_padding=False,
        encoding="utf-8",
    )


def read_parquet_batches(path: Path) -> Iterator[pa.RecordBatch]:
    """Stream a Parquet file in batches, adding ``_row``."""
    parquet = parquet_file(path)
    first = 1
    for batch in parquet_batches(path, PARQUET_BATCH_ROWS):
        yield _with_rows(batch, first)
        first += batch.num_rows
    if first == 1:  # no rows: an empty batch still tells the loader the columns
        yield _with_rows(pa.RecordBatch.from_pylist([], schema=parquet.schema_arrow), 1)


def import_file(
    ws: Workspace,
    path: str | Path,
    *,
    table: str | None = None,
    source: str = "canonical",
    force: bool = False,
) -> LoadResult:
    """Load one canonical CSV/Parquet file into its table; see :func:`load_staged`."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    table_name = table or detect_table(path)
    if table_name not in USER_TABLES:
        raise UnknownTableError(table_name, USER_TABLES, file=str(path))
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".txt", ".parquet"}:
        raise InputError(f"canonical import reads .csv or .parquet, not {suffix!r}", file=str(path))
    checksum = sha256_of(path)
    try:
        if suffix == ".parquet":
            batches = read_parquet_batches(path)
            return load_batches(
                ws,
                table_name,
                batches,
                file=str(path),
                source=source,
                sha256=checksum,
                force=force,
            )
        names = _csv_header(path)
        _check_header(path, names)
        spec = canonical_table(table_name)
        check_columns(spec, [*names, ROW], str(path))
        load = functools.partial(
            load_staged,
            ws,
            table_name,
            file=str(path),
            source=source,
            sha256=checksum,
            force=force,
            delimiter=",",
        )
        # A one-column file is left to Arrow: DuckDB reads its blank lines as empty rows.
        if ws.backend_name == "duckdb" and len(names) > 1:
            view = f"_csv_{uuid.uuid4().hex[:12]}"
            rows = engine_csv_rows(ws, path, names, view)
            try:
                return load(lambda staging: rows)
            except duckdb.InvalidInputException:
                pass  # a line the strict reader refuses: read it the exact way below
            finally:
                ws.con.drop_view(view, force=True)
        rejected: list[RowRejection] = []
        batches = read_csv_batches(path, names, rejected)
        return load(
            lambda staging: stage_batches(ws, spec, batches, staging, str(path)), rejected=rejected
        )
    except pa.ArrowInvalid as exc:
        raise InputError(f"cannot parse the file: {exc}", file=str(path)) from None
