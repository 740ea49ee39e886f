"""Send the report by e-mail: the files attached, the top findings in the body.

Standard library only (``smtplib``, ``email.message``). The server is ``HOST:PORT``; with
``starttls`` the connection is upgraded before the login and certificates are verified (a
private CA's bundle can be named in ``CRMROI_SMTP_CAFILE``). The password is read from the
environment variable ``CRMROI_SMTP_PASSWORD``, never from the command line, where ``ps``
and the shell history would show it. The sender is ``CRMROI_SMTP_FROM``, else the login
when it is an address, else ``crmroi@<this host>``.

Every failure (refused connection, no STARTTLS, refused login or recipients, a certificate
the client does not trust) is a :class:`DeliveryError` that names the server.
"""

from __future__ import annotations

import mimetypes
import os
import smtplib
import socket
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING

from crmroi.errors import CrmroiError, InputError

if TYPE_CHECKING:
    from crmroi.config import Config
    from crmroi.insights import Finding
    from crmroi.workspace import Workspace

PASSWORD_ENV = "CRMROI_SMTP_PASSWORD"  # noqa: S105 - the variable's name, not a password
SENDER_ENV = "CRMROI_SMTP_FROM"
CAFILE_ENV = "CRMROI_SMTP_CAFILE"
TIMEOUT_SECONDS = 30.0
TOP = 5
"""Findings listed in the body (the report's executive summary shows as many)."""

_WORDS = {
    "en": {
        "intro": "The CRM report is attached ({files}).",
        "top": "What to fix first:",
        "none": "No findings: nothing to fix on the current data.",
        "stake": "at stake",
        "sure": "sure",
    },
    "de": {
        "intro": "Der CRM-Bericht liegt bei ({files}).",
        "top": "Was zuerst zu beheben ist:",
        "none": "Keine Befunde: auf den aktuellen Daten ist nichts zu beheben.",
        "stake": "im Spiel",
        "sure": "sicher",
    },
}


class DeliveryError(CrmroiError):
    """The mail could not be handed to the SMTP server; the message says why."""


@dataclass(frozen=True)
class Smtp:
    """Where and how to hand the mail over."""

    host: str
    port: int
    starttls: bool = False
    user: str | None = None
    password: str | None = None

    @property
    def where(self) -> str:
        """``host:port``, as the user gave it."""
        return f"{self.host}:{self.port}"


def smtp_from_options(server: str | None, starttls: bool, user: str | None) -> Smtp:
    """The server of ``--smtp HOST:PORT`` with the login and ``CRMROI_SMTP_PASSWORD``."""
    if not server:
        raise InputError("--email needs --smtp HOST:PORT (the mail server to hand it to)")
    host, sep, port = server.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--smtp {server!r} is not HOST:PORT (e.g. mail.example.com:587)")
    password = None
    if user is not None:
        password = os.environ.get(PASSWORD_ENV)
        if not password:
            raise InputError(f"--user {user!r} needs the password in ${PASSWORD_ENV}")
    return Smtp(host.strip("[]"), int(port), starttls, user, password)


def check_addresses(addresses: Sequence[str]) -> list[str]:
    """The ``--email`` addresses, each at least ``name@domain`` (typos fail before the work)."""
    for address in addresses:
        local, at, domain = address.strip().rpartition("@")
        if not at or not local or not domain or any(c.isspace() for c in address.strip()):
            raise InputError(f"--email {address!r} is not an e-mail address")
    return [a.strip() for a in addresses]


def mail_plan(
    email: Sequence[str] | None, server: str | None, starttls: bool, user: str | None
) -> tuple[list[str], Smtp] | None:
    """The checked recipients and server of ``--email``/``--smtp`` (None: no mail wanted)."""
    if not email:
        if server or starttls or user:
            raise InputError("--smtp, --starttls and --user only go with --email ADDRESS")
        return None
    return check_addresses(email), smtp_from_options(server, starttls, user)


def sender(smtp: Smtp) -> str:
    """Who the mail is from (see the module docstring)."""
    configured = os.environ.get(SENDER_ENV)
    if configured:
        return configured
    if smtp.user and "@" in smtp.user:
        return smtp.user
    return f"crmroi@{socket.getfqdn() or 'localhost'}"


def findings_text(findings: Sequence[Finding], lang: str = "en", top: int = TOP) -> str:
    """The top findings as numbered plain-text lines: title, money, confidence, action."""
    words = _WORDS.get(lang, _WORDS["en"])
    if not findings:
        return words["none"]
    lines = [words["top"], ""]
    for i, f in enumerate(findings[:top], 1):
        money = f"{f.money_at_stake:,.0f} {f.currency}"
        if lang == "de":
            money = money.replace(",", ".")
        lines.append(f"{i}. {f.title}")
        lines.append(f"   {money} {words['stake']}, {f.confidence:.0%} {words['sure']}")
        lines.append(f"   {f.action}")
        lines.append("")
    return "\n".join(lines).rstrip()


def build_message(
    *,
    recipients: Sequence[str],
    from_: str,
    subject: str,
    body: str,
    attachments: Iterable[Path],
) -> EmailMessage:
    """A mail with ``body`` as text and each file attached under its own name and type."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = from_
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=from_.rpartition("@")[2] or None)
    msg.set_content(body)
    for path in attachments:
        kind, _ = mimetypes.guess_type(path.name)
        maintype, _, subtype = (kind or "application/octet-stream").partition("/")
        # bytes as they are (base64); text says it is UTF-8, as crmroi writes it
        params = {"charset": "utf-8"} if maintype == "text" else {}
        msg.add_attachment(path.read_bytes(), maintype, subtype, filename=path.name, params=params)
    return msg


def send(msg: EmailMessage, smtp: Smtp) -> None:
    """Hand ``msg`` to the server; every refusal becomes a :class:`DeliveryError`."""
    step = "STARTTLS"
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS) as server:
            if smtp.starttls:
                context = ssl.create_default_context(cafile=os.environ.get(CAFILE_ENV) or None)
                server.starttls(context=context)
            step = "AUTH (login)"
            if smtp.user is not None and smtp.password is not None:
                server.login(smtp.user, smtp.password)
            server.send_message(msg)
    except smtplib.SMTPNotSupportedError:
        raise DeliveryError(f"SMTP server {smtp.where} does not offer {step}") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"SMTP server {smtp.where} refused the login of {smtp.user!r} "
            f"({exc.smtp_code} {_text(exc.smtp_error)}); check --user and ${PASSWORD_ENV}"
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(sorted(exc.recipients))
        raise DeliveryError(f"SMTP server {smtp.where} refused the recipients {refused}") from None
    except ssl.SSLError as exc:
        raise DeliveryError(
            f"TLS with SMTP server {smtp.where} failed ({exc.reason or exc}); a private CA's "
            f"certificate can be given in ${CAFILE_ENV}"
        ) from None
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"SMTP server {smtp.where}: {exc}") from None
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise DeliveryError(f"cannot reach SMTP server {smtp.where}: {reason}") from None


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def deliver_report(
    ws: Workspace,
    config: Config,
    files: Sequence[Path],
    recipients: Sequence[str],
    smtp: Smtp,
    lang: str,
) -> None:
    """Mail the written report files with the workspace's top findings in the body."""
    from datetime import date

    from crmroi.insights import find

    found = find(
        ws,
        config.findings,
        currency=config.roi.currency,
        lang=lang,
        fx_rates=config.roi.fx_rates,
        roi=config.roi_settings(),
    )
    words = _WORDS.get(lang, _WORDS["en"])
    intro = words["intro"].format(files=", ".join(p.name for p in files))
    msg = build_message(
        recipients=recipients,
        from_=sender(smtp),
        subject=f"{config.company.name}: CRM report {date.today().isoformat()}",
        body=f"{intro}\n\n{findings_text(found, lang)}\n",
        attachments=files,
    )
    send(msg, smtp)
