"""`crmroi engagement | cohorts | retention | rfm | surveys`: customer engagement and retention."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import pandas as pd
import typer

from crmroi.cli.context import workspace
from crmroi.cli.output import OutputFormat, emit, print_json
from crmroi.engagement import cohorts as cohort_mod
from crmroi.engagement import retention as retention_mod
from crmroi.engagement import rfm as rfm_mod
from crmroi.engagement import score_views as views
from crmroi.engagement import surveys as survey_mod
from crmroi.engagement.periods import Grain
from crmroi.engagement.purchases import Customer
from crmroi.engagement.score import Level
from crmroi.engagement.themes import comment_themes

FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv.")]
GrainOpt = Annotated[Grain, typer.Option("--grain", help="Period length.")]
CustomerOpt = Annotated[Customer, typer.Option("--customer", help="Customer column of orders.")]


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _as_of(value: str | None) -> datetime | None:
    return None if value is None else pd.Timestamp(value).to_pydatetime()


def engagement(
    ctx: typer.Context,
    level: Annotated[Level, typer.Option("--level", help="account_id or contact_id.")] = (
        Level.account
    ),
    as_of: Annotated[str | None, typer.Option("--as-of", help="Moment (default: latest).")] = None,
    compare_days: Annotated[
        int, typer.Option("--compare-days", help="Window for 'falling fastest'.")
    ] = 90,
    top: Annotated[int, typer.Option("--top", help="Entities to list as falling.")] = 10,
    customers_only: Annotated[
        bool,
        typer.Option(
            "--customers-only/--all",
            help="List only entities that were customers throughout the window.",
        ),
    ] = False,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Engagement score: distribution, by segment and owner, and who is falling fastest."""
    moment = _as_of(as_of)
    with workspace(ctx) as ws:
        result = {
            "distribution": views.distribution(ws, moment, level=level),
            "by_segment": views.by_dimension(ws, views.By.segment, moment, level=level),
            "by_owner": views.by_dimension(ws, views.By.owner, moment, level=level),
            "falling_fastest": views.falling_fastest(
                ws,
                moment,
                compare_days=compare_days,
                top=top,
                level=level,
                customers_only=customers_only,
            ),
        }
    if fmt is OutputFormat.json:
        print_json({k: _rows(v) for k, v in result.items()})
        return
    for title, frame in result.items():
        emit(_rows(frame), fmt, title=title.replace("_", " "))


def cohorts(
    ctx: typer.Context,
    grain: GrainOpt = Grain.month,
    value: Annotated[
        cohort_mod.CohortValue, typer.Option("--value", help="customers, revenue or retention.")
    ] = cohort_mod.CohortValue.customers,
    by: Annotated[
        cohort_mod.CohortBy, typer.Option("--by", help="first_order or first_won.")
    ] = cohort_mod.CohortBy.first_order,
    customer: CustomerOpt = Customer.account,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Cohort matrix: cohorts by acquisition period × periods since acquisition."""
    with workspace(ctx) as ws:
        matrix = cohort_mod.cohort_matrix(ws, value, grain=grain, customer=customer, by=by)
    frame = matrix.reset_index()
    frame.columns = [str(c) for c in frame.columns]
    emit(_rows(frame), fmt, title=f"{value.value} by {by.value} {grain.value}")


def retention(
    ctx: typer.Context,
    grain: GrainOpt = Grain.month,
    window: Annotated[
        int, typer.Option("--window", help="Periods a purchase keeps a customer active.")
    ] = 1,
    subscriptions_only: Annotated[
        bool, typer.Option("--subscriptions-only", help="NRR/GRR on subscription orders only.")
    ] = False,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Break logo churn down by an accounts column, e.g. segment."),
    ] = None,
    customer: CustomerOpt = Customer.account,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Churn (logo and revenue), customer retention rate, NRR and GRR per period."""
    kinds = ("subscription",) if subscriptions_only else None
    with workspace(ctx) as ws:
        logos = retention_mod.logo_retention(
            ws, grain=grain, customer=customer, window=window, by=by
        )
        money = retention_mod.revenue_retention(ws, grain=grain, customer=customer, kinds=kinds)
    if fmt is OutputFormat.json:
        print_json({"customers": _rows(logos), "revenue": _rows(money)})
        return
    emit(_rows(logos), fmt, title="customers")
    emit(_rows(money), fmt, title="revenue")


def rfm(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Moment (default: latest).")] = None,
    customer: CustomerOpt = Customer.account,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """RFM segments: customers, revenue and suggested action per segment."""
    with workspace(ctx) as ws:
        frame = rfm_mod.rfm_segments(ws, customer=customer, as_of=as_of)
    emit(_rows(frame), fmt, title="RFM segments")


def surveys(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option("--kind", help="nps, csat or ces.")] = "nps",
    by: Annotated[
        list[survey_mod.Dimension] | None,
        typer.Option("--by", help="Break down by survey, stage, segment or month (repeatable)."),
    ] = None,
    ces_definition: Annotated[
        survey_mod.CesDefinition, typer.Option("--ces", help="CES as mean (1–7) or share ≥ 5.")
    ] = survey_mod.CesDefinition.mean,
    themes: Annotated[
        bool, typer.Option("--themes", help="Also group comments into themes.")
    ] = False,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """NPS, CSAT or CES with confidence intervals; comment themes with detractor shares."""
    dims = tuple(by or ())
    with workspace(ctx) as ws:
        if kind == "nps":
            frame = survey_mod.nps(ws, dims)
        elif kind == "csat":
            frame = survey_mod.csat(ws, dims)
        elif kind == "ces":
            frame = survey_mod.ces(ws, dims, definition=ces_definition)
        else:
            raise typer.BadParameter(f"--kind must be nps, csat or ces, not {kind!r}")
        topics = comment_themes(ws, survey=kind) if themes else None
    if fmt is OutputFormat.json:
        payload: dict[str, Any] = {kind: _rows(frame)}
        if topics is not None:
            payload["themes"] = _rows(topics)
        print_json(payload)
        return
    emit(_rows(frame), fmt, title=kind.upper())
    if topics is not None:
        emit(_rows(topics), fmt, title="comment themes")


def register(app: typer.Typer) -> None:
    """Add engagement, cohorts, retention, rfm and surveys to the app."""
    for command in (engagement, cohorts, retention, rfm, surveys):
        app.command(command.__name__)(command)
