"""Report rendering: offline HTML drawn by headless Chromium, PDF pages, XLSX numbers, German."""

from __future__ import annotations

import itertools
import re
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from crmroi.report.html import render_html, write_html
from crmroi.report.i18n import format_value
from crmroi.report.model import DataTable, Report, Section, Unit
from crmroi.report.pdf import write_pdf
from crmroi.report.xlsx import write_xlsx


@pytest.mark.browser
def test_html_report_draws_its_chart_offline(
    small_report: Report, browser: Any, tmp_path: Path, coloured_share: Any
) -> None:
    path = write_html(small_report, tmp_path / "report.html")
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-charts-ready=true]", timeout=15_000)
    chart = page.locator("#chart-revenue svg")
    assert chart.count() == 1
    assert page.locator("#chart-revenue .mark-rect path").count() == 6  # six monthly bars
    png = page.locator("#chart-revenue").screenshot()
    assert coloured_share(png) > 0.05
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert [url for url in requests if not url.startswith("file://")] == []
    assert page.locator("#metric-roi_pct .value").inner_text() == "150.0%"
    page.close()


def test_german_formatting_uses_decimal_comma_and_trailing_euro() -> None:
    assert format_value(999.5, Unit.currency, "de", "EUR") == "999,50\xa0€"
    assert format_value(1234.4, Unit.currency, "de", "EUR") == "1.234\xa0€"  # no cents ≥ 1,000
    assert format_value(1234567.891, Unit.currency, "de", "EUR") == "1.234.568\xa0€"
    assert format_value(1234567.891, Unit.currency, "en", "EUR") == "€1,234,568"
    assert format_value(0.256, Unit.ratio, "de", "EUR") == "25,6\xa0%"
    assert format_value(None, Unit.ratio, "de", "EUR") == "–"


def test_html_markup_holds_every_figure(small_report: Report) -> None:
    html = render_html(small_report, inline_js=False)
    assert "€1,234,568" in html
    assert "range 120.0% … 180.0%" in html
    assert "Cost by category" in html and "€250.50" in html
    assert "<script" not in html.split("</head>")[1] or "vegaEmbed" not in html


def test_pdf_has_the_chart_as_vector_graphics(
    small_report: Report, tmp_path: Path, coloured_share: Any
) -> None:
    pdf = write_pdf(small_report, tmp_path / "report.pdf")
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Won revenue by month" in text and "150.0%" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p*.png"))
    assert max(coloured_share(page.read_bytes()) for page in pages) > 0.01


def test_xlsx_keeps_numbers_as_numbers(small_report: Report, tmp_path: Path) -> None:
    from python_calamine import CalamineWorkbook

    path = write_xlsx(small_report, tmp_path / "report.xlsx")
    book = CalamineWorkbook.from_path(str(path))
    summary = book.get_sheet_by_index(0).to_python()
    values = {row[0]: row[1] for row in summary if row and row[0]}
    assert values["ROI"] == 150.0
    assert values["Revenue through the CRM"] == pytest.approx(1234567.891)
    cost = book.get_sheet_by_name("Cost by category").to_python()
    assert cost[2] == ["training", 250.5]


def test_pdf_keeps_a_wide_table_on_the_page(small_report: Report, tmp_path: Path) -> None:
    """The workflow-holdout table has nine columns of long figures: on A4 every word of it must
    lie inside the page (its ROI column used to run off the right edge)."""
    columns = ("workflow", "enrolled", "holdout", "conversion lift", "added revenue",
               "low (95 %)", "high (95 %)", "cost", "ROI")  # fmt: skip
    units = (Unit.text, Unit.integer, Unit.integer, Unit.ratio, Unit.currency, Unit.currency,
             Unit.currency, Unit.currency, Unit.percent)  # fmt: skip
    figures = (8011, 1380, 0.021, 5757642.0, -8335763.0, 10805029.0, 4000.0, 143841.0)
    rows = tuple((f"Demo request follow-up {i}", *figures) for i in range(4))
    wide = Section(
        id="wide", title="Wide", tables=(DataTable("holdouts", "Workflows", columns, rows, units),)
    )
    report = replace(small_report, sections=(*small_report.sections, wide))
    pdf = write_pdf(report, tmp_path / "wide.pdf")
    bbox = tmp_path / "words.html"
    subprocess.run(["pdftotext", "-bbox", str(pdf), str(bbox)], check=True)
    html = bbox.read_text(encoding="utf-8")
    width = re.search(r'<page width="([\d.]+)"', html)
    assert width is not None
    words = re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)<', html)
    assert "143,841.0%" in [w for _, _, w in words]
    assert [w for x0, x1, w in words if float(x0) < 0 or float(x1) > float(width.group(1))] == []


def _overlapping_words(pdf: Path, tmp_path: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Every word of the PDF, and the pairs of words on one line whose boxes overlap."""
    bbox = tmp_path / f"{pdf.stem}.html"
    subprocess.run(["pdftotext", "-bbox", str(pdf), str(bbox)], check=True)
    words, overlaps = [], []
    for page in bbox.read_text(encoding="utf-8").split("<page ")[1:]:
        found = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)"[^>]*>([^<]*)<', page)
        words += [w for *_, w in found]
        lines: dict[float, list[tuple[float, float, str]]] = {}
        for x0, y0, x1, w in found:
            lines.setdefault(round(float(y0)), []).append((float(x0), float(x1), w))
        for line in lines.values():
            line.sort()
            overlaps += [(a[2], b[2]) for a, b in itertools.pairwise(line) if a[1] > b[0] + 0.5]
    return words, overlaps


@pytest.mark.parametrize("lang", ["en", "de"])
def test_pdf_findings_table_keeps_every_word_in_its_column(
    small_report: Report, tmp_path: Path, lang: str
) -> None:
    """The findings table has fixed column widths in the PDF (it is most of the pages, and an
    automatic layout measured every cell twice): each header and figure must still fit its
    column, no word running into the next column's."""
    from types import SimpleNamespace

    from crmroi.insights.finding import Finding
    from crmroi.report.sections.findings import findings_table

    found = [
        Finding(
            kind="churn_risk",
            subject=f"BlueWerk Systems AG {i}",
            money_at_stake=1_234_567_890.0 - i,
            currency="EUR",
            confidence=1.0,
            evidence={"account": f"ACC-0206{i:03d}", "interactions": 18, "p_value": 0.0004},
            action="Call the account this week: ask what changed, solve open issues and agree "
            "on the next business review before the renewal.",
            title=f"BlueWerk Systems AG {i} is at risk: 18 interactions in 90 days where 48 "
            "were usual",
        )
        for i in range(12)
    ]
    ctx = SimpleNamespace(lang=lang, text=lambda en, de: de if lang == "de" else en)
    table = findings_table(ctx, found, table_id="findings", title="All findings", full=True)  # type: ignore[arg-type]
    report = replace(
        small_report,
        lang=lang,
        sections=(Section(id="findings", title="Findings", tables=(table,)),),
    )
    words, overlaps = _overlapping_words(write_pdf(report, tmp_path / "f.pdf"), tmp_path)
    assert overlaps == []
    shown = " ".join(words)
    for header in table.columns[1:]:
        assert header in shown
    # no figure broken across lines: the largest amount and an account id are whole words
    assert ("1.234.567.890" if lang == "de" else "€1,234,567,890") in words
    assert "ACC-0206011;" in words
