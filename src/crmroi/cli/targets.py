"""`crmroi targets`: set, import and list the goals the KPIs are judged against."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmroi.cli.context import workspace
from crmroi.cli.output import OutputFormat, emit, print_json, say
from crmroi.errors import InputError

if TYPE_CHECKING:
    from crmroi.workspace import Workspace


class Action(StrEnum):
    """What `crmroi targets` does."""

    set = "set"
    import_ = "import"
    list = "list"


def targets(
    ctx: typer.Context,
    action: Annotated[Action, typer.Argument(help="set, import or list.")],
    args: Annotated[
        list[str] | None,
        typer.Argument(help="set: KPI VALUE; import: FILE …; list: nothing.", show_default=False),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(help="set: the period, e.g. 2025-Q1, 2025-03, 2025, 2025-W05."),
    ] = None,
    grain: Annotated[
        str | None,
        typer.Option(help="set: the grain a --period given as a day (2025-04-01) starts."),
    ] = None,
    owner: Annotated[
        str | None, typer.Option(help="set: for this owner (user id or name).")
    ] = None,
    team: Annotated[str | None, typer.Option(help="set: for this team.")] = None,
    dimension: Annotated[
        str | None, typer.Option(help="set: for one value of this dimension (with --value).")
    ] = None,
    value: Annotated[str | None, typer.Option(help="set: the --dimension value.")] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table, json (and csv for list).")
    ] = OutputFormat.table,
) -> None:
    """Set, import or list KPI targets; attainment then shows wherever the KPI shows.

    set KPI VALUE --period 2025-Q1 (or 2025-03, 2025, 2025-W05) for the company, or with
    --owner NAME, --team NAME or --dimension D --value V for one slice. import FILE: a CSV or
    XLSX with columns kpi, grain, period_start, dimension, dimension_value, value. list: every
    target with its value, attainment and status. Targets written in the targets table of
    ./crmroi.toml win over set or imported ones (docs/targets.md).
    """
    rest = list(args or ())
    if action is Action.import_:
        _import(ctx, rest, fmt)
        return
    with workspace(ctx) as ws:
        if action is Action.set:
            slice_ = _slice(owner, team, dimension, value)
            _set(ws, rest, period, grain, slice_, fmt)
        else:
            if rest:
                raise InputError(f"targets list takes no arguments, not {' '.join(rest)!r}")
            _list(ws, fmt)


def _slice(
    owner: str | None, team: str | None, dimension: str | None, value: str | None
) -> tuple[str, str] | None:
    """The one dimension and member a target is for (None: the whole company)."""
    given = [("owner", owner), ("team", team)]
    if dimension is not None or value is not None:
        if dimension is None or value is None:
            raise InputError(
                "--dimension and --value go together (e.g. --dimension channel --value email)"
            )
        given.append((dimension, value))
    chosen = [(d, v) for d, v in given if v is not None]
    if len(chosen) > 1:
        raise InputError("give one of --owner, --team or --dimension/--value, not several")
    return chosen[0] if chosen else None


def _set(
    ws: Workspace,
    rest: list[str],
    period: str | None,
    grain: str | None,
    slice_: tuple[str, str] | None,
    fmt: OutputFormat,
) -> None:
    from crmroi.config import load_config
    from crmroi.targets.periods import parse_period
    from crmroi.targets.store import TargetRow, resolve_member, write
    from crmroi.targets.sync import configured_keys

    if len(rest) != 2:
        raise InputError("targets set needs KPI and VALUE, e.g. targets set won_revenue 300000")
    if period is None:
        raise InputError("targets set needs --period, e.g. --period 2025-Q1")
    kpi, text = rest
    try:
        number = float(text.replace("_", ""))
    except ValueError:
        raise InputError(f"target value {text!r} is not a number") from None
    fiscal = load_config().kpis.fiscal_year_start_month
    g, start = parse_period(period, grain, fiscal)
    dim, member = slice_ if slice_ else (None, None)
    if dim is not None and member is not None:
        member = resolve_member(ws, dim, member)
    row = TargetRow(kpi, g.value, start, number, dim, member)
    if row.key in configured_keys(ws):
        raise InputError(
            f"the {kpi} target for {period} is set in [targets] of crmroi.toml; change it there"
        )
    write(ws, [row], file="crmroi targets set", source="command")
    if fmt is OutputFormat.json:
        print_json({"kpi": kpi, "grain": g.value, "period_start": start, "dimension": dim,
                    "dimension_value": member, "value": number})  # fmt: skip
        return
    who = ""
    if slice_ is not None:  # the name as given, and the user id it stands for
        who = f" for {dim} {slice_[1]}" + ("" if slice_[1] == member else f" ({member})")
    say(f"target {kpi} {period}{who}: {number:,.10g}")


def _import(ctx: typer.Context, rest: list[str], fmt: OutputFormat) -> None:
    from crmroi.cli.imports import import_command

    if not rest:
        raise InputError("targets import needs a file, e.g. targets import targets.xlsx")
    shown = OutputFormat.json if fmt is OutputFormat.json else OutputFormat.table
    import_command(ctx, files=[Path(p) for p in rest], table="targets", fmt=shown)


def _list(ws: Workspace, fmt: OutputFormat) -> None:
    from crmroi.config import load_config
    from crmroi.insights.context import data_end
    from crmroi.metrics.periods import utc_now
    from crmroi.targets.status import target_status
    from crmroi.targets.sync import configured_keys

    config = load_config()
    last = data_end(ws)  # the moment findings and alerts judge by, so all three agree
    moment, source = (last, "the data's last record") if last else (utc_now(), "now")
    rows = target_status(ws, now=moment, settings=config.kpis)
    from_config = configured_keys(ws)
    names = _user_names(ws)
    out: list[dict[str, Any]] = []
    for r in rows.to_dict("records"):
        member = str(r["member"])
        shown = names.get(member, member) if r["dimension"] == "owner" else member
        out.append(
            {
                "kpi": r["kpi"],
                "period": r["period"],
                "for": f"{r['dimension']} {shown}" if r["dimension"] else "company",
                "target": r["target"],
                "value": r["value"],
                "attainment": r["attainment"],
                "status": r["status"],
                "source": "crmroi.toml" if r["target_key"] in from_config else "workspace",
            }
        )
    if fmt is OutputFormat.table and not out:
        say("no targets yet: crmroi targets set KPI VALUE --period 2025-Q1 (docs/targets.md)")
        return
    emit(out, fmt, title="Targets")
    if fmt is OutputFormat.table:
        say(f"note: running periods paced as of {moment:%Y-%m-%d %H:%M} ({source})")


def _user_names(ws: Workspace) -> dict[str, str]:
    users = ws.table("users").select("user_id", "name").execute().dropna()
    return dict(zip(users["user_id"].astype(str), users["name"].astype(str), strict=True))


def register(app: typer.Typer) -> None:
    """Add `targets` to the app."""
    app.command("targets")(targets)
