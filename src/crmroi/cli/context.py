"""Global options of one `crmroi` invocation, shared by every command module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the engine loads when a command opens the workspace, not at start-up
    from crmroi.workspace import Workspace


@dataclass(frozen=True)
class Settings:
    """Options given before the command."""

    workspace: str
    """A DuckDB file path or a backend URL (kept as text: a URL is not a path)."""


def settings(ctx: typer.Context) -> Settings:
    """The global options of this invocation."""
    obj = ctx.find_root().obj
    if not isinstance(obj, Settings):  # a command module called without the app callback
        return Settings(workspace="crmroi.duckdb")
    return obj


def workspace(ctx: typer.Context) -> Workspace:
    """Open the workspace named by ``--workspace`` / ``CRMROI_WORKSPACE``.

    The engine's memory cap, spill folder and lock wait come from ``[workspace]`` in
    ``./crmroi.toml``; waiting for another process's import is said once on stderr. The
    file's ``[targets]`` are written into the workspace first (docs/targets.md).
    """
    from crmroi.config import load_config
    from crmroi.targets.sync import sync as sync_targets
    from crmroi.workspace import open_workspace

    config = load_config()
    options = config.workspace.open_options()
    ws = open_workspace(
        settings(ctx).workspace, **options, on_wait=lambda note: typer.echo(note, err=True)
    )
    for unfinished in ws.recovered:  # what a killed Spark import left (crmroi.undo.recover)
        typer.echo(f"{ws.location}: {unfinished.describe()}", err=True)
    try:  # [targets] of crmroi.toml into the targets table (crmroi.targets.sync)
        sync_targets(ws, config.targets, config.path, config.kpis.fiscal_year_start_month)
    except BaseException:
        ws.close()
        raise
    return ws
