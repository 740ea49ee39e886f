"""Read any export (CSV/TSV, XLSX/XLS, Parquet, JSON/NDJSON) as Arrow batches with its own names.

A reader knows nothing about canonical tables: it yields record batches whose columns carry the
source's own headers (text for text formats, native types for Parquet/JSON) plus ``_row``, the
1-based data-row number in the file, and it drops rows that are not data (blank rows, Salesforce's
"Grand Totals"/"Confidential Information"/"Copyright" trailers, GA4 "Grand total" rows). Rows it
cannot split into the header's columns become :class:`RowRejection` s, never silent nulls.

Delimited text is read by :mod:`crmroi.ingest.delimited`; spreadsheets through python-calamine
(once :mod:`crmroi.ingest.bounds` has bounded the grid an XLSX claims),
Parquet and NDJSON in Arrow batches (nested records flattened to ``a.b`` columns). Batches are
bounded, so memory is too (a JSON array, e.g. an API dump, is parsed whole).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pajson
import pyarrow.parquet as pq

from crmroi.errors import InputError
from crmroi.ingest.aligned import whitespace_batches
from crmroi.ingest.bounds import check_workbook
from crmroi.ingest.delimited import (
    BATCH_ROWS,
    BLOCK_BYTES,
    RowBatcher,
    Section,
    arrow_batches,
    exact_batches,
    is_blank,
    is_comment,
    is_trailer,
    scan_sections,
    width_rejection,
)
from crmroi.ingest.encoding import detect_encoding
from crmroi.ingest.layout import Layout, clean_header, merge_header, sniff_layout, two_row_header
from crmroi.ingest.load import ROW
from crmroi.ingest.mapping import FileSpec
from crmroi.ingest.result import RowRejection

__all__ = ["ROW", "Section", "SourceFile", "open_source", "parquet_batches", "parquet_file"]

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
JSON_SUFFIXES = {".json", ".ndjson", ".jsonl"}
PARQUET_SUFFIXES = {".parquet", ".pq"}


@dataclass
class SourceFile:
    """An export opened for reading: its format, encoding, layout and tables."""

    path: Path
    kind: str
    encoding: str | None = None
    layout: Layout | None = None
    sections: list[Section] = field(default_factory=list)

    @property
    def preamble(self) -> dict[str, str]:
        """The ``# Key: value`` lines before the table, as constant columns named ``# Key``."""
        return dict(self.layout.preamble) if self.layout is not None else {}

    def batches(
        self, section: Section, rejected: list[RowRejection] | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Stream the section as batches with ``_row``; malformed rows go to ``rejected``."""
        sink: list[RowRejection] = [] if rejected is None else rejected
        for batch in self._batches(section, sink):
            for name, value in self.preamble.items():
                batch = batch.append_column(name, pa.repeat(pa.scalar(value), batch.num_rows))
            yield batch

    def _batches(self, section: Section, sink: list[RowRejection]) -> Iterator[pa.RecordBatch]:
        if self.kind == "csv":
            assert self.layout is not None
            if self.layout.whitespace:
                yield from whitespace_batches(self.path, self.layout, sink)
            elif self.layout.commented or self.layout.skip_lines or self.layout.skip_records:
                yield from exact_batches(self.path, self.layout, section, sink)
            else:
                yield from arrow_batches(self.path, self.layout, sink)
        elif self.kind == "excel":
            yield from _excel_batches(self.path, section, sink)
        elif self.kind == "parquet":
            yield from _numbered(_flat(b) for b in parquet_batches(self.path))
        else:
            yield from _numbered(_json_batches(self.path))


def open_source(path: Path, file: FileSpec | None = None) -> SourceFile:
    """Open ``path`` by its suffix, detect its encoding and layout, and list its tables.

    ``file`` (a mapping's ``[file]`` table) fixes the delimiter or names the columns of a text
    file without a header row.
    """
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        check_workbook(path)
        return SourceFile(path, "excel", sections=[Section(0, _excel_header(path))])
    if suffix in PARQUET_SUFFIXES:
        schema = _flat_schema(parquet_file(path).schema_arrow)
        return SourceFile(path, "parquet", sections=[Section(0, tuple(schema.names))])
    if suffix in JSON_SUFFIXES:
        first = next(_json_batches(path), None)
        names = tuple(first.schema.names) if first is not None else ()
        return SourceFile(path, "json", sections=[Section(0, names)])
    if suffix not in TEXT_SUFFIXES and suffix:
        raise InputError(
            f"cannot read {suffix!r} files: give CSV/TSV, XLSX/XLS, Parquet or JSON/NDJSON",
            file=str(path),
        )
    encoding = detect_encoding(path)
    spec = file or FileSpec()
    layout = sniff_layout(path, encoding, delimiter=spec.delimiter, names=spec.names)
    sections = scan_sections(path, layout) if layout.commented else [Section(0, layout.header)]
    return SourceFile(path, "csv", encoding=encoding, layout=layout, sections=sections)


# -- spreadsheets ---------------------------------------------------------------------------
def _cell(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value.total_seconds())
    return str(value)


def _sheet_rows(path: Path) -> Iterator[list[str | None]]:
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            if sheet.height:
                for row in sheet.iter_rows():
                    yield [_cell(v) for v in row]
                return
    except (OSError, ValueError) as exc:  # calamine raises its own errors as ValueError subclasses
        raise InputError(f"cannot read the workbook: {exc}", file=str(path)) from None
    except Exception as exc:
        if type(exc).__module__.startswith("python_calamine"):
            raise InputError(f"cannot read the workbook: {exc}", file=str(path)) from None
        raise


def _excel_start(rows: Iterator[list[str | None]]) -> tuple[list[str], int, int]:
    """Header names, header row count and rows consumed before the data."""
    consumed = 0
    for row in rows:
        consumed += 1
        cells = [c or "" for c in row]
        if is_blank(cells) or is_comment(cells):
            continue
        second = next(rows, None)
        consumed += 1
        if second is not None and len(cells) > 1:
            sub = [c or "" for c in second]
            if two_row_header(cells, sub):
                return merge_header(cells, sub), 2, consumed
        return cells, 1, consumed - 1
    return [], 1, consumed


def _excel_header(path: Path) -> tuple[str, ...]:
    names, _, _ = _excel_start(_sheet_rows(path))
    if not names:
        raise InputError("the workbook's first sheet is empty", file=str(path))
    while names and not names[-1].strip():
        names.pop()
    return clean_header(names)


def _excel_batches(
    path: Path, section: Section, rejected: list[RowRejection]
) -> Iterator[pa.RecordBatch]:
    rows = _sheet_rows(path)
    _, _, consumed = _excel_start(rows)
    rows = _sheet_rows(path)
    for _ in range(consumed):
        next(rows, None)
    width = len(section.header)
    batcher = RowBatcher(section.header)
    for number, row in enumerate(rows, start=1):
        cells = [c or "" for c in row]
        if is_blank(cells) or is_trailer(cells, width):
            continue
        if any(c for c in cells[width:]):
            rejected.append(width_rejection(number, cells, width))
            continue
        batch = batcher.add(number, (row + [None] * width)[:width])
        if batch is not None:
            yield batch
    last = batcher.flush()
    if last is not None:
        yield last


# -- Parquet and JSON -------------------------------------------------------------------------
def parquet_file(path: Path) -> pq.ParquetFile:
    """Open a Parquet file; a corrupt or truncated one is an :class:`InputError`."""
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        message = f"not a readable Parquet file: {_first_line(exc)}"
        raise InputError(message, file=str(path)) from None


def parquet_batches(path: Path, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """The file's batches; damage found while reading them is an :class:`InputError` too."""
    reader = parquet_file(path)
    try:
        yield from reader.iter_batches(batch_rows)
    except (pa.ArrowException, OSError) as exc:
        message = f"the Parquet file is damaged: {_first_line(exc)}"
        raise InputError(message, file=str(path)) from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= 200 else line[:200] + "…"


def _flat_schema(schema: pa.Schema) -> pa.Schema:
    return _flatten_table(schema.empty_table()).schema


def _flatten_table(table: pa.Table) -> pa.Table:
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    return table


def _flat(batch: pa.RecordBatch) -> pa.RecordBatch:
    table = _flatten_table(pa.Table.from_batches([batch])).combine_chunks()
    batches = table.to_batches()
    return batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)


def _numbered(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    done = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        yield batch.append_column(
            ROW, pa.array(range(done + 1, done + 1 + batch.num_rows), pa.int64())
        )
        done += batch.num_rows


def _json_batches(path: Path) -> Iterator[pa.RecordBatch]:
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    try:
        if head.startswith(b"["):
            # A JSON array (API dumps such as Delighted's) must be parsed whole.
            records = json.loads(path.read_text(encoding="utf-8-sig"))
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                raise InputError("expected a JSON array of objects", file=str(path))
            table = _flatten_table(pa.Table.from_pylist(records))
            yield from table.to_batches(max_chunksize=BATCH_ROWS)
            return
        reader = pajson.open_json(path, read_options=pajson.ReadOptions(block_size=BLOCK_BYTES))
        for batch in reader:
            yield _flat(batch)
    except (pa.ArrowInvalid, pa.ArrowTypeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot parse the JSON: {exc}", file=str(path)) from None
