"""`crmroi roi`: does the CRM pay for itself? TCO, revenue on three bases, ROI, payback, NPV."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from crmroi.cli.context import workspace
from crmroi.cli.output import OutputFormat, console, print_json, print_table, say


class BasisChoice(StrEnum):
    """--basis choices."""

    touched = "touched"
    attributed = "attributed"
    incremental = "incremental"


def roi(
    ctx: typer.Context,
    basis: Annotated[
        BasisChoice | None,
        typer.Option(help="Revenue basis of the headline ROI (default: incremental)."),
    ] = None,
    horizon_months: Annotated[
        int | None,
        typer.Option(min=1, help="Window length in months (default: through the last won deal)."),
    ] = None,
    discount_rate: Annotated[
        float | None, typer.Option(help="Yearly discount rate for NPV, e.g. 0.1.")
    ] = None,
    margin: Annotated[
        float | None, typer.Option(help="Gross margin applied to revenue (0–1).")
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table, json or csv.")
    ] = OutputFormat.table,
) -> None:
    """ROI of the CRM on touched, attributed and incremental revenue, side by side."""
    from crmroi.config import load_config
    from crmroi.roi import analyse

    settings = (
        load_config()
        .roi_settings()
        .with_overrides(
            basis=basis.value if basis else None,
            horizon_months=horizon_months,
            discount_rate=discount_rate,
            margin=margin,
        )
    )
    with workspace(ctx) as ws:
        result = analyse(ws, settings).to_dict()
    if fmt is OutputFormat.json:
        print_json(result)
        return
    rows = _basis_rows(result)
    if fmt is OutputFormat.csv:
        from crmroi.cli.output import print_csv

        print_csv(rows)
        return
    _print_tables(result, rows)


def _basis_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "basis": name,
            "method": b.get("method"),
            "revenue": b.get("revenue"),
            "gross_profit": b.get("gross_profit"),
            "total_cost": result["total_cost"],
            "roi_pct": b.get("roi_pct"),
            "payback_months": b.get("payback_months"),
            "npv": b.get("npv"),
            "irr": b.get("irr"),
            "note": b.get("reason") or b.get("roi_pct_reason") or "",
        }
        for name, b in result["bases"].items()
    ]


def _print_tables(result: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    cur = result["currency"]
    period = result["period"]
    console.print(
        f"CRM ROI, {period['start']} to {period['end']} ({period['months']} months), "
        f"adoption {result['adoption_date']}, {cur}; headline basis: [bold]{result['basis']}[/]"
    )
    print_table(rows, title="Revenue through the CRM, three ways")
    head = {
        "roi_pct": result["roi_pct"],
        "roi_pct_low": result["roi_pct_low"],
        "roi_pct_high": result["roi_pct_high"],
        "prob_roi_positive": result["prob_roi_positive"],
        "payback_months": result["payback_months"],
        "npv": result["npv"],
        "irr": result["irr"],
        "nucleus_roi_pct": result["nucleus_roi_pct"],
    }
    print_table([head], title=f"Headline ({result['basis']})")
    costs = [{"category": k, "cost": v} for k, v in result["cost_by_category"].items() if v]
    print_table(costs, title=f"Total cost of ownership: {result['total_cost']:,.0f} {cur}")
    if result["campaigns"]:
        print_table(result["campaigns"], title="Campaigns")
    if result["workflows"]:
        print_table(result["workflows"], title="Workflows")
    for note in result["notes"]:
        say(f"note: {note}")


def register(app: typer.Typer) -> None:
    """Add `roi` to the app."""
    app.command("roi")(roi)
