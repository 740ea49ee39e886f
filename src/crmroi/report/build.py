"""Compute a :class:`Report` from a workspace: each section is one registered builder.

Section builders call the analyses' public APIs (``crmroi.metrics``, ``crmroi.roi`` …) and
return frozen :class:`Section` objects; they never format numbers. A section that has no data to
show returns ``None`` and is left out. Extensions register sections through
:func:`register_section`, the same path the built-in ones take.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from crmroi.config import Config
from crmroi.errors import CrmroiError
from crmroi.report.i18n import t
from crmroi.report.model import Report, Section
from crmroi.schema import USER_TABLES
from crmroi.workspace import Workspace


@dataclass(frozen=True)
class ReportContext:
    """What every section builder gets: the workspace, the settings and shared results."""

    ws: Workspace
    config: Config
    lang: str

    @property
    def currency(self) -> str:
        """Reporting currency."""
        return self.config.company.currency

    def text(self, en: str, de: str) -> str:
        """Pick the wording of the report's language."""
        return de if self.lang == "de" else en

    @functools.cached_property
    def rows(self) -> dict[str, int]:
        """Rows per canonical table, counted once for every section and the footer."""
        return {name: self.ws.count(name) for name in USER_TABLES}

    @functools.cached_property
    def roi(self) -> Any:
        """The ROI analysis, computed once and shared by the sections that show it."""
        from crmroi import roi

        return roi.analyse(self.ws, self.config.roi_settings())

    @functools.cached_property
    def adoption(self) -> date:
        """CRM adoption date: from the config, else the one the ROI analysis settled on."""
        if self.config.company.adoption_date is not None:
            return self.config.company.adoption_date
        return self.roi.adoption_date.date()  # type: ignore[no-any-return]


SectionBuilder = Callable[[ReportContext], Section | None]
SECTIONS: dict[str, SectionBuilder] = {}
BUILTIN_ORDER = ("overview", "sales", "impact", "customers", "costs")
"""Report order of the built-in sections: the answer first, then why, then what it costs."""


def register_section(section_id: str) -> Callable[[SectionBuilder], SectionBuilder]:
    """Register a section builder under ``section_id`` (report order = registration order)."""

    def decorate(builder: SectionBuilder) -> SectionBuilder:
        SECTIONS[section_id] = builder
        return builder

    return decorate


def _load_builtin_sections() -> None:
    from crmroi.report.sections import costs, customers, impact, overview, sales  # noqa: F401


def _period(ws: Workspace) -> tuple[date | None, date | None]:
    deals = ws.table("deals")
    row = deals.aggregate(lo=deals.created_at.min(), hi=deals.created_at.max()).execute()
    lo, hi = row["lo"].iloc[0], row["hi"].iloc[0]
    if lo is None or hi != hi:
        return None, None
    return lo.date(), hi.date()


def _build_section(ctx: ReportContext, name: str) -> Section | None:
    """Build one section; data that cannot support it becomes a visible note, not a crash."""
    try:
        return SECTIONS[name](ctx)
    except CrmroiError as exc:
        return Section(
            id=name,
            title=name.replace("_", " ").capitalize(),
            notes=(ctx.text(f"Not computed: {exc}", f"Nicht berechnet: {exc}"),),
        )


def build_report(
    ws: Workspace,
    config: Config | None = None,
    *,
    lang: str | None = None,
    sections: Sequence[str] | None = None,
) -> Report:
    """Compute every (or the named) section of the report on ``ws``."""
    _load_builtin_sections()
    config = config or Config()
    lang = lang or config.company.lang
    ctx = ReportContext(ws=ws, config=config, lang=lang)
    extra = [name for name in SECTIONS if name not in BUILTIN_ORDER]
    wanted = list(sections) if sections is not None else [*BUILTIN_ORDER, *extra]
    built = tuple(s for name in wanted if (s := _build_section(ctx, name)) is not None)
    start, end = _period(ws)
    return Report(
        title=t("report_title", lang),
        subtitle=config.company.name,
        lang=lang,
        currency=config.company.currency,
        generated_at=datetime.now(UTC),
        period_start=start,
        period_end=end,
        sections=built,
        sources=tuple((name, rows) for name, rows in ctx.rows.items() if rows),
    )


def write_report(
    report: Report, stem: Path, *, formats: Sequence[str] = ("html",)
) -> dict[str, Path]:
    """Write the report as ``stem.html`` / ``.pdf`` / ``.xlsx``; return the paths by format."""
    from crmroi.report.html import write_html

    written: dict[str, Path] = {}
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        if fmt == "html":
            written[fmt] = write_html(report, path)
        elif fmt == "pdf":
            from crmroi.report.pdf import write_pdf

            written[fmt] = write_pdf(report, path)
        elif fmt == "xlsx":
            from crmroi.report.xlsx import write_xlsx

            written[fmt] = write_xlsx(report, path)
        else:
            raise ValueError(f"unknown report format {fmt!r}: html, pdf or xlsx")
    return written
