"""The `crmroi` Typer application and the one place that turns errors into exit codes.

Each command lives in its own module under ``crmroi.cli`` and exposes ``register(app)``; the
modules named in ``COMMAND_MODULES`` are registered in order, the same path an extension takes.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from crmroi import __version__
from crmroi.cli.context import Settings
from crmroi.errors import CrmroiError

COMMAND_MODULES: tuple[str, ...] = (
    "crmroi.cli.init",
    "crmroi.cli.imports",
    "crmroi.cli.quarantine",
    "crmroi.cli.report",
    "crmroi.cli.demo",
    "crmroi.cli.roi",
    "crmroi.cli.kpis",
    "crmroi.cli.clv",
    "crmroi.cli.engagement",
    "crmroi.cli.attribution",
    "crmroi.cli.synth",
)

app = typer.Typer(
    name="crmroi",
    help="Does your CRM pay for itself? KPIs, attribution, incrementality and ROI.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crmroi {__version__}")
        raise typer.Exit


@app.callback()
def main_options(
    ctx: typer.Context,
    workspace: Annotated[
        Path,
        typer.Option(
            "--workspace",
            "-w",
            envvar="CRMROI_WORKSPACE",
            help="Workspace DuckDB file (or backend URL).",
        ),
    ] = Path("crmroi.duckdb"),
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Does your CRM pay for itself? KPIs, attribution, incrementality and ROI."""
    ctx.obj = Settings(workspace=workspace)


def _register_commands() -> None:
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(app)


_register_commands()


def main() -> None:
    """Entry point: run the app; a CrmroiError becomes one line on stderr and exit code 2."""
    try:
        code = app(standalone_mode=False)  # returns the code of a typer.Exit
        sys.exit(code if isinstance(code, int) else 0)
    except CrmroiError as exc:
        # escape: messages quote config sections ([workspace]) that rich would take for markup
        message = escape(str(exc))
        err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        sys.exit(code or 0)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # usage errors surface here in non-standalone mode
        show = getattr(exc, "show", None)
        if callable(show):  # click/typer usage errors know how to print themselves
            show()
            sys.exit(int(getattr(exc, "exit_code", 2)))
        if os.environ.get("CRMROI_DEBUG"):
            raise
        err_console.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))} "
            "(set CRMROI_DEBUG=1 for the traceback, and please report it)",
            highlight=False,
        )
        sys.exit(70)
