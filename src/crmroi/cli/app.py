"""The `crmroi` Typer application and the one place that turns errors into exit codes.

Commands load lazily: ``crmroi --help`` and ``--version`` import neither pandas nor Ibis, a
command's module is imported only when it runs or shows its own help (``commands.py``). Errors
go to stderr; with ``--format json`` stdout holds exactly one JSON document, an ``error``
object when the command failed.
"""

from __future__ import annotations

import functools
import importlib
import io
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from crmroi import __version__
from crmroi.cli.commands import COMMAND_MODULES, COMMANDS
from crmroi.cli.context import Settings
from crmroi.errors import CrmroiError

__all__ = ["COMMAND_MODULES", "app", "main"]

HELP = "Does your CRM pay for itself? KPIs, attribution, incrementality and ROI."


@functools.cache
def _module_commands(module_name: str) -> dict[str, Any]:
    """The click commands a command module registers, built on first use."""
    sub = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    importlib.import_module(module_name).register(sub)
    return {
        str(info.name): typer.main.get_command_from_info(
            info,
            pretty_exceptions_short=sub.pretty_exceptions_short,
            rich_markup_mode=sub.rich_markup_mode,
        )
        for info in sub.registered_commands
    }


class LazyCommands(TyperGroup):
    """A group that imports a command's module only when the command is used.

    The top-level help lists the commands from the static table instead of loading them.
    """

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        module_name, short_help = COMMANDS[cmd_name]
        if self._listing:
            return TyperCommand(name=cmd_name, help=short_help, callback=None)
        return _module_commands(module_name)[cmd_name]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="crmroi",
    cls=LazyCommands,
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crmroi {__version__}")
        raise typer.Exit


@app.callback()
def main_options(
    ctx: typer.Context,
    workspace: Annotated[
        str,
        typer.Option(
            "--workspace",
            "-w",
            envvar="CRMROI_WORKSPACE",
            help="Workspace: a DuckDB file, or a backend URL such as postgres://user@host/db.",
        ),
    ] = "crmroi.duckdb",
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Does your CRM pay for itself? KPIs, attribution, incrementality and ROI."""
    ctx.obj = Settings(workspace=workspace)


def wants_json(argv: list[str]) -> bool:
    """Whether the command line asks for ``--format json`` (``-f json``, ``--format=json``)."""
    for index, arg in enumerate(argv):
        if arg in ("--format", "-f") and argv[index + 1 : index + 2] == ["json"]:
            return True
        if arg in ("--format=json", "-fjson"):
            return True
    return False


class _FailureError(Exception):
    """An error already reduced to its message and exit code."""

    def __init__(self, kind: str, message: str, code: int) -> None:
        super().__init__(message)
        self.kind, self.message, self.code = kind, message, code


def _report(failure: _FailureError, json_mode: bool, stdout: Any) -> None:
    """The message on stderr (literal, one line); the error object on stdout in JSON mode."""
    from rich.console import Console
    from rich.text import Text

    from crmroi.cli.safe_text import visible

    label = "error: " if failure.kind != "internal" else "internal error: "
    line = Text(label, style="bold red") + Text(visible(failure.message))
    Console(stderr=True, highlight=False).print(line, soft_wrap=True)
    if json_mode:
        import json

        error = {"type": failure.kind, "message": failure.message, "exit_code": failure.code}
        stdout.write(json.dumps({"error": error}, indent=2, ensure_ascii=False) + "\n")


def _run() -> int:
    """Run the app; every failure becomes a :class:`_FailureError`, success its exit code."""
    try:
        code = app(standalone_mode=False)  # returns the code of a typer.Exit
        return code if isinstance(code, int) else 0
    except CrmroiError as exc:
        raise _FailureError(type(exc).__name__, str(exc), 2) from exc
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        return int(code or 0)
    except KeyboardInterrupt:
        raise _FailureError("Interrupted", "interrupted", 130) from None
    except Exception as exc:  # usage errors surface here in non-standalone mode
        if callable(getattr(exc, "format_message", None)):  # click/typer usage errors
            code = int(getattr(exc, "exit_code", 2))
            raise _FailureError("UsageError", exc.format_message(), code) from exc  # type: ignore[attr-defined]
        if os.environ.get("CRMROI_DEBUG"):
            raise
        message = (
            f"{type(exc).__name__}: {exc} (set CRMROI_DEBUG=1 for the traceback, "
            "and please report it)"
        )
        raise _FailureError("internal", message, 70) from exc


@contextmanager
def _captured_stdout(active: bool) -> Iterator[io.StringIO | None]:
    """In JSON mode hold stdout back, so a failure can replace a half-written document."""
    if not active:
        yield None
        return
    real, buffer = sys.stdout, io.StringIO()
    sys.stdout = buffer
    try:
        yield buffer
    finally:
        sys.stdout = real


def main() -> None:
    """Entry point: run the app; a CrmroiError becomes one line on stderr and exit code 2."""
    json_mode = wants_json(sys.argv[1:])
    if not os.environ.get("CRMROI_DEBUG"):
        # deprecation notices of pandas, Ibis & co. address developers (the test suite turns
        # them into errors); a user would see one on every run and could do nothing about it
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
    with _captured_stdout(json_mode) as buffer:
        try:
            code = _run()
            failure = None
        except _FailureError as exc:
            failure = exc
    if failure is not None:
        if failure.kind == "UsageError" and not json_mode:
            _usage_error(failure)
        else:
            _report(failure, json_mode, sys.stdout)
        sys.exit(failure.code)
    if buffer is not None:
        sys.stdout.write(buffer.getvalue())
    sys.exit(code)


def _usage_error(failure: _FailureError) -> None:
    cause = failure.__cause__
    show = getattr(cause, "show", None)
    if callable(show):  # click/typer usage errors print their usage line and hint themselves
        show()
    else:  # pragma: no cover - every usage error knows how to show itself
        _report(failure, False, sys.stdout)
