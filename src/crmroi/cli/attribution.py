"""`crmroi attribution`: which channels, campaigns and workflows brought in the revenue."""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from crmroi.cli.context import workspace
from crmroi.cli.output import OutputFormat, console, emit, literal, print_json, say

if TYPE_CHECKING:  # the models (pandas, SciPy) load when the command runs, not for its --help
    from crmroi.attribution import AttributionResult

ROW_FIELDS = ("channel", "parent", "conversions", "revenue", "share", "share_low", "share_high")


class Level(StrEnum):
    """--level choices."""

    channel = "channel"
    campaign = "campaign"
    workflow = "workflow"


class Conversions(StrEnum):
    """--conversions choices."""

    deals = "deals"
    orders = "orders"


def _rows(result: AttributionResult, model: str) -> list[dict[str, Any]]:
    columns = result.columns(model)
    return [
        dict(zip(ROW_FIELDS, row, strict=True))
        for row in zip(*(columns[f] for f in ROW_FIELDS), strict=True)
    ]


def _table(rows: list[dict[str, Any]], *, title: str) -> Table:
    """Shares as percentages with their interval, children under their parent, largest first.

    Six figures a row in their natural units stay readable on an 80-column terminal, where the
    raw fields (seven, in 4 significant digits) were cut off.
    """
    nested = any(row["parent"] for row in rows)
    parent_share: dict[Any, float] = {}
    for row in rows:
        parent_share[row["parent"]] = parent_share.get(row["parent"], 0.0) + row["share"]
    rows = sorted(rows, key=lambda r: (-parent_share[r["parent"]], r["parent"] or "", -r["share"]))
    table = Table(title=literal(title), box=box.SIMPLE_HEAD, pad_edge=False)
    for name in (*(("parent",) if nested else ()), "name"):
        table.add_column(name, no_wrap=True, overflow="ellipsis", max_width=24)
    for name in ("conv.", "revenue", "share", "95 % interval"):
        table.add_column(name, justify="right", no_wrap=True)
    for row in rows:
        low, high = row["share_low"], row["share_high"]
        interval = "—" if math.isnan(low) or math.isnan(high) else f"{low:.1%}–{high:.1%}"
        cells: list[Text | str] = [
            literal(row["channel"]),
            f"{row['conversions']:,.1f}",
            f"{row['revenue']:,.0f}",
            f"{row['share']:.1%}",
            interval,
        ]
        table.add_row(*([literal(row["parent"] or "")] if nested else []), *cells)
    return table


def render(result: AttributionResult, fmt: OutputFormat) -> None:
    """Print every model's table in the chosen format."""
    if fmt is OutputFormat.json:
        payload: dict[str, Any] = {"models": {m: _rows(result, m) for m in result.models}}
        if result.notes:
            payload["notes"] = list(result.notes)
        print_json(payload)
        return
    if fmt is OutputFormat.csv:
        emit([{"model": m, **r} for m in result.models for r in _rows(result, m)], fmt)
        return
    for model in result.models:
        console.print(_table(_rows(result, model), title=f"{model} ({result.level})"))
    if result.bootstrap:
        say(f"intervals: 95 % bootstrap, {result.bootstrap} replicates, sampling noise only")
    for note in result.notes:
        say(f"note: {note}")


def attribution(
    ctx: typer.Context,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help="Model id (repeatable); default data_driven."),
    ] = None,
    level: Annotated[Level, typer.Option("--level", help="channel, campaign or workflow.")] = (
        Level.channel
    ),
    conversions: Annotated[
        Conversions, typer.Option("--conversions", help="deals (won) or orders.")
    ] = Conversions.deals,
    lookback_days: Annotated[
        int, typer.Option("--lookback-days", min=1, help="Touches up to N days before.")
    ] = 90,
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", min=0, help="Bootstrap replicates (0: none).")
    ] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the bootstrap.")] = 0,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, json or csv.")] = (
        OutputFormat.table
    ),
    credits_csv: Annotated[
        Path | None,
        typer.Option("--credits-csv", help="Write per-deal credits as CampaignInfluence CSV."),
    ] = None,
    paths: Annotated[
        Path | None,
        typer.Option(
            "--paths",
            help="Aggregated path file (path;total_conversions;total_conversion_value;"
            "total_null) instead of the workspace.",
        ),
    ] = None,
) -> None:
    """Credit revenue to channels, campaigns or workflows, with bootstrap intervals."""
    from crmroi.attribution import attribute, attribute_journeys, campaign_influence, read_paths

    models = tuple(model or ("data_driven",))
    if paths is not None:
        result = attribute_journeys(
            read_paths(paths), models=models, bootstrap=bootstrap, seed=seed
        )
    else:
        with workspace(ctx) as ws:
            result = attribute(
                ws,
                models=models,
                level=level.value,
                conversions=conversions.value,
                lookback_days=lookback_days,
                bootstrap=bootstrap,
                seed=seed,
            )
    render(result, fmt)
    if credits_csv is not None:
        import pandas as pd

        frames = [campaign_influence(result.credits(m), m) for m in result.models]
        pd.concat(frames, ignore_index=True).to_csv(credits_csv, index=False)


def register(app: typer.Typer) -> None:
    """Add `attribution` to the app."""
    app.command("attribution")(attribution)
