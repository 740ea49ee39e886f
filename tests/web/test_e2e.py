"""The dashboard in headless Chromium against a real server on loopback.

The simulated company's exports are uploaded through the page (drag-and-drop form, XHR with
progress); every later test reads the workspace that upload built.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from crmroi.web.i18n import PAGES, page_name
from tests.web.conftest import HOSTILE, Company, Live, get

pytestmark = pytest.mark.browser

CHARTED = {"overview", "findings", "kpis", "sales", "customers", "attribution", "costs"}
"""Pages that draw at least one chart on the small company."""


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def test_upload_reconciles_every_file(uploaded: list[list[str]], company: Company) -> None:
    assert sorted(r[0] for r in uploaded) == sorted(p.name for p in company.files)
    for name, table, _mapping, read, loaded, quarantined, _notes in uploaded:
        assert table == name.removesuffix(".csv")
        assert _count(read) == company.rows[name]
        assert _count(read) == _count(loaded) + _count(quarantined)


def _wait_for_charts(tab: Any) -> None:
    tab.wait_for_selector("body[data-charts-ready], body[data-charts-error]", timeout=120_000)
    assert tab.get_attribute("body", "data-charts-error") is None


@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_page_in_both_languages_with_its_charts(
    tab: Any, uploaded: list[list[str]], lang: str
) -> None:
    for page_id, path, _en, _de in PAGES:
        tab.goto(f"{path}?lang={lang}")
        _wait_for_charts(tab)
        assert tab.get_attribute("html", "lang") == lang
        assert tab.inner_text("h1") == page_name(page_id, lang)
        assert tab.locator("#page-error").count() == 0, tab.inner_text("#page-error")
        charts = tab.locator(".chart")
        drawn = tab.locator(".chart[data-rendered=true] svg")
        assert drawn.count() == charts.count()
        if page_id in CHARTED:
            assert drawn.count() >= 1, page_id
    assert not tab.dialogs


def test_headline_figure_formatted_per_language(tab: Any, live: Live) -> None:
    shown = {}
    for lang in ("en", "de"):
        tab.goto(f"/?lang={lang}")
        shown[lang] = tab.inner_text("#metric-total_cost .value")
    api = get(f"{live.url}/api/report/overview").json()
    tco = next(m["value"] for m in api["metrics"] if m["id"] == "total_cost")
    assert re.fullmatch(r"€\d{1,3}(,\d{3})+", shown["en"]), shown["en"]
    assert re.fullmatch(r"\d{1,3}(\.\d{3})+\s€", shown["de"]), shown["de"]
    assert int(re.sub(r"\D", "", shown["en"])) == round(tco)
    assert int(re.sub(r"\D", "", shown["de"])) == round(tco)


def test_script_named_rep_shows_as_text(tab: Any) -> None:
    tab.goto("/findings")
    _wait_for_charts(tab)
    subjects = tab.locator("#findings-table .subject").all_inner_texts()
    assert HOSTILE in subjects
    assert tab.locator("script:not([src]):not([type='application/json'])").count() == 0
    assert not tab.dialogs


def test_filter_findings_by_kind(tab: Any, live: Live) -> None:
    tab.goto("/findings")
    tab.select_option("#kind", "adoption")
    tab.click("#findings-filter button")
    tab.wait_for_url(re.compile(r"kind=adoption"))
    kinds = [
        tab.get_attribute(f"#findings-table tr.finding >> nth={i}", "data-kind")
        for i in range(tab.locator("#findings-table tr.finding").count())
    ]
    expected = get(f"{live.url}/api/findings", params={"kind": "adoption"}).json()
    assert expected and len(kinds) == len(expected)
    assert set(kinds) == {"adoption"}


def test_set_a_target_and_see_it_on_the_kpi_page(tab: Any, live: Live) -> None:
    tab.goto("/settings")
    tab.select_option("#target-kpi", "won_revenue")
    tab.select_option("#target-grain", "quarter")
    tab.fill("#target-period", "2025-01-01")
    tab.fill("#target-value", "123456")
    with tab.expect_navigation():
        tab.click("#target-form button")
    tab.wait_for_selector("#targets-table")
    assert "won_revenue" in tab.inner_text("#targets-table")

    tab.goto("/kpis")
    tab.select_option("#kpi", "won_revenue")
    tab.select_option("#grain", "quarter")
    with tab.expect_navigation():
        tab.click("#kpi-form button")
    _wait_for_charts(tab)
    row = tab.locator("#kpi-table tbody tr", has_text="2025-01-01")
    assert row.locator("td.target").inner_text() == "€123,456"
    api = get(f"{live.url}/api/kpis", params={"kpi": "won_revenue", "grain": "quarter"})
    q1 = next(r for r in api.json()["rows"] if r["period_start"] == "2025-01-01")
    assert q1["target"] == 123456
    assert q1["attainment"] == pytest.approx(q1["value"] / 123456)


def test_kpi_by_dimension(tab: Any, live: Live) -> None:
    tab.goto("/kpis?kpi=won_revenue&grain=year")
    tab.select_option("#by", "owner")
    with tab.expect_navigation():
        tab.click("#kpi-form button")
    _wait_for_charts(tab)
    header = tab.locator("#kpi-table thead th").all_inner_texts()
    assert "owner" in header
    api = get(
        f"{live.url}/api/kpis", params={"kpi": "won_revenue", "grain": "year", "by": "owner"}
    ).json()
    assert tab.locator("#kpi-table tbody tr").count() == len(api["rows"])


@pytest.mark.parametrize(
    ("fmt", "magic"), [("html", b"<!DOCTYPE html>"), ("pdf", b"%PDF"), ("xlsx", b"PK")]
)
def test_download_the_report(tab: Any, uploaded: list[list[str]], fmt: str, magic: bytes) -> None:
    tab.goto("/costs")
    with tab.expect_download(timeout=180_000) as info:
        tab.click(f"#download-{fmt}")
    body = Path(info.value.path()).read_bytes()
    assert body.startswith(magic)
    if fmt == "html":
        assert "Does the CRM pay for itself?" in body.decode("utf-8")
