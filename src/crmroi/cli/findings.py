"""`crmroi findings`: what to fix first, ranked by the money at stake."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from crmroi.cli.context import workspace
from crmroi.cli.output import OutputFormat, emit, print_json
from crmroi.errors import InputError


class FindingsFormat(StrEnum):
    """The two ways to show findings: a table to read, JSON for other tools."""

    table = "table"
    json = "json"


def findings(
    ctx: typer.Context,
    fmt: Annotated[
        FindingsFormat, typer.Option("--format", "-f", help="table or json.")
    ] = FindingsFormat.table,
    top: Annotated[
        int | None, typer.Option("--top", "-n", min=1, help="Only the N largest findings.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="en or de (default: [company] lang).")
    ] = None,
) -> None:
    """What to fix first: findings ranked by money at stake × confidence.

    Thresholds come from [findings] in ./crmroi.toml (docs/findings.md).
    """
    from crmroi.config import LANGUAGES, load_config
    from crmroi.insights import find

    config = load_config()
    language = lang or config.company.lang
    if language not in LANGUAGES:
        raise InputError(f"--lang {language!r}: choose one of {', '.join(LANGUAGES)}")
    with workspace(ctx) as ws:
        found = find(
            ws,
            config.findings,
            currency=config.roi.currency,
            lang=language,
            fx_rates=config.roi.fx_rates,
            roi=config.roi_settings(),
        )
    rows = [f.as_dict() for f in found[:top]]
    if fmt is FindingsFormat.json:
        print_json(rows)
        return
    table = [
        {
            "#": i,
            "kind": r["kind"],
            "subject": r["subject"],
            "at stake": f"{r['money_at_stake']:,.0f} {r['currency']}",
            "sure": f"{r['confidence']:.0%}",
            "finding": r["title"],
        }
        for i, r in enumerate(rows, 1)
    ]
    emit(table, OutputFormat.table, title="Findings")


def register(app: typer.Typer) -> None:
    """Add `findings` to the app."""
    app.command("findings")(findings)
