"""`crmroi demo`: the whole job on a simulated company, ending in a report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmroi.cli.imports import reconciliation_table
from crmroi.cli.output import console, say
from crmroi.cli.progress import progress_bar
from crmroi.demo import STEPS, run_demo


def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for data, workspace, report.")
    ] = Path("demo"),
    size: Annotated[
        str,
        typer.Option(help="small (seconds; too few deals for tight estimates), medium or large."),
    ] = "medium",
    seed: Annotated[int, typer.Option(help="Seed of the simulated company.")] = 0,
    lang: Annotated[str, typer.Option(help="Report language: en or de.")] = "en",
    spend_channels: Annotated[
        bool,
        typer.Option(
            "--spend-channels",
            help="Add channels known only by their weekly spend (print, radio, trade fairs, "
            "LinkedIn ads); the campaign ROI shows them from the marketing-mix model.",
        ),
    ] = False,
) -> None:
    """Simulate a company, import it through the real import path and write its report."""
    out.mkdir(parents=True, exist_ok=True)
    with progress_bar(len(STEPS), "demo") as step:
        result = run_demo(
            out, size=size, seed=seed, lang=lang, on_step=step, spend_channels=spend_channels
        )
    console.print(reconciliation_table(list(result.imports)))
    total = sum(result.seconds.values())
    timings = ", ".join(f"{name} {secs:.1f} s" for name, secs in result.seconds.items())
    say(f"done in {total:.1f} s ({timings})")
    say(f"workspace: {result.workspace}")
    say(f"report: {result.report.resolve()}", style="bold")
    for extra in (result.pdf, result.xlsx):
        if extra is not None:
            say(f"        {extra.resolve()}")


def register(app: typer.Typer) -> None:
    """Add `demo` to the app."""
    app.command("demo")(demo)
