"""`crmroi alerts`: what went wrong since the last run, printed or mailed (for cron)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmroi.cli.context import settings, workspace
from crmroi.cli.output import OutputFormat, emit, print_json, say
from crmroi.errors import InputError

if TYPE_CHECKING:
    from crmroi.targets.alerts import Alerts


class AlertsFormat(StrEnum):
    """A list to read, or JSON for other tools."""

    table = "table"
    json = "json"


def alerts(
    ctx: typer.Context,
    state: Annotated[
        Path | None,
        typer.Option(help="State file of the last run (default: the workspace + .alerts.json)."),
    ] = None,
    email: Annotated[
        list[str] | None, typer.Option("--email", help="Mail the news here (repeatable).")
    ] = None,
    smtp: Annotated[str | None, typer.Option(help="Mail server HOST:PORT for --email.")] = None,
    starttls: Annotated[bool, typer.Option(help="Encrypt the mail connection first.")] = False,
    user: Annotated[
        str | None, typer.Option(help="SMTP login; password from $CRMROI_SMTP_PASSWORD.")
    ] = None,
    fmt: Annotated[
        AlertsFormat, typer.Option("--format", "-f", help="table or json.")
    ] = AlertsFormat.table,
    lang: Annotated[
        str | None, typer.Option(help="en or de (default: lang of the company settings).")
    ] = None,
) -> None:
    """New findings and KPIs gone off target since the last run, printed or mailed (for cron).

    The first run reports everything; later runs only what is new. Nothing new: nothing is
    mailed. Crontab example in docs/targets.md.
    """
    from crmroi.config import LANGUAGES, load_config
    from crmroi.insights import find
    from crmroi.insights.context import data_end
    from crmroi.metrics.periods import utc_now
    from crmroi.report.delivery import mail_plan
    from crmroi.targets.alerts import news, read_state, write_state
    from crmroi.targets.status import target_status

    config = load_config()
    language = lang or config.company.lang
    if language not in LANGUAGES:
        raise InputError(f"--lang {language!r}: choose one of {', '.join(LANGUAGES)}")
    mail = mail_plan(email, smtp, starttls, user)
    path = state or _default_state(settings(ctx).workspace)
    previous = read_state(path)
    with workspace(ctx) as ws:
        found = find(
            ws,
            config.findings,
            currency=config.roi.currency,
            lang=language,
            fx_rates=config.roi.fx_rates,
            roi=config.roi_settings(),
        )
        moment = data_end(ws) or utc_now()  # as `crmroi targets list` judges them
        targets = target_status(ws, now=moment, settings=config.kpis)
        names = _names(ws)
    result = news(found, targets, previous)
    if mail and not result.empty:
        _mail(result, names, mail, config.company.name, language)
    write_state(path, result.state)  # after the mail: a failed send alerts again next time
    _show(result, names, fmt, mail is not None and not result.empty)


def _default_state(target: str) -> Path:
    from crmroi.workspace import is_spark_master

    if "://" in target or is_spark_master(target):
        raise InputError("a workspace at a URL needs --state FILE for the alerts' memory")
    ws_path = Path(target)
    return ws_path.with_name(ws_path.name + ".alerts.json")


def _names(ws: Any) -> dict[str, str]:
    users = ws.table("users").select("user_id", "name").execute().dropna()
    return dict(zip(users["user_id"].astype(str), users["name"].astype(str), strict=True))


def _mail(result: Alerts, names: dict[str, str], mail: Any, company: str, lang: str) -> None:
    from crmroi.report.delivery import build_message, findings_text, send, sender
    from crmroi.targets.alerts import target_line

    recipients, smtp = mail
    parts = []
    if result.findings:
        parts.append(findings_text(result.findings, lang, top=len(result.findings)))
    if result.off_target:
        heading = "Neu unter Ziel:" if lang == "de" else "Newly off target:"
        parts.append(
            "\n".join([heading, *(f"- {target_line(r, names)}" for r in result.off_target)])
        )
    counts = f"{len(result.findings)} findings, {len(result.off_target)} off target"
    subject = f"{company}: CRM alerts ({counts})"
    msg = build_message(
        recipients=recipients, from_=sender(smtp), subject=subject,
        body="\n\n".join(parts) + "\n", attachments=(),
    )  # fmt: skip
    send(msg, smtp)


def _show(result: Alerts, names: dict[str, str], fmt: AlertsFormat, mailed: bool) -> None:
    from crmroi.targets.alerts import target_line

    if fmt is AlertsFormat.json:
        print_json(
            {
                "since": result.previous.at,
                "findings": [f.as_dict() for f in result.findings],
                "off_target": [target_line(r, names) for r in result.off_target],
            }
        )
        return
    if result.empty:
        since = f" since {result.previous.at}" if result.previous.at else ""
        say(f"nothing new{since}")
        return
    if result.findings:
        rows = [
            {
                "kind": f.kind,
                "subject": f.subject,
                "at stake": f"{f.money_at_stake:,.0f} {f.currency}",
                "sure": f"{f.confidence:.0%}",
                "finding": f.title,
            }
            for f in result.findings
        ]
        emit(rows, OutputFormat.table, title="New findings")
    for row in result.off_target:
        say(f"off target: {target_line(row, names)}")
    if mailed:
        say("mailed")


def register(app: typer.Typer) -> None:
    """Add `alerts` to the app."""
    app.command("alerts")(alerts)
