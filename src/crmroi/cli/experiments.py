"""`crmroi experiments`: every campaign and workflow against its control group, on one outcome."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from crmroi.cli.context import workspace
from crmroi.cli.output import OutputFormat, emit, say


class Outcome(StrEnum):
    """--outcome choices (crmroi.impact.experiments.OUTCOMES)."""

    visits = "visits"
    conversions = "conversions"
    orders = "orders"
    spend = "spend"
    deals = "deals"
    revenue = "revenue"


class Segment(StrEnum):
    """--segment choices (crmroi.impact.experiments.SEGMENTS)."""

    arm = "arm"
    source = "source"
    lifecycle_stage = "lifecycle_stage"
    segment = "segment"
    region = "region"
    industry = "industry"
    country = "country"


TABLE_COLUMNS = (
    "unit", "segment", "treated", "control", "treated_value", "control_value", "lift", "low",
    "high", "p_value", "incremental", "left_out", "reason",
)  # fmt: skip


def experiments(
    ctx: typer.Context,
    outcome: Annotated[
        Outcome, typer.Option("--outcome", help="What each member is measured on.")
    ] = Outcome.revenue,
    segment: Annotated[
        Segment | None,
        typer.Option(
            "--segment",
            help="arm: each treated arm (member status) vs the whole control group; a contact "
            "or account column: both groups split by it.",
        ),
    ] = None,
    window: Annotated[
        int | None,
        typer.Option(
            "--window",
            min=0,
            help="Conversion window in days (default: conversion_window_days of the roi "
            "section of crmroi.toml, 180).",
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table, json or csv.")
    ] = OutputFormat.table,
) -> None:
    """Campaigns and workflows against their control groups on any outcome, with intervals."""
    from crmroi.config import load_config
    from crmroi.impact.experiments import experiments as run
    from crmroi.roi.fx import FxRates, distinct_currencies

    config = load_config()
    settings = config.roi_settings()
    days = settings.conversion_window_days if window is None else window
    with workspace(ctx) as ws:
        # money is shown in the data's own currency when it has one and none is configured
        found_codes = {
            str(c).strip().upper()
            for name in ("deals", "orders")
            for c in distinct_currencies(ws.table(name))
            if c and str(c).strip()
        }
        own = found_codes.pop() if len(found_codes) == 1 else None
        fx = FxRates(config.roi.currency or own or config.company.currency, settings.fx_rates)
        found = run(
            ws, fx, outcome.value, window_days=days, segment=segment.value if segment else None
        )
    rows: list[dict[str, Any]] = [e.to_dict() for e in found]
    if fmt is not OutputFormat.table:
        emit(rows, fmt)
        return
    if not rows:
        say(
            "No campaign with a control group (campaign_members.is_control) and no workflow with a "
            "holdout (workflow_enrollments.holdout): import them with crmroi import."
        )
        return
    kind = rows[0]["kind"]
    # columns with nothing to say in any row (no reason, nobody left out) are not printed
    shown = [k for k in TABLE_COLUMNS if any(r[k] not in (None, 0) for r in rows)]
    emit(
        [{k: r[k] for k in shown} for r in rows],
        fmt,
        title=f"{outcome.value} ({'share of members' if kind == 'rate' else 'per member'}), "
        f"{days}-day window, from {rows[0]['source']}; low/high: 95 % interval of the lift",
    )


def register(app: typer.Typer) -> None:
    """Add `experiments` to the app."""
    app.command("experiments")(experiments)
