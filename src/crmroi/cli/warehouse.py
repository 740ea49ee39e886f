"""`crmroi warehouse FILE`: read existing warehouse tables through canonical views."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmroi.cli.context import workspace
from crmroi.cli.output import say


def warehouse(
    ctx: typer.Context,
    mapping: Annotated[
        Path,
        typer.Argument(help="Warehouse mapping (TOML): per canonical table its source table."),
    ],
) -> None:
    """Map existing warehouse tables onto the canonical tables, as views (no import)."""
    from crmroi.warehouse import map_tables, read_mapping

    sources = read_mapping(mapping)
    with workspace(ctx) as ws:
        for done in map_tables(ws, sources):
            nulls = f"; empty: {', '.join(done.columns_null)}" if done.columns_null else ""
            say(
                f"{done.table} ← {done.relation}: {done.rows:,} rows, "
                f"{done.columns_mapped} columns mapped{nulls}"
            )


def register(app: typer.Typer) -> None:
    """Add `warehouse` to the app."""
    app.command("warehouse")(warehouse)
