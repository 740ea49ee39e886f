"""Security of the dashboard against a real server: token, CSRF, uploads, headers, escaping."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from crmroi.errors import InputError
from crmroi.web.app import create_app
from crmroi.web.settings import WebSettings, is_loopback
from crmroi.web.uploads import safe_name
from tests.web.conftest import TIMEOUT, Live, get, serving

TOKEN = "s3cret-token-for-the-tests"
TARGET_CSV = b"kpi,grain,period_start,value\nwon_revenue,quarter,2025-01-01,1000\n"


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[Live]:
    settings = WebSettings(
        workspace=str(tmp_path / "ws.duckdb"), token=TOKEN, upload_dir=tmp_path / "uploads"
    )
    with serving(settings) as live:
        yield live


@pytest.fixture
def small_limit(tmp_path: Path) -> Iterator[Live]:
    settings = WebSettings(
        workspace=str(tmp_path / "ws.duckdb"),
        upload_dir=tmp_path / "uploads",
        max_upload_bytes=1000,
    )
    with serving(settings) as live:
        yield live


def _csrf(client: httpx.Client, path: str = "/imports") -> str:
    page = client.get(path)
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_non_loopback_bind_without_token_refuses(tmp_path: Path, host: str) -> None:
    with pytest.raises(InputError, match="access token"):
        create_app(WebSettings(workspace=str(tmp_path / "ws.duckdb"), host=host))
    create_app(WebSettings(workspace=str(tmp_path / "ws.duckdb"), host=host, token=TOKEN))


def test_serve_command_refuses_a_public_bind_without_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CRMROI_TOKEN"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "src")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "crmroi",
            "-w",
            str(tmp_path / "ws.duckdb"),
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            "1",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "--token" in done.stderr and "CRMROI_TOKEN" in done.stderr


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.0.0.1", False),
        ("::", False),
        ("host.example", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_every_request_needs_the_token(guarded: Live) -> None:
    for path in ("/", "/imports", "/api/imports", "/api/openapi.json", "/static/dashboard.js"):
        answer = get(guarded.url + path)
        assert answer.status_code == 401, path
    assert (
        get(guarded.url + "/api/imports", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    ok = get(guarded.url + "/api/imports", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    assert ok.json() == {"runs": [], "quarantined_total": 0, "quarantined": []}


def test_token_link_sets_a_cookie_and_cleans_the_address(guarded: Live) -> None:
    with httpx.Client(timeout=TIMEOUT, base_url=guarded.url) as client:
        assert client.get("/imports?token=wrong").status_code == 401
        first = client.get(f"/imports?lang=de&token={TOKEN}")
        assert first.status_code == 303
        assert first.headers["location"] == "/imports?lang=de"
        assert "httponly" in first.headers["set-cookie"].lower()
        assert client.get("/imports?lang=de").status_code == 200


def test_security_headers_and_no_inline_script(small_limit: Live) -> None:
    answer = get(small_limit.url + "/imports")
    csp = answer.headers["content-security-policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'"]
    assert "frame-ancestors 'none'" in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    scripts = re.findall(r"<script([^>]*)>", answer.text)
    assert scripts
    assert all("src=" in s or 'type="application/json"' in s for s in scripts)


def test_forms_need_their_csrf_token(small_limit: Live) -> None:
    form = {"kpi": "won_revenue", "grain": "quarter", "period_start": "2025-01-01", "value": "1"}
    with httpx.Client(timeout=TIMEOUT, base_url=small_limit.url) as client:
        token = _csrf(client, "/settings")
        assert client.post("/settings/target", data=form).status_code == 403
        assert client.post("/settings/target", data={**form, "csrf": "x" * 43}).status_code == 403
        other = client.post(
            "/settings/target",
            data={**form, "csrf": token},
            headers={"Origin": "http://evil.example"},
        )
        assert other.status_code == 403
        files = {"files": ("targets.csv", TARGET_CSV, "text/csv")}
        assert client.post("/imports", files=files).status_code == 403
        assert client.get("/api/targets").json() == []
        assert client.get("/api/imports").json()["runs"] == []
        done = client.post("/settings/target", data={**form, "csrf": token})
        assert done.status_code == 303
        assert [t["kpi"] for t in client.get("/api/targets").json()] == ["won_revenue"]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\deals.csv", "deals.csv"),
        ("C:\\Users\\x\\contacts.csv", "contacts.csv"),
        ("/abs/path/orders.csv", "orders.csv"),
        ("..", "upload"),
        ("", "upload"),
        ("Kündigungen März.csv", "Kundigungen_Marz.csv"),
        ("a<b>|c;.csv", "a_b_c_.csv"),
    ],
)
def test_upload_names_are_sanitised(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_path_traversal_upload_name_is_neutralised(small_limit: Live, tmp_path: Path) -> None:
    uploads = small_limit.settings.uploads
    escape = "../../../" + str(tmp_path.name) + "/targets.csv"
    with httpx.Client(timeout=TIMEOUT, base_url=small_limit.url, follow_redirects=True) as client:
        token = _csrf(client)
        files = {"files": (escape, TARGET_CSV, "text/csv")}
        answer = client.post("/imports", data={"csrf": token}, files=files)
        assert answer.status_code == 200
        assert "<td>targets.csv</td><td>targets</td>" in answer.text
        runs = client.get("/api/imports").json()["runs"]
    stored = [p for p in uploads.rglob("*") if p.is_file()]
    assert [p.name for p in stored] == ["targets.csv"]
    assert all(uploads in p.resolve().parents for p in stored)
    assert not (tmp_path / "targets.csv").exists()
    assert [(r["file"], r["table"], r["rows_loaded"]) for r in runs] == [
        ("targets.csv", "targets", 1)
    ]


def test_oversized_upload_is_refused_and_nothing_imported(small_limit: Live) -> None:
    small = b"kpi,grain,period_start,value\n" + b"won_revenue,month,2025-01-01,1\n"
    big = b"kpi,grain,period_start,value\n" + b"won_revenue,month,2025-01-01,1\n" * 60
    assert len(big) > 1000
    with httpx.Client(timeout=TIMEOUT, base_url=small_limit.url) as client:
        token = _csrf(client)
        files = [
            ("files", ("targets.csv", small, "text/csv")),
            ("files", ("big.csv", big, "text/csv")),
        ]
        answer = client.post("/imports", data={"csrf": token}, files=files)
        assert answer.status_code == 413
        assert "big.csv is larger than the upload limit" in answer.text
        assert "nothing was imported" in answer.text
        plain = client.post(
            "/imports", data={"csrf": token}, files=files, headers={"Accept": "text/plain"}
        )
        assert plain.status_code == 413
        assert plain.text.startswith("big.csv is larger than the upload limit of")
        assert client.get("/api/imports").json()["runs"] == []
    assert not small_limit.settings.uploads.exists() or not any(
        small_limit.settings.uploads.rglob("*")
    )


def test_upload_of_another_type_is_refused(small_limit: Live) -> None:
    with httpx.Client(timeout=TIMEOUT, base_url=small_limit.url) as client:
        token = _csrf(client)
        files = {"files": ("tool.exe", b"MZ\x90\x00", "application/octet-stream")}
        answer = client.post(
            "/imports", data={"csrf": token}, files=files, headers={"Accept": "text/plain"}
        )
    assert answer.status_code == 415
    assert answer.text.startswith("tool.exe: crmroi cannot import .exe files")


def test_mapping_form_reaches_only_stored_uploads(small_limit: Live) -> None:
    form = {"batch": "0123456789abcdef", "file": "deals.csv", "toml": 'table = "deals"'}
    with httpx.Client(timeout=TIMEOUT, base_url=small_limit.url) as client:
        token = _csrf(client)
        assert client.post("/imports/mapping", data=form).status_code == 403
        for batch, file in [
            ("../../../etc", "passwd"),
            ("0123456789abcdef", "../deals.csv"),
            ("0123456789abcdef", "deals.csv"),
        ]:
            answer = client.post(
                "/imports/mapping",
                data={**form, "batch": batch, "file": file, "csrf": token},
                headers={"Accept": "text/plain"},
            )
            assert answer.status_code in (404, 422), (batch, file)
        assert client.get("/api/imports").json()["runs"] == []


def test_page_state_cannot_be_set_from_the_address(small_limit: Live) -> None:
    answer = get(small_limit.url + "/settings?status=500&error=Your+account+is+locked")
    assert answer.status_code == 200
    assert "Your account is locked" not in answer.text
