"""`crmroi kpis`, `crmroi funnel`, `crmroi forecast`: the KPI engine from the command line."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import pandas as pd

from crmroi.cli.context import workspace
from crmroi.cli.output import OutputFormat, console, emit, print_json, say
from crmroi.errors import AnalysisError, InputError

GrainOpt = Annotated[
    str | None,
    typer.Option("--grain", "-g", help="day, week, month, quarter or year; none: whole range."),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="table, json or csv.")]


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date (expected YYYY-MM-DD)") from None


def _grain(value: str | None) -> Any:
    from crmroi.metrics import Grain

    if value is None:
        return None
    try:
        return Grain(value)
    except ValueError:
        choices = ", ".join(g.value for g in Grain)
        raise InputError(f"--grain {value!r}: choose one of {choices}") from None


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in df.to_dict("records")]


def _list_rows() -> list[dict[str, Any]]:
    from crmroi.metrics import REGISTRY

    return [
        {
            "id": m.id,
            "label": m.label_en,
            "unit": m.unit.value,
            "better": m.direction.value,
            "kind": m.kind.value,
            "dimensions": ", ".join(sorted(m.dimensions)),
        }
        for m in REGISTRY
    ]


def kpis(
    ctx: typer.Context,
    kpi: Annotated[
        list[str] | None, typer.Option("--kpi", "-k", help="KPI id (repeatable).")
    ] = None,
    grain: GrainOpt = None,
    by: Annotated[list[str] | None, typer.Option("--by", help="Dimension (repeatable).")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    compare: Annotated[
        str | None, typer.Option("--compare", help="previous or year: add the `previous` column.")
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
    list_: Annotated[bool, typer.Option("--list", help="List the KPIs and exit.")] = False,
    explain_: Annotated[bool, typer.Option("--explain", help="Print the SQL and exit.")] = False,
) -> None:
    """Compute KPIs by period and dimension.

    Without --kpi: every KPI that can be sliced by the --by dimensions.
    """
    from crmroi.config import load_config
    from crmroi.metrics import REGISTRY, MetricQuery, explain, query

    if list_:
        emit(_list_rows(), fmt, title="KPIs")
        return
    dims = set(by or ())
    # without --kpi: every KPI that can be sliced by the dimensions asked for
    default = tuple(m.id for m in REGISTRY if dims <= m.dimensions)
    q = MetricQuery(
        kpis=tuple(kpi) if kpi else default,
        grain=_grain(grain),
        dimensions=tuple(by or ()),
        start=_day(date_from, "--from"),
        end=_day(date_to, "--to"),
        compare=compare,
        settings=load_config().kpis,  # fiscal year and at-risk ratio of the targets' status
    )
    with workspace(ctx) as ws:
        if explain_:
            console.file.write(explain(ws, q) + "\n")
            return
        df = query(ws, q)
    columns = [c for c in df.columns if c != "status"] if fmt is OutputFormat.json else df.columns
    emit(_records(df[list(columns)]), fmt, title="KPIs")


def funnel(
    ctx: typer.Context,
    pipeline: Annotated[str | None, typer.Option(help="Only this pipeline.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="Deals created from.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Deals created until.")] = None,
    fmt: FormatOpt = OutputFormat.table,
    lost: Annotated[bool, typer.Option("--lost", help="Show lost reasons instead.")] = False,
) -> None:
    """Stage funnel: reached, conversion (adjacent, cumulative), drop-off, time in stage."""
    from datetime import timedelta

    from crmroi.metrics import funnel as fn

    start, end = _day(date_from, "--from"), _day(date_to, "--to")
    lo = datetime(start.year, start.month, start.day) if start else None
    hi = datetime(end.year, end.month, end.day) + timedelta(days=1) if end else None
    with workspace(ctx) as ws:
        if lost:
            df = fn.lost_reasons(ws, start=lo, end=hi)
        else:
            df = fn.funnel(ws, pipeline=pipeline, start=lo, end=hi)
            if df.empty:
                raise AnalysisError(
                    "no funnel: " + fn.explain_empty(ws, pipeline=pipeline, start=lo, end=hi)
                )
    emit(_records(df), fmt, title="Lost reasons" if lost else "Funnel")


def forecast(
    ctx: typer.Context,
    grain: Annotated[str, typer.Option("--grain", "-g", help="month, quarter or year.")] = "month",
    periods: Annotated[int, typer.Option(help="Past periods to back-test.")] = 6,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Forecast as of this day (default: the end of the data, else now)."
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Weighted forecast of the current period vs quota, and accuracy of past forecasts."""
    from crmroi.metrics import forecast as fc

    g = _grain(grain)
    day = _day(as_of, "--as-of")
    moment = datetime(day.year, day.month, day.day) if day else None
    with workspace(ctx) as ws:
        source = "--as-of"
        if moment is None:
            moment, source = fc.default_as_of(ws)
        current = fc.forecast(ws, grain=g, as_of=moment)
        history = fc.accuracy(ws, grain=g, count=periods, as_of=moment)
    note = f"forecast as of {moment:%Y-%m-%d %H:%M} ({source}; --as-of DAY changes it)"
    if fmt is OutputFormat.json:
        print_json({"forecast": current, "accuracy": _records(history), "notes": [note]})
        return
    emit([current], fmt, title="Forecast")
    emit(_records(history), fmt, title="Forecast accuracy")
    if fmt is OutputFormat.table:
        say(f"note: {note}")


def register(app: typer.Typer) -> None:
    """Add `kpis`, `funnel` and `forecast` to the app."""
    app.command("kpis")(kpis)
    app.command("funnel")(funnel)
    app.command("forecast")(forecast)
