"""The Settings page saves company, currency, language and go-live into crmroi.toml: checked by
the settings loader first, the rest of the file kept, and every page shows it afterwards."""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from crmroi.web.config_edit import CompanyEdit, save_company
from crmroi.web.results import Results
from crmroi.web.settings import WebSettings
from tests.web.conftest import HOSTILE, TIMEOUT, Live, serving

CONFIG = """\
# settings of the test company; a comment the page must keep
[company]
name = "Demo GmbH"  # trailing comment
currency = "EUR"
lang = "en"
adoption_date = 2024-07-01

[roi]
discount_rate = 0.07  # the CFO's rate

[kpis]
fiscal_year_start_month = 4
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Live]:
    """A server on an empty workspace with its own settings file (the shared one stays as is)."""
    config = tmp_path / "crmroi.toml"
    config.write_text(CONFIG, encoding="utf-8")
    settings = WebSettings(
        workspace=str(tmp_path / "ws.duckdb"), config=config, upload_dir=tmp_path / "uploads"
    )
    with serving(settings) as live:
        yield live


def _others(text: str) -> dict[str, Any]:
    """Every section but [company], parsed."""
    data = tomllib.loads(text)
    data.pop("company", None)
    return data


@pytest.mark.browser
def test_company_edit_in_chromium_shows_on_every_page(browser: Any, server: Live) -> None:
    config = server.settings.config
    assert config is not None
    context = browser.new_context(base_url=server.url)
    tab = context.new_page()
    try:
        tab.goto("/settings")
        assert tab.get_attribute("html", "lang") == "en"
        tab.fill("#company-name", HOSTILE)
        tab.fill("#company-currency", "chf")
        tab.select_option("#company-lang", "de")
        tab.fill("#company-adoption", "2024-03-01")
        tab.click("#company-form button[type=submit]")
        tab.wait_for_url(f"{server.url}/settings")
        assert tab.get_attribute("html", "lang") == "de"  # the configured language now
        table = tab.inner_text("#settings-table")
        assert HOSTILE in table  # shown as text, not run
        assert "CHF" in table
        assert "2024-03-01" in table
        assert tab.input_value("#company-name") == HOSTILE
        tab.goto("/findings")
        assert tab.get_attribute("html", "lang") == "de"
        assert HOSTILE in tab.inner_text("header")
    finally:
        context.close()
    saved = config.read_text(encoding="utf-8")
    company = tomllib.loads(saved)["company"]
    assert company == {
        "name": HOSTILE,
        "currency": "CHF",
        "lang": "de",
        "adoption_date": date(2024, 3, 1),
    }
    assert _others(saved) == _others(CONFIG)
    assert "# settings of the test company; a comment the page must keep" in saved
    assert "discount_rate = 0.07  # the CFO's rate" in saved


def _csrf(client: httpx.Client) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/settings").text)
    assert found is not None
    return found.group(1)


GOOD = {"name": "Nord AG", "currency": "EUR", "company_lang": "en", "adoption_date": ""}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"currency": "EURO"}, "currency must be an ISO 4217 code"),
        ({"company_lang": "fr"}, "lang must be one of en, de"),
        ({"adoption_date": "2099-01-01"}, "adoption_date 2099-01-01 is in the future"),
        ({"adoption_date": "1979-12-31"}, "adoption_date 1979-12-31 is before 1980"),
        ({"adoption_date": "2024-13-01"}, "adoption date '2024-13-01' is not a day"),
        ({"name": "   "}, "the company name is empty"),
        ({"name": "A\x00B"}, "control character"),
    ],
)
def test_refused_values_leave_the_file_unchanged(
    server: Live, change: dict[str, str], message: str
) -> None:
    config = server.settings.config
    assert config is not None
    with httpx.Client(timeout=TIMEOUT, base_url=server.url) as client:
        answer = client.post("/settings/company", data={**GOOD, **change, "csrf": _csrf(client)})
    assert answer.status_code == 400
    shown = html.unescape(answer.text)
    assert message in shown
    assert config.read_text(encoding="utf-8") == CONFIG


def test_company_form_needs_its_csrf_token(server: Live) -> None:
    config = server.settings.config
    assert config is not None
    with httpx.Client(timeout=TIMEOUT, base_url=server.url) as client:
        assert client.post("/settings/company", data=GOOD).status_code == 403
        assert config.read_text(encoding="utf-8") == CONFIG
        done = client.post("/settings/company", data={**GOOD, "csrf": _csrf(client)})
        assert done.status_code == 303
    company = tomllib.loads(config.read_text(encoding="utf-8"))["company"]
    assert company == {"name": "Nord AG", "currency": "EUR", "lang": "en"}  # go-live removed


def test_a_missing_settings_file_is_created(tmp_path: Path) -> None:
    path = tmp_path / "crmroi.toml"
    config = save_company(path, CompanyEdit("Süd KG", "usd", "de", None))
    assert config.company.currency == "USD"
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {
        "company": {"name": "Süd KG", "currency": "USD", "lang": "de"}
    }


def test_cached_results_are_recomputed_after_a_save(tmp_path: Path) -> None:
    path = tmp_path / "crmroi.toml"
    path.write_text(CONFIG, encoding="utf-8")
    results = Results(WebSettings(workspace=str(tmp_path / "ws.duckdb"), config=path))
    calls: list[str] = []

    def currency(ws: Any, config: Any) -> str:
        calls.append(config.company.currency)
        return str(config.company.currency)

    assert results.get(("currency",), currency).value == "EUR"
    assert results.get(("currency",), currency).value == "EUR"
    assert calls == ["EUR"]  # cached while the file is unchanged
    save_company(path, CompanyEdit("Demo GmbH", "GBP", "en", date(2024, 7, 1)))
    assert results.get(("currency",), currency).value == "GBP"
    assert calls == ["EUR", "GBP"]
