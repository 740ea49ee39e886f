"""`crmroi report --email … --smtp …` through the real CLI to a loopback SMTP server."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmroi import open_workspace
from crmroi.cli.app import app
from tests.targets.world import build

from .smtp import PASSWORD, USER, smtp_server


def test_report_is_written_and_mailed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CRMROI_SMTP_PASSWORD", PASSWORD)
    ws = open_workspace(tmp_path / "w.duckdb")
    build(ws)
    ws.close()
    out = tmp_path / "report.html"
    with smtp_server() as (inbox, port):
        result = CliRunner().invoke(
            app,
            ["-w", str(tmp_path / "w.duckdb"), "report", "--out", str(out),
             "--email", "boss@example.com", "--smtp", f"127.0.0.1:{port}", "--user", USER],
        )  # fmt: skip
    assert result.exit_code == 0, (result.output, result.exception)
    assert f"report mailed to boss@example.com via 127.0.0.1:{port}" in result.stdout
    (mail,) = inbox.mails
    (part,) = mail.iter_attachments()
    assert part.get_filename() == "report.html"
    assert part.get_content().encode("utf-8") == out.read_bytes()
    assert "1. 100% of deals lack deals.source (14 deals)" in mail.get_body().get_content()


def test_bad_mail_options_stop_before_the_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["-w", str(tmp_path / "w.duckdb"), "report", "--out", str(tmp_path / "r.html"),
         "--email", "boss@example.com"],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "--email needs --smtp HOST:PORT" in str(result.exception)
    assert not (tmp_path / "r.html").exists()
