"""Import files whose columns already carry canonical field names (CSV or Parquet).

This is the contract every other importer lands in. The table comes from ``--table`` or from the
file name (``deals.csv``, ``deals-2024.parquet``). CSV is read by Arrow's streaming reader with
every column as text, so the engine decides types and can quote the offending raw value; Parquet
keeps its types. Rows arrive in batches, so memory stays bounded whatever the file's size.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from crmroi.errors import InputError, UnknownTableError
from crmroi.ingest.load import ROW, load_batches
from crmroi.ingest.result import LoadResult, RowRejection
from crmroi.schema import USER_TABLES
from crmroi.workspace import Workspace

BATCH_BYTES = 16 << 20
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


class _MalformedRowsError(Exception):
    """Arrow skipped malformed lines: re-read on the exact path so row numbers stay true."""


def read_csv_batches(path: Path, names: list[str]) -> Iterator[pa.RecordBatch]:
    """Stream a well-formed canonical CSV as text batches with ``_row`` (Arrow, multi-threaded).

    Arrow cannot say which data row a malformed line was when values hold newlines, so on the
    first malformed line this raises ``_MalformedRowsError`` and the caller switches to
    :func:`read_csv_batches_exact`.
    """
    malformed: list[int] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        malformed.append(1)
        return "skip"

    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=BATCH_BYTES, encoding="utf-8"),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    first = 1
    for batch in reader:
        if malformed:
            raise _MalformedRowsError
        yield _with_rows(batch.rename_columns(names), first)
        first += batch.num_rows
    if malformed:
        raise _MalformedRowsError
    if first == 1:  # header only: an empty batch still tells the loader the columns
        yield _exact_batch(names, [[] for _ in names], [])


def read_csv_batches_exact(
    path: Path, names: list[str], rejected: list[RowRejection]
) -> Iterator[pa.RecordBatch]:
    """Stream a CSV with Python's reader, which knows every row's number; slow, exact."""
    width = len(names)
    columns: list[list[str | None]] = [[] for _ in names]
    rows: list[int] = []
    emitted = False
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for number, record in enumerate(reader, start=1):
            if len(record) != width:
                rejected.append(
                    RowRejection(
                        row_number=number,
                        column=None,
                        reason=f"expected {width} fields, found {len(record)}",
                        raw=json.dumps(record, ensure_ascii=False),
                    )
                )
                continue
            for values, value in zip(columns, record, strict=True):
                values.append(value if value != "" else None)
            rows.append(number)
            if len(rows) >= PARQUET_BATCH_ROWS:
                yield _exact_batch(names, columns, rows)
                columns, rows, emitted = [[] for _ in names], [], True
    if rows or not emitted:
        yield _exact_batch(names, columns, rows)


def _exact_batch(
    names: list[str], columns: list[list[str | None]], rows: list[int]
) -> pa.RecordBatch:
    arrays = [pa.array(values, pa.string()) for values in columns]
    arrays.append(pa.array(rows, pa.int64()))
    return pa.RecordBatch.from_arrays(arrays, names=[*names, ROW])


def read_parquet_batches(path: Path) -> Iterator[pa.RecordBatch]:
    """Stream a Parquet file in batches, adding ``_row``."""
    parquet = pq.ParquetFile(path)
    first = 1
    for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
        yield _with_rows(batch, first)
        first += batch.num_rows
    if first == 1:  # no rows: an empty batch still tells the loader the columns
        yield _with_rows(pa.RecordBatch.from_pylist([], schema=parquet.schema_arrow), 1)


def import_file(
    ws: Workspace, path: str | Path, *, table: str | None = None, source: str = "canonical"
) -> LoadResult:
    """Load one canonical CSV/Parquet file into its table; see :func:`load_batches`."""
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

    def load(batches: Iterable[pa.RecordBatch], rejected: list[RowRejection]) -> LoadResult:
        return load_batches(
            ws,
            table_name,
            batches,
            file=str(path),
            source=source,
            sha256=checksum,
            rejected=rejected,
        )

    try:
        if suffix == ".parquet":
            return load(read_parquet_batches(path), [])
        names = _csv_header(path)
        _check_header(path, names)
        try:
            return load(read_csv_batches(path, names), [])
        except _MalformedRowsError:
            rejected: list[RowRejection] = []
            return load(read_csv_batches_exact(path, names, rejected), rejected)
    except pa.ArrowInvalid as exc:
        raise InputError(f"cannot parse the file: {exc}", file=str(path)) from None
