"""`crmroi mmm`: incremental outcome and ROI of channels known only by their weekly spend."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmroi.cli.output import OutputFormat, emit, print_json, say

TABLE_COLUMNS = (
    "channel", "spend", "incremental", "incremental_low", "incremental_high", "roas", "roas_low",
    "roas_high",
)  # fmt: skip


def mmm(
    spend: Annotated[
        Path,
        typer.Option(
            "--spend",
            help="CSV of weekly spend: week then one column per channel, or week,channel,spend.",
        ),
    ],
    outcome: Annotated[
        Path, typer.Option("--outcome", help="CSV of the weekly outcome: week, value.")
    ],
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", min=0, help="Bootstrap replicates for the intervals.")
    ] = 500,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table, json or csv.")
    ] = OutputFormat.table,
) -> None:
    """Marketing-mix model: incremental outcome and ROI of spend-only channels, with intervals."""
    from crmroi.errors import InputError
    from crmroi.mmm.fit import fit_mmm
    from crmroi.mmm.io import aligned, read_outcome, read_spend

    weekly = read_outcome(outcome)
    table = aligned(read_spend(spend), weekly, outcome)
    try:
        result = fit_mmm(table, weekly, bootstrap=bootstrap, seed=seed).to_dict()
    except ValueError as exc:
        raise InputError(str(exc), file=str(spend)) from exc
    if fmt is OutputFormat.json:
        print_json(result)
        return
    rows = result["channels"]
    assert isinstance(rows, list)
    if fmt is OutputFormat.csv:
        emit(rows, fmt)
        return
    emit(
        [{k: r[k] for k in TABLE_COLUMNS} for r in rows],
        fmt,
        title=f"{weekly.name} per channel: incremental and ROAS with 95 % intervals "
        f"({bootstrap} bootstrap replicates)",
    )
    say(
        f"{result['weeks']} weeks, R² {result['r2']:.3f}; baseline (what no spend at all "
        f"would leave): {result['baseline']:,.0f}; ROI = ROAS − 1"
    )


def register(app: typer.Typer) -> None:
    """Add `mmm` to the app."""
    app.command("mmm")(mmm)
