"""`crmroi synth`: write a simulated company (canonical files + truth.json) to a folder."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from crmroi.cli.output import say
from crmroi.cli.progress import progress_bar


class SynthSize(StrEnum):
    """--size choices (see ``crmroi.synth.SIZES``)."""

    small = "small"
    medium = "medium"
    large = "large"


class SynthPreset(StrEnum):
    """--preset choices (see ``crmroi.synth.presets``)."""

    default = "default"
    healthy = "healthy"


class GoLive(StrEnum):
    """--go-live choices: how the sales teams got the CRM."""

    together = "together"
    staggered = "staggered"
    pilot = "pilot"


class FileFormat(StrEnum):
    """--format choices."""

    csv = "csv"
    parquet = "parquet"


def synth(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the files to.")],
    size: Annotated[
        SynthSize, typer.Option(help="small (~2k contacts), medium (~50k) or large (~1M).")
    ] = SynthSize.small,
    seed: Annotated[int, typer.Option(help="Seed: the same seed always gives the same files.")] = 0,
    fmt: Annotated[
        FileFormat, typer.Option("--format", help="csv, or parquet (faster for large).")
    ] = FileFormat.csv,
    preset: Annotated[
        SynthPreset,
        typer.Option(help="default plants the problems crmroi findings finds; healthy none."),
    ] = SynthPreset.default,
    spend_channels: Annotated[
        bool,
        typer.Option(
            "--spend-channels",
            help="Also spend on print, radio, trade fairs and LinkedIn ads, known only by their "
            "weekly spend (channel_spend), with planted carry-over, saturation and return.",
        ),
    ] = False,
    go_live: Annotated[
        GoLive,
        typer.Option(
            "--go-live",
            help="together (everyone at once), staggered (team by team) or pilot (one team; "
            "the others after the history, donors for a synthetic control).",
        ),
    ] = GoLive.together,
    experiment: Annotated[
        bool,
        typer.Option(
            "--experiment",
            help="Also run an e-mail offer as a randomised test (half of the contacts who never "
            "bought are its control), with planted lifts on visits and spend (truth.json).",
        ),
    ] = False,
) -> None:
    """Simulate a company with a known ground truth and write its canonical tables."""
    from crmroi import synth as synthetic
    from crmroi.synth.company import STEPS

    started = time.perf_counter()
    with progress_bar(len(STEPS) + 1, "synth") as step:
        company = synthetic.generate(
            size.value,
            seed,
            preset=preset.value,
            progress=step,
            staggered=go_live is GoLive.staggered,
            pilot=go_live is GoLive.pilot,
            spend_channels=spend_channels,
            experiment=experiment,
        )
        paths = synthetic.write(company, out, fmt.value)
        step("files written")
    rows = sum(len(frame) for frame in company.tables.values())
    say(
        f"{len(paths) - 1} tables, {rows:,} rows and truth.json in {out} "
        f"({time.perf_counter() - started:.1f} s)"
    )


def register(app: typer.Typer) -> None:
    """Add `synth` to the app."""
    app.command("synth")(synth)
