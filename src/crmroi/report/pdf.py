"""Render a :class:`Report` to PDF with WeasyPrint, charts as vector SVG (no browser needed)."""

from __future__ import annotations

from pathlib import Path

from crmroi.errors import MissingDependencyError
from crmroi.report.html import render_html
from crmroi.report.model import Report

PAGE_CSS = """
@page { size: A4; margin: 14mm 12mm 16mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 9px; color: #5b6778; } }
body { font-size: 12px; }
main { max-width: none; padding: 0; }
header { padding: 14px 18px; }
nav { display: none; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; }
.card { width: 31%; }
section { page-break-inside: auto; }
figure { page-break-inside: avoid; }
table { font-size: 9.5px; }
th, td { padding: 3px 6px 3px 0; }
#table-findings { table-layout: fixed; width: 100%; }
#table-findings td { overflow-wrap: anywhere; }
html:lang(de) #table-findings td { hyphens: auto; }
#table-findings th:nth-child(1) { width: 3%; }
#table-findings th:nth-child(2) { width: 15%; }
#table-findings th:nth-child(3) { width: 10%; }
#table-findings th:nth-child(4) { width: 10%; }
#table-findings th:nth-child(5) { width: 12%; }
#table-findings th:nth-child(6) { width: 10%; }
#table-findings th:nth-child(7) { width: 22%; }
#table-findings th:nth-child(8) { width: 18%; }
"""
"""A4 is narrower than a screen: wide tables (workflow holdouts have nine columns) shrink to fit.

The findings table has fixed column widths: it is most of the report's pages (274 findings,
31 of 48 pages on the large simulated company), and an automatic layout measures every cell's
text twice (its narrowest and widest) before breaking it into lines. WeasyPrint's layout of
the large company's report took 8.7–10 s with it, 4.9–5.9 s with fixed widths, on as many
pages. A word longer than its column breaks (German ones at syllables) instead of running
into the next column.
"""


def write_pdf(report: Report, path: Path) -> Path:
    """Write the report as an A4 PDF to ``path`` and return the path."""
    try:
        import weasyprint
    except ImportError as exc:  # pragma: no cover - weasyprint is a core dependency
        raise MissingDependencyError("weasyprint", "pdf") from exc
    html = render_html(report, static=True, extra_css=PAGE_CSS)
    path.parent.mkdir(parents=True, exist_ok=True)
    weasyprint.HTML(string=html).write_pdf(path)
    return path
