"""A real public export no preset matches: the page drafts a mapping, the user confirms it."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crmroi.web.settings import WebSettings
from tests.web.conftest import Live, get, serving

pytestmark = pytest.mark.browser


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Live]:
    settings = WebSettings(workspace=str(tmp_path / "ws.duckdb"), upload_dir=tmp_path / "uploads")
    with serving(settings) as live:
        yield live


def test_drafted_mapping_confirmed_in_the_page(
    browser: Any, empty: Live, shared_data: Path
) -> None:
    export = shared_data / "nps_bt_verbatims" / "nps_verbatims.csv"
    with export.open(encoding="utf-8", newline="") as handle:
        rows = sum(1 for _ in csv.reader(handle)) - 1
    context = browser.new_context(base_url=empty.url)
    try:
        page = context.new_page()
        page.goto("/imports")
        page.set_input_files("#files", str(export))
        page.click("#upload-form button[type=submit]")
        page.wait_for_selector("form.draft textarea", timeout=120_000)
        assert "no preset matches" in page.inner_text("form.draft")
        draft = page.input_value("form.draft textarea")
        assert 'table = "survey_responses"' in draft
        page.fill("form.draft textarea", draft.replace('default = "nps"', 'default = "nps"  # ok'))
        with page.expect_navigation():
            page.click("form.draft button")
        page.wait_for_selector("#reconciliation-table")
        cells = page.locator("#reconciliation-table tbody tr td").all_inner_texts()
        assert cells[:2] == ["nps_verbatims.csv", "survey_responses"]
        assert cells[2] == "nps_verbatims.csv.mapping.toml"
        read, loaded, quarantined = (int(c.replace(",", "")) for c in cells[3:6])
        assert read == rows and read == loaded + quarantined
    finally:
        context.close()
    runs = get(f"{empty.url}/api/imports").json()["runs"]
    assert [(r["file"], r["table"], r["rows_read"]) for r in runs] == [
        ("nps_verbatims.csv", "survey_responses", rows)
    ]
