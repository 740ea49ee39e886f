"""Results the dashboard shows, each computed by the library function the CLI calls.

These are the ``compute`` callables of :meth:`crmroi.web.results.Results.get`: they take the open
workspace and the settings and return typed results, never HTML.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from crmroi.config import Config
from crmroi.errors import InputError
from crmroi.insights import Finding
from crmroi.report import Report
from crmroi.web.models import (
    FindingOut,
    ImportRun,
    ImportsOut,
    KpiResult,
    KpiRow,
    MetricOut,
    QuarantinedRow,
    SectionOut,
    TableOut,
    TargetRow,
)
from crmroi.workspace import Workspace

QUARANTINE_SHOWN = 50
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
"""The dates a query may name: the engine's timestamps end in 2262."""


@dataclass(frozen=True)
class ReportQuery:
    """The report in ``lang``, as ``crmroi report`` computes it.

    The slow queries are module-level dataclasses, not closures, so that the dashboard can
    recompute them in its worker process (:mod:`crmroi.web.results`).
    """

    lang: str

    def __call__(self, ws: Workspace, config: Config) -> Report:
        """Build the report."""
        from crmroi.report import build_report

        return build_report(ws, config, lang=self.lang)


@dataclass(frozen=True)
class FindingsQuery:
    """Every finding in ``lang``, ranked, as ``crmroi findings`` computes them."""

    lang: str

    def __call__(self, ws: Workspace, config: Config) -> list[Finding]:
        """Run every detector."""
        from crmroi.insights import find

        return find(
            ws,
            config.findings,
            currency=config.roi.currency,
            lang=self.lang,
            fx_rates=config.roi.fx_rates,
            roi=config.roi_settings(),
        )


def finding_out(finding: Finding) -> FindingOut:
    """A finding in the shape of ``crmroi findings --format json``."""
    return FindingOut.model_validate(finding.as_dict())


def _number(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _day(value: Any) -> date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


@dataclass(frozen=True)
class KpiQuery:
    """A validated KPI query of a page or the API (names checked against the registry)."""

    kpis: tuple[str, ...]
    grain: str | None
    dimensions: tuple[str, ...]
    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        for day in (self.start, self.end):
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                raise InputError(f"{day} is outside {FIRST_DAY} … {LAST_DAY}")
        if self.start and self.end and self.start > self.end:
            raise InputError(f"from {self.start} is after to {self.end}")

    def __call__(self, ws: Workspace, config: Config) -> KpiResult:
        """Rows of ``crmroi kpis``, with the targets of the ``targets`` table attached."""
        from crmroi.metrics import Grain, MetricQuery, query

        q = MetricQuery(
            kpis=self.kpis,
            grain=Grain(self.grain) if self.grain else None,
            dimensions=self.dimensions,
            start=self.start,
            end=self.end,
            compare="previous",
            settings=config.kpis,
        )
        df = query(ws, q)
        rows = [
            KpiRow(
                kpi=str(r["kpi"]),
                period_start=_day(r.get("period_start")),
                period_end=_day(r.get("period_end")),
                dimensions={
                    d: None if pd.isna(r[d]) else str(r[d]) for d in self.dimensions if d in r
                },
                value=_number(r.get("value")),
                unit=str(r.get("unit", "")),
                previous=_number(r.get("previous")),
                target=_number(r.get("target")),
                attainment=_number(r.get("attainment")),
                status=None if pd.isna(r.get("status")) else str(r.get("status")),
            )
            for r in df.to_dict("records")
        ]
        return KpiResult(
            kpis=list(self.kpis),
            grain=self.grain,
            dimensions=list(self.dimensions),
            rows=rows,
        )


def imports(ws: Workspace, config: Config) -> ImportsOut:
    """The import history, newest first, and the first quarantined rows by file and row."""
    runs = ws.table("imports")
    history = runs.order_by(runs.at.desc()).execute().to_dict("records")
    q = ws.table("quarantine")
    total = int(q.count().execute())
    shown = (
        q.order_by([q.file, q.row_number])
        .select("file", "row_number", "column", "reason", "raw")
        .limit(QUARANTINE_SHOWN)
        .execute()
        .to_dict("records")
    )
    return ImportsOut(
        runs=[
            ImportRun(
                import_id=str(r["import_id"]),
                source=_text(r["source"]),
                file=_name(r["file"]),
                table=_text(r["table_name"]),
                rows_read=int(r["rows_read"]),
                rows_loaded=int(r["rows_loaded"]),
                rows_quarantined=int(r["rows_quarantined"]),
                at=_utc(r["at"]),
            )
            for r in history
        ],
        quarantined_total=total,
        quarantined=[
            QuarantinedRow(
                file=_name(r["file"]),
                row_number=None if pd.isna(r["row_number"]) else int(r["row_number"]),
                column=_text(r["column"]),
                reason=_text(r["reason"]),
                raw=_text(r["raw"]),
            )
            for r in shown
        ],
    )


def _utc(value: Any) -> datetime | None:
    """An import's time (stored in UTC without an offset) with its UTC offset."""
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    moment: datetime = (stamp.tz_localize("UTC") if stamp.tz is None else stamp).to_pydatetime()
    return moment


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _name(value: Any) -> str:
    """A stored file's name without the server's upload folder."""
    text = _text(value) or ""
    return text.replace("\\", "/").rsplit("/", 1)[-1]


def section_out(report: Report, section_id: str) -> SectionOut | None:
    """One section of the report as data (None when the report has no such section)."""
    for s in report.sections:
        if s.id == section_id:
            return SectionOut(
                id=s.id,
                title=s.title,
                summary=s.summary,
                metrics=[
                    MetricOut(
                        id=m.id,
                        label=m.label,
                        value=_number(m.value),
                        unit=m.unit.value,
                        low=_number(m.low),
                        high=_number(m.high),
                        note=m.note,
                    )
                    for m in s.metrics
                ],
                tables=[
                    TableOut(
                        id=t.id,
                        title=t.title,
                        columns=list(t.columns),
                        units=[u.value for u in t.units],
                        rows=[[_cell(c) for c in row] for row in t.rows],
                    )
                    for t in s.tables
                ],
                charts=[c.id for c in s.charts],
                notes=list(s.notes),
            )
    return None


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


TARGET_GRAINS = ("month", "quarter", "year")
"""The grains a target can have (the ``targets`` table's ``grain``)."""


def targets(ws: Workspace, config: Config) -> list[TargetRow]:
    """The targets table, by KPI and period."""
    t = ws.table("targets")
    rows = t.order_by([t.kpi, t.period_start]).execute().to_dict("records")
    return [
        TargetRow(
            kpi=str(r["kpi"]),
            grain=str(r["grain"]),
            period=_day(r["period_start"]),
            dimension=" = ".join(
                str(v) for v in (r["dimension"], r["dimension_value"]) if _text(v)
            ),
            value=float(r["value"]),
        )
        for r in rows
    ]


def roi(ws: Workspace, config: Config) -> dict[str, Any]:
    """`crmroi roi --format json` with the settings in force."""
    from crmroi.cli.output import jsonable
    from crmroi.roi import analyse

    result: dict[str, Any] = jsonable(analyse(ws, config.roi_settings()).to_dict())
    return result


def funnel(ws: Workspace, config: Config) -> list[dict[str, Any]]:
    """`crmroi funnel --format json`: reached, conversion, drop-off and time per stage."""
    from crmroi.cli.output import jsonable
    from crmroi.errors import AnalysisError
    from crmroi.metrics import funnel as fn

    df = fn.funnel(ws)
    if df.empty:
        raise AnalysisError("no funnel: " + fn.explain_empty(ws))
    rows: list[dict[str, Any]] = jsonable(df.to_dict("records"))
    return rows


@dataclass(frozen=True)
class ForecastQuery:
    """`crmroi forecast --format json` for ``grain``, as of the end of the data."""

    grain: str

    def __call__(self, ws: Workspace, config: Config) -> dict[str, Any]:
        """Forecast this period and score the last six."""
        from crmroi.cli.output import jsonable
        from crmroi.metrics import Grain
        from crmroi.metrics import forecast as fc

        moment, source = fc.default_as_of(ws)
        current = fc.forecast(ws, grain=Grain(self.grain), as_of=moment)
        history = fc.accuracy(ws, grain=Grain(self.grain), count=6, as_of=moment)
        note = f"forecast as of {moment:%Y-%m-%d %H:%M} ({source}; --as-of DAY changes it)"
        out: dict[str, Any] = jsonable(
            {"forecast": current, "accuracy": history.to_dict("records"), "notes": [note]}
        )
        return out
