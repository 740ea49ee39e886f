"""The HTML pages: each reads a cached typed result and renders a template, nothing more."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from crmroi.config import LANGUAGES
from crmroi.errors import CrmroiError, InputError
from crmroi.insights import KINDS
from crmroi.web import charts, queries
from crmroi.web.i18n import SECTION_OF
from crmroi.web.render import Shell, page
from crmroi.web.results import Results

router = APIRouter(include_in_schema=False)
TOP_FINDINGS = 5
LangParam = Annotated[str | None, Query(pattern="^[a-z]{2}$")]


def results(request: Request) -> Results:
    """The app's results (one per app: no module-level state)."""
    held: Results = request.app.state.results
    return held


def language(request: Request, lang: str | None) -> str:
    """The page language: ``?lang=`` when it is one crmroi speaks, else the configured one."""
    if lang in LANGUAGES:
        return str(lang)
    return results(request).config().company.lang


def shell(request: Request, lang: str) -> Shell:
    """What every page's header needs."""
    company = results(request).config().company
    return Shell(lang=lang, company=company.name, currency=company.currency)


def section_page(request: Request, page_id: str, lang: str) -> HTMLResponse:
    """A page showing one section of the report, the overview also the top findings."""
    res = results(request)
    try:
        report = res.get(("report", lang), queries.ReportQuery(lang))
        top = None
        if page_id == "overview":
            top = res.get(("findings", lang), queries.FindingsQuery(lang)).value[:TOP_FINDINGS]
    except CrmroiError as exc:
        return error_page(request, page_id, lang, str(exc))
    section = next((s for s in report.value.sections if s.id == SECTION_OF[page_id]), None)
    specs = {c.id: c.spec for c in section.charts} if section else {}
    return page(
        request,
        "section.html.j2",
        page_id=page_id,
        charts=specs,
        stale=report.stale,
        section=section,
        top_findings=top,
        shell=shell(request, lang),
    )


def error_page(request: Request, page_id: str, lang: str, message: str) -> HTMLResponse:
    """The page with the reason it cannot be shown (e.g. the data does not support it)."""
    return page(
        request, "error.html.j2", page_id=page_id, error=message, shell=shell(request, lang)
    )


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, lang: LangParam = None) -> HTMLResponse:
    """The answer on the strongest basis, payback, TCO and what to fix first."""
    return section_page(request, "overview", language(request, lang))


@router.get("/sales", response_class=HTMLResponse)
def sales(request: Request, lang: LangParam = None) -> HTMLResponse:
    """Funnel, forecast and sales KPIs: the report's sales section."""
    return section_page(request, "sales", language(request, lang))


@router.get("/customers", response_class=HTMLResponse)
def customers(request: Request, lang: LangParam = None) -> HTMLResponse:
    """Engagement, cohorts, churn, CLV and NPS: the report's customers section."""
    return section_page(request, "customers", language(request, lang))


@router.get("/attribution", response_class=HTMLResponse)
def attribution(request: Request, lang: LangParam = None) -> HTMLResponse:
    """Attribution models side by side and the incremental effect: the impact section."""
    return section_page(request, "attribution", language(request, lang))


@router.get("/costs", response_class=HTMLResponse)
def costs(request: Request, lang: LangParam = None) -> HTMLResponse:
    """Cost ledger, TCO and ROI sensitivity: the report's costs section."""
    return section_page(request, "costs", language(request, lang))


@router.get("/findings", response_class=HTMLResponse)
def findings(
    request: Request,
    lang: LangParam = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """Every finding, optionally of one kind, with its evidence and action."""
    lang = language(request, lang)
    chosen = kind if kind in KINDS else None
    try:
        found = results(request).get(("findings", lang), queries.FindingsQuery(lang))
    except CrmroiError as exc:
        return error_page(request, "findings", lang, str(exc))
    shown = [f for f in found.value if chosen is None or f.kind == chosen]
    currency = shown[0].currency if shown else ""
    return page(
        request,
        "findings.html.j2",
        page_id="findings",
        charts={"findings": charts.findings_bars(shown, lang, currency)} if shown else {},
        stale=found.stale,
        findings=shown,
        kinds=KINDS,
        kind=chosen,
        shell=shell(request, lang),
    )


def _day(value: str | None) -> date | None:
    """A date field of a form: empty is no date, anything else must be YYYY-MM-DD."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def kpi_query(
    kpi: str | None, grain: str | None, by: str | None, start: date | None, end: date | None
) -> queries.KpiQuery:
    """A KPI query from request values, each checked against the registry's names."""
    from crmroi.metrics import DIMENSIONS, REGISTRY, Grain

    ids = REGISTRY.ids()
    chosen = kpi if kpi in ids else "won_revenue" if "won_revenue" in ids else ids[0]
    metric = REGISTRY.get(chosen)
    grains = [g.value for g in Grain]
    dims = (by,) if by in DIMENSIONS and by in metric.dimensions else ()
    return queries.KpiQuery(
        kpis=(chosen,),
        grain=grain if grain in grains else "month",
        dimensions=dims,
        start=start,
        end=end,
    )


@router.get("/kpis", response_class=HTMLResponse)
def kpis(
    request: Request,
    lang: LangParam = None,
    kpi: Annotated[str | None, Query(max_length=60)] = None,
    grain: Annotated[str | None, Query(max_length=10)] = None,
    by: Annotated[str | None, Query(max_length=40)] = None,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> HTMLResponse:
    """One KPI by grain and dimension, against the previous period and its target."""
    from crmroi.metrics import REGISTRY, Grain

    lang = language(request, lang)
    result, error, stale = None, None, False
    try:
        q = kpi_query(kpi, grain, by, _day(start), _day(end))
        found = results(request).get(("kpis", q), q)
        result, stale = found.value, found.stale
    except CrmroiError as exc:
        q = kpi_query(kpi, grain, by, None, None)
        error = str(exc)
    metric = REGISTRY.get(q.kpis[0])
    unit = metric.unit.value
    return page(
        request,
        "kpis.html.j2",
        page_id="kpis",
        charts={"kpi": charts.kpi_lines(result, lang)} if result and result.rows else {},
        stale=stale,
        registry=list(REGISTRY),
        grains=[g.value for g in Grain],
        dimensions=sorted(metric.dimensions),
        query=q,
        result=result,
        unit=charts.report_unit(unit),
        error=error,
        shell=shell(request, lang),
    )


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """No icon (and no 404 noise in the log)."""
    return Response(status_code=204)
