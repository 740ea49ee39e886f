"""A real dashboard server on loopback over the small simulated company, for the web tests.

The company's exports reach the workspace through the page's upload form (``test_e2e``), so
the server starts on an empty workspace; a user of the seed-0 company is renamed to a script
tag, which every page must show as text.
"""

from __future__ import annotations

import csv
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from crmroi.web.app import create_app
from crmroi.web.settings import WebSettings

HOSTILE = "<script>alert(1)</script>"
RENAMED = "Jonas Huber"
"""The rep whose neglected deals and low adoption are the small company's top findings."""


@dataclass(frozen=True)
class Company:
    """The simulated company's export files, the data row count of each, and its settings."""

    files: tuple[Path, ...]
    rows: dict[str, int]
    config: Path
    adoption: date


@pytest.fixture(scope="session")
def company(tmp_path_factory: pytest.TempPathFactory) -> Company:
    from crmroi import synth

    out = tmp_path_factory.mktemp("company")
    made = synth.generate("small", 0)
    files = [p for p in synth.write(made, out / "exports") if p.suffix == ".csv"]
    users = out / "exports" / "users.csv"
    text = users.read_text(encoding="utf-8")
    assert RENAMED in text
    users.write_text(text.replace(RENAMED, HOSTILE), encoding="utf-8")
    rows = {}
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            rows[path.name] = sum(1 for _ in csv.reader(handle)) - 1
    adoption = date.fromisoformat(str(made.truth["adoption_date"])[:10])
    config = out / "crmroi.toml"
    config.write_text(
        '[company]\nname = "Demo GmbH"\ncurrency = "EUR"\nlang = "en"\n'
        f"adoption_date = {adoption.isoformat()}\n",
        encoding="utf-8",
    )
    return Company(tuple(files), rows, config, adoption)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist every web test joins one group: one server, one upload."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("web"))


TIMEOUT = 120
"""Seconds a test waits for an answer: the first visit computes the report, on a busy machine."""


def get(url: str, **options: Any) -> httpx.Response:
    """``httpx.get`` with the tests' timeout."""
    return httpx.get(url, timeout=TIMEOUT, **options)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Live:
    """A running server: its address and settings."""

    url: str
    settings: WebSettings
    app: Any = None
    """The application served, for tests that reach into its state."""


@contextmanager
def serving(settings: WebSettings) -> Iterator[Live]:
    """Uvicorn on a free loopback port in a thread, stopped on exit."""
    import uvicorn

    port = free_port()
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", settings, app)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        app.state.results.close()


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, company: Company) -> Iterator[Live]:
    """The dashboard on an empty workspace with the company's settings."""
    folder = tmp_path_factory.mktemp("served")
    settings = WebSettings(
        workspace=str(folder / "crmroi.duckdb"),
        config=company.config,
        upload_dir=folder / "uploads",
    )
    with serving(settings) as server:
        yield server


@pytest.fixture(scope="session")
def tab(browser: Any, live: Live) -> Iterator[Any]:
    context = browser.new_context(base_url=live.url, accept_downloads=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


@pytest.fixture(scope="session")
def uploaded(tab: Any, company: Company) -> list[list[str]]:
    """Upload every export in one go through the Imports page; the reconciliation rows."""
    tab.goto("/imports")
    tab.set_input_files("#files", [str(p) for p in company.files])
    tab.click("#upload-form button[type=submit]")
    tab.wait_for_selector("#reconciliation-table, #upload-error:not([hidden])", timeout=180_000)
    assert tab.locator("#upload-error:not([hidden])").count() == 0, tab.inner_text("#upload-error")
    assert tab.locator("#reconciliation .errors").count() == 0
    rows = tab.locator("#reconciliation-table tbody tr")
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]
