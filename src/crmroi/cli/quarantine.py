"""`crmroi quarantine`: show or export rejected rows, with file, row, column and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import typer

from crmroi.cli.context import workspace
from crmroi.cli.output import OutputFormat, emit, say

COLUMNS = ("file", "row_number", "column", "reason", "raw")


def quarantine_command(
    ctx: typer.Context,
    export: Annotated[
        Path | None,
        typer.Option("--export", help="Write every quarantined row to this CSV or Parquet file."),
    ] = None,
    file: Annotated[
        str | None, typer.Option("--file", help="Only rows of files whose path contains this.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows to show (not export).")] = 50,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, json or csv.")] = (
        OutputFormat.table
    ),
) -> None:
    """List rejected input rows; fix them in the source file and import it again."""
    with workspace(ctx) as ws:
        q = ws.table("quarantine")
        if file:
            q = q.filter(q.file.contains(file))
        q = q.order_by([q.file, q.row_number]).select(*COLUMNS)
        total = int(q.count().execute())
        if export is not None:
            rows = q.to_pyarrow()
            if export.suffix.lower() == ".parquet":
                pq.write_table(rows, export)
            else:
                pacsv.write_csv(rows, export)
            say(f"wrote {total:,} quarantined rows to {export}")
            return
        shown = q.limit(limit).execute().to_dict("records")
    emit(shown, fmt, title=f"quarantine ({total:,} rows)")
    if fmt is OutputFormat.table and total > len(shown):
        say(f"… {total - len(shown):,} more: --limit or --export FILE")


def register(app: typer.Typer) -> None:
    """Add `quarantine` to the app."""
    app.command("quarantine")(quarantine_command)
