"""`crmroi report`: compute the report on the workspace and write HTML, PDF or XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmroi.cli.context import workspace
from crmroi.cli.output import console, say
from crmroi.cli.roi import ADOPTION_HELP, with_adoption_date
from crmroi.config import load_config
from crmroi.errors import InputError


def report(
    ctx: typer.Context,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output file; its suffix picks the format.")
    ] = Path("report.html"),
    fmt: Annotated[
        list[str] | None,
        typer.Option("--format", "-f", help="html, pdf, xlsx (repeat for several)."),
    ] = None,
    lang: Annotated[str | None, typer.Option(help="en or de (default: from the config).")] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="crmroi.toml (default: ./crmroi.toml).")
    ] = None,
    adoption_date: Annotated[str | None, typer.Option(help=ADOPTION_HELP)] = None,
    email: Annotated[
        list[str] | None, typer.Option("--email", help="Mail the report here (repeatable).")
    ] = None,
    smtp: Annotated[str | None, typer.Option(help="Mail server HOST:PORT for --email.")] = None,
    starttls: Annotated[bool, typer.Option(help="Encrypt the mail connection first.")] = False,
    user: Annotated[
        str | None, typer.Option(help="SMTP login; password from $CRMROI_SMTP_PASSWORD.")
    ] = None,
) -> None:
    """Write the report: does the CRM pay for itself, and where to look."""
    from crmroi.report import build_report, write_report
    from crmroi.report.delivery import deliver_report, mail_plan

    mail = mail_plan(email, smtp, starttls, user)  # checked before the report is computed

    if not out.name or out.is_dir():
        raise InputError(
            f"--out needs a file name such as report.html, not the folder {str(out)!r}"
        )
    formats = fmt or [out.suffix.lstrip(".") or "html"]
    unknown = [f for f in formats if f not in {"html", "pdf", "xlsx"}]
    if unknown:
        raise InputError(f"unknown report format {unknown[0]!r}: use html, pdf or xlsx")
    settings = with_adoption_date(load_config(config), adoption_date)
    with workspace(ctx) as ws:
        with console.status("computing the report …"):
            result = build_report(ws, settings, lang=lang)
        written = write_report(result, out.with_suffix(""), formats=formats)
        if mail:  # the top findings go in the body (docs/targets.md, "Delivery")
            deliver_report(
                ws, settings, list(written.values()), *mail, lang or settings.company.lang
            )
            say(f"report mailed to {', '.join(mail[0])} via {mail[1].where}")
    for path in written.values():
        console.print(f"report: {path.resolve()}")


def register(app: typer.Typer) -> None:
    """Add `report` to the app."""
    app.command("report")(report)
