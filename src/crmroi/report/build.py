"""Compute a :class:`Report` from a workspace: each section is one registered builder.

Section builders call the analyses' public APIs (``crmroi.metrics``, ``crmroi.roi`` …) and
return frozen :class:`Section` objects; they never format numbers. A section that has no data to
show returns ``None`` and is left out. Extensions register sections through
:func:`register_section`, the same path the built-in ones take.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pandas as pd
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from crmroi.config import CompanySettings, Config
from crmroi.errors import AnalysisError, CrmroiError
from crmroi.report.i18n import t
from crmroi.report.missing import (
    NEEDS_ADOPTION,
    SECTION_NEEDS,
    SECTION_TITLES,
    missing_adoption,
    missing_tables,
    missing_won_deals,
)
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
    def as_of(self) -> datetime:
        """The forecasts' "now": the end of the data (or now), found once for every section."""
        from crmroi.metrics.forecast import default_as_of

        return default_as_of(self.ws)[0]

    @functools.cached_property
    def rows(self) -> dict[str, int]:
        """Rows per canonical table, counted once for every section and the footer."""
        return {name: self.ws.count(name) for name in USER_TABLES}

    @functools.cached_property
    def _roi_outcome(self) -> tuple[Any, CrmroiError | None]:
        from crmroi import roi

        try:
            return roi.analyse(self.ws, self.config.roi_settings()), None
        except CrmroiError as exc:
            return None, exc

    @property
    def roi(self) -> Any:
        """The ROI analysis, computed once and shared by the sections that show it.

        When the data cannot support it, every access raises the same error (computed once).
        """
        result, error = self._roi_outcome
        if error is not None:
            raise error
        return result

    @property
    def roi_error(self) -> CrmroiError | None:
        """Why the ROI analysis could not be computed, or None when it could."""
        return self._roi_outcome[1]

    @functools.cached_property
    def adoption_date(self) -> date | None:
        """CRM go-live: from the config, else the one the ROI analysis settled on, else None."""
        if self.config.company.adoption_date is not None:
            return self.config.company.adoption_date
        result, _ = self._roi_outcome
        if result is None:
            return None
        went_live: date = result.adoption_date.date()
        return went_live

    @property
    def adoption(self) -> date:
        """CRM go-live date; raises the ROI analysis's error when it is unknown."""
        if self.adoption_date is None:
            raise self.roi_error or AnalysisError("no adoption date")
        return self.adoption_date

    @functools.cached_property
    def findings(self) -> list[Any]:
        """Every finding of :func:`crmroi.insights.find`, ranked; computed once for the sections.

        The report reads only the fields every finding has (kind, subject, money, confidence,
        evidence, action, title), so detectors added later appear without a change here.
        """
        from crmroi.insights import find

        return find(
            self.ws,
            self.config.findings,
            currency=self.config.roi.currency,
            lang=self.lang,
            fx_rates=self.config.roi.fx_rates,
            roi=self.config.roi_settings(),
            analysis=self._roi_outcome[0],
        )

    def won_deals(self) -> int:
        """Won deals in the workspace (a benefit needs at least one)."""
        deals = self.ws.table("deals")
        return int(deals.filter(deals.status == "won").count().execute())


class _ReportWorkspace(Workspace):
    """The workspace as one report build reads it: each table's Ibis object looked up once.

    The sections and detectors ask for the same few tables hundreds of times, and every lookup
    reads the table's schema from the engine (256 lookups on the large company). The
    report writes no canonical table, so the objects stay valid for the build; the cache dies
    with it, and an import after the report sees its own tables.
    """

    def __init__(self, ws: Workspace) -> None:
        super().__init__(ws.con, location=ws.location)
        self._tables: dict[str, ir.Table] = {}

    def table(self, name: str) -> ir.Table:
        """The canonical table ``name``, looked up on first use."""
        if name not in self._tables:
            self._tables[name] = super().table(name)
        return self._tables[name]


SectionBuilder = Callable[[ReportContext], Section | None]
SECTIONS: dict[str, SectionBuilder] = {}
BUILTIN_ORDER = (
    "summary",
    "findings",
    "kpis",
    "sales",
    "funnel",
    "customers",
    "impact",
    "overview",
    "costs",
    "quality",
    "methods",
)
"""Report order of the built-in sections, read top-down: the answer and what to fix first, then
the KPIs against their targets, the pipeline, the customers, what brought the revenue, the ROI
and what it costs, the data's gaps, and how every figure is computed."""


def register_section(section_id: str) -> Callable[[SectionBuilder], SectionBuilder]:
    """Register a section builder under ``section_id`` (report order = registration order)."""

    def decorate(builder: SectionBuilder) -> SectionBuilder:
        SECTIONS[section_id] = builder
        return builder

    return decorate


def _load_builtin_sections() -> None:
    from crmroi.report.sections import (  # noqa: F401
        costs,
        customers,
        findings,
        funnel,
        impact,
        kpis,
        methods,
        overview,
        quality,
        sales,
        summary,
    )


PERIOD_COLUMNS = (
    ("deals", "created_at"),
    ("deals", "closed_at"),
    ("orders", "occurred_at"),
    ("survey_responses", "answered_at"),
    ("touchpoints", "occurred_at"),
    ("costs", "incurred_at"),
)
"""The dates whose span is the data period shown in the header."""


def _period(ctx: ReportContext) -> tuple[date | None, date | None]:
    """First and last date of the data the sections read (not only the deals')."""
    lows, highs = [], []
    for name, column in PERIOD_COLUMNS:
        if not ctx.rows.get(name):
            continue
        table = ctx.ws.table(name)
        row = table.aggregate(lo=table[column].min(), hi=table[column].max()).execute()
        lo, hi = row["lo"].iloc[0], row["hi"].iloc[0]
        if lo is not None and lo == lo and hi is not None and hi == hi:
            lows.append(lo.date())
            highs.append(hi.date())
    return (min(lows), max(highs)) if lows else (None, None)


def _window(ctx: ReportContext) -> tuple[date | None, date | None]:
    """The ROI analysis window (first day of its first month to last day of its last)."""
    if ctx.roi_error is not None:
        return None, None
    tco = ctx.roi.tco
    start = pd.Timestamp(tco.start)
    end = start + pd.DateOffset(months=int(tco.months)) - pd.Timedelta(days=1)
    return start.date(), end.date()


def placeholder(
    ctx: ReportContext, name: str, reason: str | None, *, wide: bool = False
) -> Section:
    """A section the data cannot support: its title, why not, and what would add it.

    ``wide``: the section's minimum tables are there but it still found nothing to show, so
    every empty table it can read is named (e.g. attribution also needs won deals' touches).
    """
    en, de = SECTION_TITLES.get(name, (name.replace("_", " ").capitalize(),) * 2)
    missing = list(missing_tables(name, ctx.rows, ctx.text, wide=wide))
    needs_date = name in NEEDS_ADOPTION or (reason is not None and name in SECTION_NEEDS)
    if not missing and needs_date and ctx.adoption_date is None:
        missing.append(
            missing_adoption(ctx.text, ("start of the ROI window", "Beginn des ROI-Zeitraums"))
        )
    if not missing and ctx.rows.get("deals") and name in SECTION_NEEDS and not ctx.won_deals():
        missing.append(missing_won_deals(ctx.text))
    notes = (
        ()
        if reason is None or missing
        else (ctx.text(f"Not computed: {reason}", f"Nicht berechnet: {reason}"),)
    )
    return Section(id=name, title=ctx.text(en, de), notes=notes, missing=tuple(missing))


def _build_section(ctx: ReportContext, name: str) -> Section | None:
    """Build one section; data that cannot support it names what is missing, never a crash.

    A built-in section is always shown (as what it lacks when it has nothing to show); an
    extension's section that returns None is left out.
    """
    try:
        section = SECTIONS[name](ctx)
    except CrmroiError as exc:
        return placeholder(ctx, name, str(exc))
    if name not in BUILTIN_ORDER:
        return section
    if section is None:
        shown = placeholder(ctx, name, None)
        return shown if shown.missing else placeholder(ctx, name, None, wide=True)
    if not section.has_figures and not section.missing:
        return replace(section, missing=placeholder(ctx, name, None, wide=True).missing)
    return section


def build_report(
    ws: Workspace,
    config: Config | None = None,
    *,
    lang: str | None = None,
    sections: Sequence[str] | None = None,
) -> Report:
    """Compute every (or the named) section of the report on ``ws``.

    The sections run on one BLAS thread, as the attribution and incrementality models do
    already: their matrices are small, and a second OpenBLAS thread spins more CPU than it
    saves on shared cores (the large company's HTML report, four runs each at load 1.3–1.5:
    26.6 s CPU on average with one thread, 28.3 s with two; single runs spread by ±3 s).
    """
    _load_builtin_sections()
    config = config or Config()
    lang = lang or config.company.lang
    ctx = ReportContext(ws=_ReportWorkspace(ws), config=config, lang=lang)
    extra = [name for name in SECTIONS if name not in BUILTIN_ORDER]
    wanted = list(sections) if sections is not None else [*BUILTIN_ORDER, *extra]
    with threadpool_limits(limits=1, user_api="blas"):
        built = tuple(s for name in wanted if (s := _build_section(ctx, name)) is not None)
    start, end = _period(ctx)
    window_start, window_end = _window(ctx)
    return Report(
        title=t("report_title", lang),
        subtitle=(
            t("your_company", lang)
            if config.company.name == CompanySettings.name
            else config.company.name
        ),
        lang=lang,
        currency=config.company.currency,
        generated_at=datetime.now(UTC),
        period_start=start,
        period_end=end,
        sections=built,
        sources=tuple((name, rows) for name, rows in ctx.rows.items() if rows),
        window_start=window_start,
        window_end=window_end,
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
