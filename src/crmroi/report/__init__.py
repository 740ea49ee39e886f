"""Reports: compute once into a frozen :class:`Report`, render as HTML, PDF and XLSX (en/de)."""

from __future__ import annotations

from crmroi.report.build import build_report, register_section, write_report
from crmroi.report.model import Chart, DataTable, Metric, Report, Section, Unit

__all__ = [
    "Chart",
    "DataTable",
    "Metric",
    "Report",
    "Section",
    "Unit",
    "build_report",
    "register_section",
    "write_report",
]
