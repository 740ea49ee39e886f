"""`crmroi import`: load files into the workspace and reconcile every row."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from crmroi.cli.context import workspace
from crmroi.cli.output import OutputFormat, console, print_json
from crmroi.cli.progress import progress_bar
from crmroi.errors import CrmroiError, InputError
from crmroi.ingest import LoadResult, import_file


def _files(paths: list[Path]) -> list[Path]:
    """Expand folders into the CSV/Parquet files they hold, in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.suffix.lower() in {".csv", ".parquet"})
            )
        else:
            files.append(path)
    return files


def reconciliation_table(results: list[LoadResult]) -> Table:
    """Rows read, loaded and quarantined per file: the counts always add up."""
    table = Table(title="import reconciliation")
    for name in ("file", "table", "read", "loaded", "quarantined", ""):
        table.add_column(
            name, justify="right" if name in {"read", "loaded", "quarantined"} else "left"
        )
    for r in results:
        note = "unchanged (already imported)" if r.unchanged else ""
        table.add_row(
            Path(r.file).name,
            r.table,
            f"{r.rows_read:,}",
            f"{r.rows_loaded:,}",
            f"[yellow]{r.rows_quarantined:,}[/]" if r.rows_quarantined else "0",
            note,
        )
    return table


def import_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Files or folders to import.")],
    table: Annotated[
        str | None,
        typer.Option("--table", "-t", help="Target table (default: from the file name)."),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = (
        OutputFormat.table
    ),
) -> None:
    """Import canonical CSV/Parquet files; bad rows go to quarantine with their reason."""
    paths = _files(files)
    if not paths:
        raise InputError("no CSV or Parquet files found in " + ", ".join(map(str, files)))
    results: list[LoadResult] = []
    failures: list[str] = []
    with (
        workspace(ctx) as ws,
        progress_bar(len(paths), "importing", quiet=fmt is not OutputFormat.table) as step,
    ):
        for path in paths:
            try:
                results.append(import_file(ws, path, table=table))
            except CrmroiError as exc:
                failures.append(str(exc))
            step(path.name)
    if fmt is OutputFormat.json:
        print_json({"files": [r.as_dict() for r in results], "errors": failures})
    elif results:
        console.print(reconciliation_table(results))
        for r in results:
            for problem in r.problems:
                where = f"row {problem.row_number:,}" + (
                    f", column `{problem.column}`" if problem.column else ""
                )
                console.print(f"  [yellow]{Path(r.file).name}, {where}:[/] {problem.reason}")
            if r.rows_quarantined > len(r.problems):
                console.print(f"  … see `crmroi quarantine` for all {r.rows_quarantined:,} rows")
    if failures:
        for failure in failures:
            console.print(f"[bold red]error:[/] {failure}", highlight=False)
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add `import` to the app."""
    app.command("import")(import_command)
