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
from crmroi.report.model import Report, Unit

FORMATS: dict[Unit, str] = {
    Unit.currency: "#,##0.00",
    Unit.percent: '0.0"%"',
    Unit.ratio: "0.0%",
    Unit.days: "0.0",
    Unit.months: "0.0",
    Unit.integer: "#,##0",
    Unit.number: "#,##0.00",
}


def _sheet_name(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title)[:28].strip() or "Sheet"
    candidate, n = name, 2
    while candidate.lower() in used:
        candidate, n = f"{name[:25]} {n}", n + 1
    used.add(candidate.lower())
    return candidate


def _cell_value(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "item"):
        return value.item()
    return value


def write_xlsx(report: Report, path: Path) -> Path:
    """Write the workbook to ``path`` and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True, "remove_timezone": True})
    bold = book.add_format({"bold": True})
    formats = {unit: book.add_format({"num_format": fmt}) for unit, fmt in FORMATS.items()}
    used: set[str] = set()
    summary = book.add_worksheet(
        _sheet_name("Summary" if report.lang == "en" else "Übersicht", used)
    )
    summary.write(0, 0, report.title, bold)
    summary.write(1, 0, f"{t('generated', report.lang)} {report.generated_at:%Y-%m-%d %H:%M} UTC")
    row = 3
    for section in report.sections:
        if not section.metrics:
            continue
        summary.write(row, 0, section.title, bold)
        row += 1
        for metric in section.metrics:
            summary.write(row, 0, metric.label)
            summary.write(row, 1, _cell_value(metric.value), formats.get(metric.unit))
            if metric.unit is Unit.currency:
                summary.write(row, 2, report.currency)
            row += 1
        row += 1
    summary.set_column(0, 0, 44)
    summary.set_column(1, 1, 18)
    for section in report.sections:
        for table in section.tables:
            sheet = book.add_worksheet(_sheet_name(table.title, used))
            for col, name in enumerate(table.columns):
                sheet.write(0, col, name, bold)
                sheet.set_column(col, col, max(12, min(40, len(name) + 4)))
            for r, values in enumerate(table.rows, start=1):
                for col, value in enumerate(values):
                    sheet.write(r, col, _cell_value(value), formats.get(table.units[col]))
    book.close()
    return path
