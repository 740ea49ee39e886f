"""Import files whose columns already carry canonical field names (CSV or Parquet).

This is the contract every other importer lands in. The table comes from ``--table`` or from the
file name (``deals.csv``, ``deals-2024.parquet``). CSV is read by Arrow's streaming reader with
every column as text, so the engine decides types and can quote the offending raw value; Parquet
keeps its types. Rows arrive in batches, so memory stays bounded whatever the file's size.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from crmroi.errors import InputError, UnknownTableError
from crmroi.ingest.delimited import arrow_batches, make_batch
from crmroi.ingest.layout import Layout
from crmroi.ingest.load import ROW, load_batches
from crmroi.ingest.result import LoadResult, RowRejection
from crmroi.schema import USER_TABLES
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
        yield make_batch(layout.header, [[] for _ in names], [])


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
        rejected: list[RowRejection] = []
        return load(read_csv_batches(path, names, rejected), rejected)
    except pa.ArrowInvalid as exc:
        raise InputError(f"cannot parse the file: {exc}", file=str(path)) from None
