"""`crmroi roi`: does the CRM pay for itself? TCO, revenue on three bases, ROI, payback, NPV."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmroi.cli.context import workspace
from crmroi.cli.output import OutputFormat, print_json, print_table, say
from crmroi.errors import InputError

if TYPE_CHECKING:
    from crmroi.config import Config

ADOPTION_HELP = (
    "CRM go-live, YYYY-MM-DD (default: adoption_date in crmroi.toml, else the first seat's "
    "active_from, else the first licence cost line, else the first cost line)."
)


def adoption_day(value: str | None) -> datetime | None:
    """The ``--adoption-date`` value as midnight of that day; a clear error when it is no date."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--adoption-date {value!r} is not a date (expected YYYY-MM-DD)") from None
    return datetime(day.year, day.month, day.day)


def with_adoption_date(config: Config, value: str | None) -> Config:
    """``config`` with ``--adoption-date`` in force over the company's and the ROI's date."""
    day = adoption_day(value)
    if day is None:
        return config
    return replace(
        config,
        company=replace(config.company, adoption_date=day.date()),
        roi=replace(config.roi, adoption_date=day),
    )


class BasisChoice(StrEnum):
    """--basis choices."""

    auto = "auto"
    touched = "touched"
    attributed = "attributed"
    incremental = "incremental"


def roi(
    ctx: typer.Context,
    basis: Annotated[
        BasisChoice | None,
        typer.Option(
            help="Revenue basis of the headline ROI (default auto: the strongest the data "
            "supports — incremental, else attributed, else touched)."
        ),
    ] = None,
    adoption_date: Annotated[str | None, typer.Option(help=ADOPTION_HELP)] = None,
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
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Also print each incremental estimate's design, assumptions (one line each), "
            "checks (n, pre-trend p, placebo) and why the headline's was chosen.",
        ),
    ] = False,
) -> None:
    """ROI of the CRM on touched, attributed and incremental revenue, side by side."""
    from crmroi.config import load_config
    from crmroi.roi import analyse

    settings = (
        with_adoption_date(load_config(), adoption_date)
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
    if explain:
        from crmroi.impact.explain import explain_lines

        say("")
        say("Incremental revenue: how each estimate was made")
        for line in explain_lines(result["incremental_methods"], result["incremental_why"]):
            say(line)


def _basis_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, b in result["bases"].items():
        computed = b.get("revenue") is not None
        rows.append(
            {
                "basis": name + (" (headline)" if name == result["basis"] else ""),
                "method": b.get("method"),
                "revenue": b.get("revenue"),
                "gross_profit": b.get("gross_profit"),
                "total_cost": result["total_cost"] if computed else None,
                "roi_pct": b.get("roi_pct"),
                "payback_months": b.get("payback_months"),
                "npv": b.get("npv"),
                "irr_pct": b.get("irr_pct"),
                "note": "not computed (see notes)"
                if not computed
                else b.get("roi_pct_reason") or "",
            }
        )
    return rows


def _print_tables(result: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    cur = result["currency"]
    period = result["period"]
    say(
        f"CRM ROI, {period['start']} to {period['end']} ({period['months']} months), "
        f"adoption {result['adoption_date']} (from {result['adoption_source']}), {cur}"
    )
    say(f"headline basis: {result['basis']} ({result['basis_why']})")
    print_table(rows, title="Revenue through the CRM, three ways")
    if result["revenue"] is None:
        say(f"headline not computed: {result['revenue_reason'] or result['roi_pct_reason']}")
    else:
        head = {
            "roi_pct": result["roi_pct"],
            # an interval only where the revenue is an estimate (None for a count)
            "roi_pct_low": result["roi_pct_low"],
            "roi_pct_high": result["roi_pct_high"],
            "prob_roi_positive": result["prob_roi_positive"],
            "payback_months": result["payback_months"],
            "npv": result["npv"],
            "irr_pct": result["irr_pct"],
            "nucleus_roi_pct": result["nucleus_roi_pct"],
        }
        print_table([head], title=f"Headline ({result['basis']})")
        for key in ("irr_note", "irr_reason"):
            if result.get(key):
                say(f"IRR: {result[key]}")
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
