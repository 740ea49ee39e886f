"""Write a simulated company as canonical files (CSV or Parquet) beside ``truth.json``.

CSV follows the canonical import contract: UTF-8, a header with every schema column in schema
order, timestamps as ``YYYY-MM-DD HH:MM:SS`` (UTC, no zone), booleans ``true``/``false``, ``.``
as the decimal mark, and an empty field for null. Files are written by Arrow in fixed-size
batches, so writing the large size needs little memory beyond the tables themselves, and no
timestamp or metadata that changes between runs goes into a file: the same seed gives the same
bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from crmroi.errors import InputError
from crmroi.synth.company import SyntheticCompany

BATCH_ROWS = 500_000


def _arrow(frame: pd.DataFrame, *, text_timestamps: bool) -> pa.Table:
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_timestamp(column.type):
            column = column.cast(pa.timestamp("s"))
            if text_timestamps:
                column = pc.strftime(column, format="%Y-%m-%d %H:%M:%S")
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    first = _arrow(frame.iloc[:0], text_timestamps=True)
    with pacsv.CSVWriter(path, first.schema, write_options=options) as writer:
        for start in range(0, len(frame), BATCH_ROWS):
            chunk = _arrow(frame.iloc[start : start + BATCH_ROWS], text_timestamps=True)
            writer.write_table(chunk.cast(first.schema))


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    first = _arrow(frame.iloc[:0], text_timestamps=False)
    with pq.ParquetWriter(path, first.schema, compression="zstd") as writer:
        for start in range(0, max(len(frame), 1), BATCH_ROWS):
            chunk = _arrow(frame.iloc[start : start + BATCH_ROWS], text_timestamps=False)
            writer.write_table(chunk.cast(first.schema))


def write(
    company: SyntheticCompany, out_dir: Path, fmt: Literal["csv", "parquet"] = "csv"
) -> list[Path]:
    """Write ``<table>.csv`` or ``<table>.parquet`` per table and ``truth.json``; return paths."""
    if fmt not in ("csv", "parquet"):
        raise InputError(f"unknown format {fmt!r}; choose csv or parquet")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in company.tables.items():
        path = out_dir / f"{name}.{fmt}"
        (_write_csv if fmt == "csv" else _write_parquet)(frame, path)
        paths.append(path)
    truth = out_dir / "truth.json"
    truth.write_text(
        json.dumps(company.truth, indent=2, ensure_ascii=False, allow_nan=False) + "\n", "utf-8"
    )
    paths.append(truth)
    return paths
