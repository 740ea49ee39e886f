"""`crmroi clv`: fit BG/NBD + Gamma-Gamma and show expected purchases and lifetime value."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmroi.cli.context import workspace
from crmroi.cli.output import OutputFormat, emit, print_json
from crmroi.engagement.clv import ClvReport, analyse_clv
from crmroi.engagement.purchases import Customer
from crmroi.engagement.summary import TimeUnit, purchase_summary, read_summary_csv


def _render(report: ClvReport, fmt: OutputFormat, top: int) -> None:
    if fmt is OutputFormat.json:
        print_json(report.as_dict(top=top))
        return
    params = [
        {"model": "bgnbd", "parameter": k, "value": v}
        for k, v in report.fit.bgnbd.as_dict().items()
    ]
    if report.fit.gamma_gamma is not None:
        params += [
            {"model": "gamma_gamma", "parameter": k, "value": v}
            for k, v in report.fit.gamma_gamma.as_dict().items()
        ]
    emit(params, fmt, title="fitted parameters")
    totals = {
        "customers": report.fit.n_customers,
        "repeat customers": report.fit.n_repeat,
        "horizon": f"{report.horizon:g} {report.time_unit.value}s",
        "discount rate per unit": report.discount_rate,
        **report.totals(),
    }
    emit([{"measure": k, "value": v} for k, v in totals.items()], fmt, title="CLV summary")
    emit(report.top_customers(top), fmt, title=f"top {top} customers")
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)


def clv(
    ctx: typer.Context,
    time_unit: Annotated[
        TimeUnit, typer.Option("--time-unit", help="Unit of recency, T and the horizon.")
    ] = TimeUnit.week,
    horizon: Annotated[
        float | None,
        typer.Option("--horizon", help="Forecast horizon in time units (default: one year)."),
    ] = None,
    discount_rate: Annotated[
        float | None,
        typer.Option(
            "--discount-rate",
            help="Discount rate per time unit (default: 1 %/month converted to the unit).",
        ),
    ] = None,
    customer: Annotated[
        Customer, typer.Option("--customer", help="Customer column of orders.")
    ] = Customer.account,
    observation_end: Annotated[
        str | None,
        typer.Option("--observation-end", help="Last day of observation (default: last order)."),
    ] = None,
    from_summary: Annotated[
        Path | None,
        typer.Option(
            "--from-summary",
            help="Fit a frequency/recency/T(/monetary_value) CSV instead of the workspace.",
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Customers to list.")] = 10,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, json or csv.")] = (
        OutputFormat.table
    ),
) -> None:
    """Probabilistic CLV: BG/NBD (purchases, P(alive)) and Gamma-Gamma (spend), discounted."""
    if from_summary is not None:
        summary = read_summary_csv(str(from_summary))
    else:
        with workspace(ctx) as ws:
            summary = purchase_summary(
                ws, customer=customer, time_unit=time_unit, observation_end=observation_end
            )
    report = analyse_clv(summary, time_unit=time_unit, horizon=horizon, discount_rate=discount_rate)
    _render(report, fmt, top)


def register(app: typer.Typer) -> None:
    """Add `clv` to the app."""
    app.command("clv")(clv)
