"""`crmroi mmm`: incremental outcome and ROI of channels known only by their weekly spend.

Reads the workspace (``channel_spend`` and the weekly outcome counted from deals or contacts)
unless both files are given.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crmroi.cli.context import workspace
from crmroi.cli.output import OutputFormat, emit, print_json, say

if TYPE_CHECKING:
    import pandas as pd

    from crmroi.mmm.weekly import WeeklyInputs

TABLE_COLUMNS = (
    "channel", "spend", "incremental", "incremental_low", "incremental_high", "roas", "roas_low",
    "roas_high",
)  # fmt: skip
MONEY_COLUMNS = ("incremental_revenue", "roas", "roas_low", "roas_high")
"""With a count outcome (leads, deals): the channel's revenue and its ROAS in money."""


def mmm(
    ctx: typer.Context,
    spend: Annotated[
        Path | None,
        typer.Option(
            "--spend",
            help="CSV of weekly spend: week then one column per channel, or week,channel,spend "
            "(default: the workspace's channel_spend).",
        ),
    ] = None,
    outcome: Annotated[
        Path | None,
        typer.Option(
            "--outcome",
            help="CSV of the weekly outcome: week, value (default: counted in the workspace).",
        ),
    ] = None,
    measure: Annotated[
        str,
        typer.Option("--measure", help="Workspace outcome: revenue (won), deals (won) or leads."),
    ] = "leads",
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
    from crmroi.mmm.weekly import fit_weekly

    if (spend is None) != (outcome is None):
        raise InputError("give both --spend and --outcome, or neither to read the workspace")
    if spend and outcome:
        table, weekly = _files(spend, outcome)
        try:
            result = fit_mmm(table, weekly, bootstrap=bootstrap, seed=seed).to_dict()
        except ValueError as exc:
            raise InputError(str(exc), file=str(spend)) from exc
    else:
        inputs = _workspace(ctx, measure)
        weekly = inputs.outcome
        fitted = fit_weekly(inputs, bootstrap=bootstrap, seed=seed)
        result = fitted.to_dict(None if measure == "revenue" else inputs.value_per_unit)
    if fmt is OutputFormat.json:
        print_json(result)
        return
    rows = result["channels"]
    assert isinstance(rows, list)
    if fmt is OutputFormat.csv:
        emit(rows, fmt)
        return
    value = result.get("value_per_unit")
    columns = TABLE_COLUMNS if value is None else (*TABLE_COLUMNS[:5], *MONEY_COLUMNS)
    emit(
        [{k: r[k] for k in columns} for r in rows],
        fmt,
        title=f"{weekly.name} per channel: incremental and ROAS with 95 % intervals "
        f"({bootstrap} bootstrap replicates)",
    )
    one = {"leads": "a lead", "deals": "a won deal"}.get(str(weekly.name), "one")
    worth = "" if value is None else f"; {one} is worth {value:,.2f} of won revenue"
    say(
        f"{result['weeks']} weeks, R² {result['r2']:.3f}; baseline (what no spend at all "
        f"would leave): {result['baseline']:,.0f}; ROI = ROAS − 1{worth}"
    )


def _files(spend: Path, outcome: Path) -> tuple[pd.DataFrame, pd.Series]:
    from crmroi.mmm.io import aligned, read_outcome, read_spend

    weekly = read_outcome(outcome)
    return aligned(read_spend(spend), weekly, outcome), weekly


def _workspace(ctx: typer.Context, measure: str) -> WeeklyInputs:
    from crmroi.config import load_config
    from crmroi.errors import InputError
    from crmroi.mmm.weekly import MEASURES, weekly_inputs
    from crmroi.roi.fx import FxRates, reporting_currency

    if measure not in MEASURES:
        raise InputError(f"unknown --measure {measure!r}; choose one of {', '.join(MEASURES)}")
    settings = load_config().roi_settings()
    with workspace(ctx) as ws:
        currency = reporting_currency(
            settings.currency, ws.table("channel_spend"), ws.table("deals")
        )
        fx = FxRates(currency, settings.fx_rates)
        inputs = weekly_inputs(ws, measure, fx)
    return inputs


def register(app: typer.Typer) -> None:
    """Add `mmm` to the app."""
    app.command("mmm")(mmm)
