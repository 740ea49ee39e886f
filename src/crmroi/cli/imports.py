"""`crmroi import`: load files into the workspace and reconcile every row."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from crmroi.cli.context import workspace
from crmroi.cli.output import OutputFormat, console, literal, print_json, say
from crmroi.cli.progress import progress_bar
from crmroi.errors import CrmroiError, InputError

if TYPE_CHECKING:  # the readers (Arrow, Ibis) load when the command runs, not for its --help
    from crmroi.ingest import LoadResult
    from crmroi.ingest.exports import ExportResult
    from crmroi.ingest.relations import Dangling


def _files(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand folders into their data files (name order) and the files skipped, with why."""
    from crmroi.ingest.datafiles import folder_files

    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            data, other = folder_files(path)
            files.extend(data)
            skipped.extend(other)
        else:
            files.append(path)
    return files, skipped


def reconciliation_table(results: list[LoadResult]) -> Table:
    """Rows read, loaded and quarantined per file: the counts always add up.

    The note column flags files that loaded nothing (unchanged) or loaded again (re-loaded); the
    sentences under the table (:func:`_print_notes`) say why, and what else to know.
    """
    table = Table(title="import reconciliation")  # file names are data: literal cells only
    notes = any(r.unchanged or r.reloaded for r in results)
    for name in ("file", "table", "read", "loaded", "quarantined", "note")[: 5 + notes]:
        table.add_column(
            name, justify="right" if name in {"read", "loaded", "quarantined"} else "left"
        )
    for r in results:
        cells = [
            literal(Path(r.file).name),
            literal(r.table),
            literal(f"{r.rows_read:,}"),
            literal(f"{r.rows_loaded:,}"),
            literal(f"{r.rows_quarantined:,}", style="yellow" if r.rows_quarantined else None),
        ]
        if notes:
            cells.append(literal("unchanged" if r.unchanged else "re-loaded" if r.reloaded else ""))
        table.add_row(*cells)
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
    source: Annotated[
        str | None,
        typer.Option("--source", "-s", help="Force a preset (e.g. hubspot-deals)."),
    ] = None,
    map_file: Annotated[
        Path | None, typer.Option("--map", help="A mapping TOML file for any other export.")
    ] = None,
    suggest_map: Annotated[
        bool,
        typer.Option("--suggest-map", help="Print a draft mapping for the file; import nothing."),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Load again even a file already loaded the same way."),
    ] = False,
) -> None:
    """Import exports (CSV/TSV, XLSX, Parquet, JSON); bad rows go to quarantine with their reason.

    Canonical files load as they are; vendor exports through the preset their headers match
    best (or --source / --map). A file already loaded into the same table with the same
    mapping is skipped (`unchanged`); another mapping re-loads it and says what it replaced.
    """
    paths, skipped = _files(files)
    if not paths:
        raise InputError("no importable files found in " + ", ".join(map(str, files)))
    if suggest_map:
        _suggest(paths, table)
        return
    from crmroi.ingest.exports import import_any
    from crmroi.ingest.relations import dangling_references, link_contacts

    results: list[LoadResult] = []
    exports: list[ExportResult] = []
    dangling: list[Dangling] = []
    failures: list[str] = []
    with (
        workspace(ctx) as ws,
        progress_bar(len(paths), "importing", quiet=fmt is not OutputFormat.table) as step,
    ):
        for path in paths:
            try:
                found = import_any(
                    ws, path, table=table, source=source, mapping=map_file, force=force
                )
            except CrmroiError as exc:
                failures.append(str(exc))
            else:
                exports.extend(found)
                results.extend(e.result for e in found)
            step(path.name)
        if results:
            link_contacts(ws)  # email:<hash> references → the contact holding that address
            dangling = dangling_references(ws, {r.table for r in results})
    if fmt is OutputFormat.json:
        print_json(
            {
                "files": [e.as_dict() for e in exports],
                "dangling": [{"relation": d.relation, "rows": d.rows} for d in dangling],
                "skipped": [{"file": str(p), "reason": why} for p, why in skipped],
                "errors": failures,
            }
        )
    elif results:
        console.print(reconciliation_table(results))
        _print_sources(exports, dangling)
        _print_notes(results)
        _print_problems(results)
    _print_skipped(skipped, fmt)
    if failures:
        for failure in failures:
            say(f"error: {failure}", style="bold red", err=True)
        raise typer.Exit(2)


def _print_skipped(skipped: list[tuple[Path, str]], fmt: OutputFormat) -> None:
    """Files in a folder that are not data (truth.json beside `crmroi synth`'s tables)."""
    if fmt is not OutputFormat.json:
        for path, why in skipped:
            say(f"  skipped {path.name}: {why}")


def _suggest(paths: list[Path], table: str | None) -> None:
    """The draft TOML on stdout (for `> my.toml`); each field's confidence on stderr."""
    from crmroi.ingest.draft_toml import draft_summary, draft_toml
    from crmroi.ingest.suggest import draft_for_file

    for path in paths:
        draft = draft_for_file(path, table=table)
        console.file.write(draft_toml(draft, name=path.stem))
        typer.echo("\n".join(draft_summary(draft, file=path.name)), err=True)


def _print_notes(results: list[LoadResult]) -> None:
    """Why a file loaded nothing or loaded again, what it replaced, fallbacks and lookups."""
    for r in results:
        for note in r.notes():
            say(f"  {Path(r.file).name} → {r.table}: {note}")


def _print_problems(results: list[LoadResult]) -> None:
    for r in results:
        for problem in r.problems:
            where = f"row {problem.row_number:,}" + (
                f", column `{problem.column}`" if problem.column else ""
            )
            say(f"  {Path(r.file).name}, {where}: {problem.reason}")
        if r.rows_quarantined > len(r.problems):
            say(f"  … see `crmroi quarantine` for all {r.rows_quarantined:,} rows")


def _print_sources(exports: list[ExportResult], dangling: list[Dangling]) -> None:
    for e in exports:
        if e.mapping == "canonical":
            continue
        how = f"preset {e.mapping} (header match {e.score:.0%})" if e.score else e.mapping
        combined = (
            f"; {e.rows_combined:,} source rows combined into {e.result.rows_loaded:,}"
            if e.rows_combined is not None
            else ""
        )
        say(f"  {Path(e.result.file).name} → {e.result.table}: {how}{combined}")
    for d in dangling:
        say(
            f"  unresolved: {d.relation}: {d.rows:,} rows ({d.values:,} values) "
            "point at nothing yet"
        )


def register(app: typer.Typer) -> None:
    """Add `import` to the app."""
    app.command("import")(import_command)
