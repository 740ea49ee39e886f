"""Whitespace-aligned text (fixed-width logs such as CDNOW's) streamed as Arrow batches.

Such files separate values by runs of blanks, pad lines with leading blanks and know no quoting,
so every line splits on its own: no sniffing beyond the encoding, and a line with more or fewer
values than the header is quarantined with its raw values instead of being padded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from crmroi.ingest.delimited import BATCH_ROWS, is_trailer, make_batch, width_rejection
from crmroi.ingest.layout import Layout
from crmroi.ingest.result import RowRejection


def whitespace_batches(
    path: Path, layout: Layout, rejected: list[RowRejection], *, data_only: bool = True
) -> Iterator[pa.RecordBatch]:
    """Stream the data lines as text batches with ``_row``, numbering non-blank lines from 1."""
    header = layout.header
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in header]
    rows: list[int] = []
    number = 0
    with path.open(encoding=layout.encoding, errors="replace") as handle:
        for _ in range(layout.skip_lines + layout.header_rows):
            handle.readline()
        for line in handle:
            record = line.split()
            if not record:
                continue  # blank lines are not rows, as in the delimited readers
            number += 1
            if data_only and is_trailer(record, width):
                continue
            if len(record) != width:
                rejected.append(width_rejection(number, record, width))
                continue
            for values, value in zip(columns, record, strict=True):
                values.append(value)
            rows.append(number)
            if len(rows) >= BATCH_ROWS:
                yield make_batch(header, columns, rows)
                columns, rows = [[] for _ in header], []
    if rows:
        yield make_batch(header, columns, rows)
