"""The report as frozen data: computed once, then read by every renderer (HTML, PDF, XLSX).

Renderers never compute; section builders never format. A value keeps its unit so that each
renderer can format it for its locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Unit(StrEnum):
    """How a number is to be read and formatted."""

    currency = "currency"
    percent = "percent"
    """Stored as a percentage: 12.5 means 12.5 %."""
    ratio = "ratio"
    """Stored as a fraction: 0.125 is shown as 12.5 %."""
    days = "days"
    months = "months"
    integer = "integer"
    """A count of things: shown as a whole number."""
    number = "number"
    text = "text"
    trend = "trend"
    """A series of numbers, oldest first (a table cell drawn as a sparkline)."""


@dataclass(frozen=True)
class Metric:
    """One headline figure, with its unit and, optionally, a range and a comparison."""

    id: str
    label: str
    value: float | None
    unit: Unit
    note: str = ""
    low: float | None = None
    high: float | None = None
    previous: float | None = None
    better: str = "higher"
    """``higher`` or ``lower``: which direction is good, to colour the change."""
    trend: tuple[float | None, ...] = ()
    """The figure over its last periods, oldest first (drawn as a sparkline on the card)."""


@dataclass(frozen=True)
class Chart:
    """A Vega-Lite chart: its spec is rendered by vega-embed in HTML and to SVG for PDF."""

    id: str
    title: str
    spec: Mapping[str, Any]
    caption: str = ""


@dataclass(frozen=True)
class DataTable:
    """A small table of results; ``units`` gives the unit of each column."""

    id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    units: tuple[Unit, ...]
    caption: str = ""

    def __post_init__(self) -> None:
        widths = {len(self.columns), len(self.units), *(len(row) for row in self.rows)}
        if len(widths) != 1:
            raise ValueError(f"table {self.id!r}: columns, units and rows differ in width")


@dataclass(frozen=True)
class Missing:
    """Something a section could show with more data: what is missing and how to add it.

    Both texts are in the report's language; ``how`` is a command or a ``crmroi.toml`` line the
    reader can copy (shown as code).
    """

    what: str
    how: str
    where: str = ""
    """Where ``how`` goes when it is not a command (e.g. "under [company] in crmroi.toml")."""


@dataclass(frozen=True)
class Section:
    """One chapter of the report."""

    id: str
    title: str
    summary: str = ""
    metrics: tuple[Metric, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[DataTable, ...] = ()
    notes: tuple[str, ...] = ()
    missing: tuple[Missing, ...] = ()
    """What the data lacks for the rest of the section, each with the way to add it."""

    @property
    def has_figures(self) -> bool:
        """Whether the section shows any number, chart or table."""
        shown = any(m.value is not None for m in self.metrics)
        return shown or bool(self.charts) or any(t.rows for t in self.tables)


@dataclass(frozen=True)
class Report:
    """Everything a report shows, in one language and currency."""

    title: str
    subtitle: str
    lang: str
    currency: str
    generated_at: datetime
    period_start: date | None
    period_end: date | None
    sections: tuple[Section, ...]
    sources: tuple[tuple[str, int], ...] = field(default=())
    """(table, rows) of the workspace the report was computed on."""
    window_start: date | None = None
    window_end: date | None = None
    """The ROI analysis window, where the ROI could be computed (the header shows both)."""
