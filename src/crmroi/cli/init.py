"""`crmroi init`: create (or upgrade) the workspace and show what it holds."""

from __future__ import annotations

import typer

from crmroi.cli.context import workspace
from crmroi.cli.output import say
from crmroi.schema import USER_TABLES


def init(ctx: typer.Context) -> None:
    """Create the workspace with every canonical table, or upgrade an older one."""
    with workspace(ctx) as ws:
        counts = {name: ws.count(name) for name in USER_TABLES}
        say(f"workspace {ws.location} (schema version {ws.schema_version()})")
        filled = {k: v for k, v in counts.items() if v}
        if filled:
            say(", ".join(f"{k}: {v:,}" for k, v in filled.items()))
        else:
            say("empty: `crmroi import FILE` or `crmroi demo` to fill it")


def register(app: typer.Typer) -> None:
    """Add `init` to the app."""
    app.command("init")(init)
