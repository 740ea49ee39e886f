"""Whitespace-aligned text (fixed-width logs such as CDNOW's) streamed as Arrow batches.

Such files separate values by runs of blanks, pad lines with leading blanks and know no quoting,
so every line splits on its own: no sniffing beyond the encoding, and a line with more or fewer
values than the header is quarantined with its raw values instead of being padded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from crmroi.ingest.delimited import RowBatcher, is_trailer, width_rejection
from crmroi.ingest.layout import Layout
from crmroi.ingest.result import RowRejection


def whitespace_batches(
    path: Path, layout: Layout, rejected: list[RowRejection], *, data_only: bool = True
) -> Iterator[pa.RecordBatch]:
    """Stream the data lines as text batches with ``_row``, numbering non-blank lines from 1."""
    width = len(layout.header)
    batcher = RowBatcher(layout.header)
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
            batch = batcher.add(number, record)
            if batch is not None:
                yield batch
    last = batcher.flush()
    if last is not None:
        yield last
