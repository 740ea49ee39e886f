"""Export a :class:`Report` to an Excel workbook: a summary sheet and one sheet per table.

Numbers are written as numbers with a number format (not as formatted text), so users can keep
calculating with them in Excel.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import xlsxwriter

from crmroi.report.i18n import t
from crmroi.report.model import DataTable, Report, Unit

FORMATS: dict[Unit, str] = {
    Unit.currency: "#,##0.00",
    Unit.percent: '0.0"%"',
    Unit.ratio: "0.0%",
    Unit.days: "0.0",
    Unit.months: "0.0",
    Unit.integer: "#,##0",
    Unit.number: "#,##0.00",
}


SHEET_NAMES: dict[str, tuple[str, str]] = {
    "summary": ("Summary", "Übersicht"),
    "roi-bases": ("ROI by basis", "ROI je Basis"),
    "workflows": ("Workflow holdouts", "Workflow-Kontrollgruppen"),
    "campaigns": ("Campaign ROI", "Kampagnen-ROI"),
    "tco": ("Costs by category", "Kosten je Kategorie"),
    "outlier-orders": ("Large orders", "Große Bestellungen"),
    "top-findings": ("Top findings", "Wichtigste Befunde"),
    "findings": ("Findings", "Befunde"),
    "kpi-months": ("KPIs by month", "Kennzahlen je Monat"),
    "kpi-owners": ("By owner", "Je Person"),
    "kpi-teams": ("By team", "Je Team"),
    "funnel": ("Funnel", "Trichter"),
    "attribution": ("Attribution", "Attribution"),
    "quality-findings": ("Data-quality findings", "Befunde Datenqualität"),
    "completeness": ("Completeness", "Vollständigkeit"),
    "imports": ("Imports", "Importe"),
    "methods": ("Methods", "Methoden"),
}
"""Short sheet names per table id; Excel cuts a name at 31 characters, often mid-word."""

MAX_SHEET = 31
MAX_CELL = 32_767
"""Excel's longest text cell; xlsxwriter warns (an error under pytest) beyond it."""


def _shorten(title: str) -> str:
    """The title cut at the last whole word within Excel's 31 characters."""
    name = re.sub(r"[\[\]:*?/\\\x00-\x1f]", " ", title).strip().strip("'").strip()
    if len(name) <= MAX_SHEET:
        return name
    words = name[: MAX_SHEET + 1].rsplit(" ", 1)[0].strip()
    return words if words and len(words) <= MAX_SHEET else name[:MAX_SHEET].strip()


def _sheet_name(key: str, title: str, lang: str, used: set[str]) -> str:
    """A unique sheet name: the short name of ``key`` in ``lang``, else the shortened title."""
    en, de = SHEET_NAMES.get(key, (title, title))
    name = _shorten(de if lang == "de" else en) or "Sheet"
    candidate, n = name, 2
    while candidate.lower() in used:
        suffix = f" {n}"
        candidate, n = _shorten(name)[: MAX_SHEET - len(suffix)].rstrip() + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _cell_value(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "item"):
        return value.item()
    return value


def _write(sheet: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """Write one cell; text always as a string cell, never as a formula or a link.

    Names come from the user's data: ``=cmd|' /C calc'!A0`` or ``=HYPERLINK(…)`` must arrive in
    Excel as the text they are (OWASP "CSV injection", which applies to XLSX cells too).
    """
    value = _cell_value(value)
    if isinstance(value, str):
        sheet.write_string(row, col, value[:MAX_CELL], fmt)
    else:
        sheet.write(row, col, value, fmt)


def write_xlsx(report: Report, path: Path) -> Path:
    """Write the workbook to ``path`` and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(
        str(path),
        {
            "nan_inf_to_errors": True,
            "remove_timezone": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = book.add_format({"bold": True})
    formats = {unit: book.add_format({"num_format": fmt}) for unit, fmt in FORMATS.items()}
    used: set[str] = set()
    lang = report.lang
    summary = book.add_worksheet(_sheet_name("summary", "Summary", lang, used))
    _write(summary, 0, 0, report.title, bold)
    _write(summary, 1, 0, f"{t('generated', lang)} {report.generated_at:%Y-%m-%d %H:%M} UTC")
    row = 3
    for section in report.sections:
        _write(summary, row, 0, section.title, bold)
        row += 1
        for metric in section.metrics:
            _write(summary, row, 0, metric.label)
            _write(summary, row, 1, metric.value, formats.get(metric.unit))
            if metric.unit is Unit.currency:
                _write(summary, row, 2, report.currency)
            row += 1
        for note in section.notes:
            _write(summary, row, 0, note)
            row += 1
        for missing in section.missing:
            line = f"{t('missing', lang)}: {missing.what} — {t('add_with', lang)} {missing.how}"
            _write(summary, row, 0, f"{line} {missing.where}".rstrip())
            row += 1
        row += 1
    summary.set_column(0, 0, 44)
    summary.set_column(1, 1, 18)
    for section in report.sections:
        for table in section.tables:
            sheet = book.add_worksheet(_sheet_name(table.id, table.title, lang, used))
            _write_table(sheet, table, bold, formats)
    book.close()
    return path


def _write_table(sheet: Any, table: DataTable, bold: Any, formats: dict[Unit, Any]) -> None:
    """One table on its own sheet.

    A trend cell becomes an Excel sparkline over its values, which are written as numbers to
    the right of the table (Excel draws sparklines from cells).
    """
    for col, name in enumerate(table.columns):
        _write(sheet, 0, col, name, bold)
        sheet.set_column(col, col, max(12, min(40, len(name) + 4)))
    spill = len(table.columns)
    for col, unit in enumerate(table.units):
        if unit is not Unit.trend:
            continue
        width = max((len(row[col] or ()) for row in table.rows), default=0)
        for k in range(width):
            _write(sheet, 0, spill + k, f"{table.columns[col]} {k + 1}", bold)
        for r, row in enumerate(table.rows, start=1):
            series = list(row[col] or ())
            for k, point in enumerate(series):
                if point is not None:
                    _write(sheet, r, spill + k, point, formats[Unit.number])
            if series:
                sheet.add_sparkline(
                    r, col, {"range": _row_range(sheet.name, r, spill, spill + len(series) - 1)}
                )
        spill += width
    for r, values in enumerate(table.rows, start=1):
        for col, value in enumerate(values):
            if table.units[col] is not Unit.trend:
                _write(sheet, r, col, value, formats.get(table.units[col]))


def _row_range(sheet: str, row: int, first: int, last: int) -> str:
    """An A1 range on one row of ``sheet`` (quoted: names have spaces)."""
    from xlsxwriter.utility import xl_range_abs

    quoted = sheet.replace("'", "''")
    return f"'{quoted}'!{xl_range_abs(row, first, row, last)}"
