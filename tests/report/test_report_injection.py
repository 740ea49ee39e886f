"""Names from the data are text in every format: never an Excel formula, never HTML markup
(issue 16 point 1, XLSX part; HTML escaping)."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from crmroi.report.html import render_html
from crmroi.report.model import DataTable, Metric, Missing, Report, Section, Unit
from crmroi.report.xlsx import write_xlsx

FORMULAS = (
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","click")',
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
)
SCRIPT = '</script><script>alert("x")</script>'
PAYLOADS = (*FORMULAS, SCRIPT, "http://evil.example/long")


def _hostile(report: Report) -> Report:
    """The small report with every payload where data text can go: table cells, metric labels
    and notes, section notes and missing lines, and the company name."""
    table = DataTable(
        "workflows",
        "Workflows against their holdout groups",
        ("workflow", "ROI"),
        tuple((name, float(i)) for i, name in enumerate(PAYLOADS)),
        (Unit.text, Unit.percent),
    )
    section = Section(
        id="hostile",
        title="What brought the revenue",
        metrics=tuple(
            Metric(f"m{i}", name, 1.0, Unit.number, note=name) for i, name in enumerate(PAYLOADS)
        ),
        tables=(table,),
        notes=PAYLOADS,
        missing=(Missing(what=SCRIPT, how="=1+1"),),
    )
    return replace(report, subtitle=SCRIPT, sections=(*report.sections, section))


def test_no_data_text_becomes_a_formula_in_the_workbook(
    small_report: Report, tmp_path: Path
) -> None:
    """The sheets' XML holds no <f> element at all (the report writes no formula), and Excel's
    reading of each payload cell is the literal text, typed as a string."""
    import openpyxl

    path = write_xlsx(_hostile(small_report), tmp_path / "r.xlsx")
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        xml = {n: archive.read(n).decode("utf-8") for n in sheets}
    assert sheets
    assert [n for n, text in xml.items() if "<f>" in text or "<f " in text] == []
    assert all("<hyperlink" not in text for text in xml.values())
    book = openpyxl.load_workbook(path)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    for payload in PAYLOADS:
        found = [cell for cell in cells if cell.value == payload]
        assert found, payload
        assert {cell.data_type for cell in found} == {"s"}, payload


def test_data_text_is_escaped_in_the_html(small_report: Report) -> None:
    """The script payload appears only escaped: as text in the page, and as \\u003c… inside the
    chart data of the inline script, so it can never close the <script> element."""
    hostile = _hostile(small_report)
    page = render_html(hostile, inline_js=False)
    assert SCRIPT not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


@pytest.mark.parametrize("name", [SCRIPT, "a</SCRIPT>b", "x<!--y"])
def test_chart_data_cannot_close_the_script_element(small_report: Report, name: str) -> None:
    """A channel named like markup, inside the chart spec that the page embeds as JSON."""
    section = small_report.sections[1]
    chart = section.charts[0]
    spec = dict(chart.spec)
    spec["title"] = name
    report = replace(
        small_report,
        sections=(small_report.sections[0], replace(section, charts=(replace(chart, spec=spec),))),
    )
    page = render_html(report, inline_js=True)
    script = re.search(r"const specs = (.*?);\n", page)
    assert script is not None
    assert "<" not in script.group(1) and "\\u003c" in script.group(1)


def test_sheet_names_are_short_whole_words(small_report: Report, tmp_path: Path) -> None:
    """Excel allows 31 characters; a long title is cut at a word, a known table gets its short
    name in the report's language."""
    import openpyxl

    long_title = "Share of customers still buying, by first-purchase quarter"
    tables = (
        DataTable("tco", "Total cost of ownership by category", ("a",), (("x",),), (Unit.text,)),
        DataTable("other", long_title, ("a",), (("x",),), (Unit.text,)),
        DataTable("other2", long_title, ("a",), (("x",),), (Unit.text,)),
    )
    section = Section(id="t", title="T", tables=tables)
    report = replace(small_report, sections=(section,), lang="de")
    path = write_xlsx(report, tmp_path / "r.xlsx")
    names = openpyxl.load_workbook(path).sheetnames
    assert names == [
        "Übersicht",
        "Kosten je Kategorie",
        "Share of customers still",
        "Share of customers still 2",
    ]
