"""E-mail delivery against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import os
import socket
from datetime import date
from pathlib import Path

import pytest

from crmroi import open_workspace
from crmroi.config import Config
from crmroi.errors import InputError
from crmroi.insights import Finding
from crmroi.report.delivery import (
    DeliveryError,
    Smtp,
    build_message,
    deliver_report,
    findings_text,
    mail_plan,
    send,
)
from crmroi.targets.store import TargetRow, write
from tests.targets.world import build

from .smtp import PASSWORD, USER, self_signed, smtp_server

PDF = bytes(range(256)) * 40  # every byte value: any re-encoding slip shows


def _files(tmp_path: Path) -> list[Path]:
    html = tmp_path / "report.html"
    html.write_text("<html><body>Bericht: Umsatz 1.234,56 €</body></html>", encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(PDF)
    return [html, pdf]


def test_report_arrives_with_attachments_intact_and_findings_in_the_body(
    tmp_path: Path,
) -> None:
    """The world of tests/targets with a July target of 60,000 the forecast misses: the body
    lists the target_gap finding (24,065 EUR at stake) after the missing deal sources (all
    319,000 of won revenue); both files arrive byte for byte, to both recipients."""
    ws = open_workspace(tmp_path / "w.duckdb")
    build(ws)
    write(ws, [TargetRow("won_revenue", "month", date(2025, 7, 1), 60_000)], file="t", source="t")
    with smtp_server() as (inbox, port):
        deliver_report(
            ws,
            Config(),
            _files(tmp_path),
            ["boss@example.com", "cfo@example.com"],
            Smtp("127.0.0.1", port, user=USER, password=PASSWORD),
            "en",
        )
    ws.close()
    (mail,) = inbox.mails
    assert inbox.recipients == [["boss@example.com", "cfo@example.com"]]
    assert mail["From"] == USER
    parts = {p.get_filename(): p for p in mail.iter_attachments()}
    assert parts["report.pdf"].get_content_type() == "application/pdf"
    assert parts["report.pdf"].get_content() == PDF
    assert parts["report.html"].get_content_type() == "text/html"
    assert "Umsatz 1.234,56 €" in parts["report.html"].get_content()
    body = mail.get_body(("plain",)).get_content()
    assert "The CRM report is attached (report.html, report.pdf)." in body
    lines = body.splitlines()
    assert [line for line in lines if line[:3] in {"1. ", "2. ", "3. "}] == [
        "1. 100% of deals lack deals.source (14 deals)",  # no deal has a source: 319,000
        "2. won_revenue 2025-07: projected 35,935 against a target of 60,000",
    ]
    assert "   24,065 EUR at stake, 100% sure" in lines


def test_body_lists_the_top_five_in_order() -> None:
    found = [
        Finding("adoption", f"rep {i}", 1000.0 * (10 - i), "EUR", 0.5, title=f"T{i}", action="A")
        for i in range(7)
    ]
    text = findings_text(found, "de")
    assert [line for line in text.splitlines() if line[:2] in {f"{i}." for i in range(1, 8)}] == [
        "1. T0", "2. T1", "3. T2", "4. T3", "5. T4",
    ]  # fmt: skip
    assert "10.000 EUR im Spiel, 50% sicher" in text
    assert findings_text([], "en") == "No findings: nothing to fix on the current data."


def _mail(tmp_path: Path) -> object:
    return build_message(
        recipients=["a@example.com"],
        from_="r@example.com",
        subject="s",
        body="b",
        attachments=_files(tmp_path),
    )


def test_starttls_with_a_trusted_certificate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's self-signed certificate, named in CRMROI_SMTP_CAFILE, is trusted; the
    login happens inside TLS (the server refuses AUTH before it)."""
    context, cert = self_signed(tmp_path)
    monkeypatch.setenv("CRMROI_SMTP_CAFILE", str(cert))
    with smtp_server(tls=context) as (inbox, port):
        send(_mail(tmp_path), Smtp("127.0.0.1", port, True, USER, PASSWORD))  # type: ignore[arg-type]
    (mail,) = inbox.mails
    assert {p.get_filename(): p.get_content() for p in mail.iter_attachments()}["report.pdf"] == PDF


def test_starttls_refuses_an_untrusted_certificate(tmp_path: Path) -> None:
    context, _ = self_signed(tmp_path)
    with smtp_server(tls=context) as (inbox, port), pytest.raises(DeliveryError) as caught:
        send(_mail(tmp_path), Smtp("127.0.0.1", port, True))  # type: ignore[arg-type]
    assert f"TLS with SMTP server 127.0.0.1:{port} failed" in str(caught.value)
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert inbox.mails == []


def test_starttls_wanted_but_not_offered(tmp_path: Path) -> None:
    with smtp_server() as (_, port), pytest.raises(DeliveryError, match="does not offer STARTTLS"):
        send(_mail(tmp_path), Smtp("127.0.0.1", port, True))  # type: ignore[arg-type]


def test_a_wrong_password_is_named(tmp_path: Path) -> None:
    with smtp_server() as (inbox, port), pytest.raises(DeliveryError) as caught:
        send(_mail(tmp_path), Smtp("127.0.0.1", port, user=USER, password="nope"))  # type: ignore[arg-type]
    assert str(caught.value).startswith(
        f"SMTP server 127.0.0.1:{port} refused the login of '{USER}' (535 "
    )
    assert "$CRMROI_SMTP_PASSWORD" in str(caught.value)
    assert inbox.mails == []


def test_a_refused_connection_is_named(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        with pytest.raises(DeliveryError) as caught:
            send(_mail(tmp_path), Smtp("127.0.0.1", port))  # type: ignore[arg-type]
    assert str(caught.value) == f"cannot reach SMTP server 127.0.0.1:{port}: Connection refused"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((["a@example.com"], None, False, None), "--email needs --smtp HOST:PORT"),
        ((["a@example.com"], "mail.example.com", False, None), "is not HOST:PORT"),
        ((["not-an-address"], "h:25", False, None), "'not-an-address' is not an e-mail address"),
        ((None, "h:25", False, None), "only go with --email"),
        ((["a@example.com"], "h:25", False, "bob"), "needs the password in $CRMROI_SMTP_PASSWORD"),
    ],
)
def test_options_are_checked_first(
    args: tuple[list[str] | None, str | None, bool, str | None],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CRMROI_SMTP_PASSWORD", raising=False)
    with pytest.raises(InputError) as caught:
        mail_plan(*args)
    assert message in str(caught.value)


def test_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMROI_SMTP_PASSWORD", "pw")
    plan = mail_plan(["a@example.com"], "[::1]:587", True, "bob")
    assert plan is not None
    assert plan[1] == Smtp("::1", 587, True, "bob", "pw")
    assert os.environ["CRMROI_SMTP_PASSWORD"] == "pw"
