"""The JSON API under ``/api/``: the CLI's queries, shaped like their ``--format json``.

Every parameter is checked against the names the library knows (KPI ids, grains, dimensions,
finding kinds, section ids) before a query is built; a query the data cannot answer is a 422
with the library's message, as the CLI's ``error`` object.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from crmroi.errors import InputError
from crmroi.insights import KINDS
from crmroi.web import queries
from crmroi.web.analyses import MAX_BOOTSTRAP, MAX_HORIZON, AttributionQuery, ClvQuery
from crmroi.web.models import (
    AttributionOut,
    ClvOut,
    FindingOut,
    ImportsOut,
    KpiResult,
    SectionOut,
    TargetRow,
)
from crmroi.web.pages import LangParam, language, results

router = APIRouter(prefix="/api", tags=["api"])
SECTIONS = ("overview", "sales", "impact", "customers", "costs")


def _bad(message: str) -> HTTPException:
    return HTTPException(status_code=400, detail=message)


@router.get("/findings", response_model=list[FindingOut])
def findings(
    request: Request,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    top: Annotated[int | None, Query(ge=1, le=1000)] = None,
    lang: LangParam = None,
) -> list[FindingOut]:
    """`crmroi findings --format json`: ranked by money at stake × confidence."""
    if kind is not None and kind not in KINDS:
        raise _bad(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    code = language(request, lang)
    found = results(request).get(("findings", code), queries.FindingsQuery(code)).value
    chosen = [f for f in found if kind is None or f.kind == kind]
    return [queries.finding_out(f) for f in chosen[:top]]


@router.get("/kpis", response_model=KpiResult)
def kpis(
    request: Request,
    kpi: Annotated[list[str] | None, Query(max_length=60)] = None,
    grain: Annotated[str | None, Query(max_length=10)] = None,
    by: Annotated[list[str] | None, Query(max_length=40)] = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> KpiResult:
    """`crmroi kpis --format json`, with previous period, target and attainment per row."""
    from crmroi.metrics import DIMENSIONS, REGISTRY, Grain

    wanted = tuple(kpi or ("won_revenue",))
    unknown = [k for k in wanted if k not in REGISTRY]
    if unknown:
        raise _bad(f"unknown KPI {unknown[0]!r}: see `crmroi kpis --list`")
    grains = [g.value for g in Grain]
    if grain is not None and grain not in grains:
        raise _bad(f"unknown grain {grain!r}: one of {', '.join(grains)}")
    dims = tuple(dict.fromkeys(by or ()))
    for d in dims:
        if d not in DIMENSIONS:
            raise _bad(f"unknown dimension {d!r}: one of {', '.join(DIMENSIONS)}")
        for k in wanted:
            if d not in REGISTRY.get(k).dimensions:
                raise _bad(f"KPI {k!r} cannot be sliced by {d!r}")
    try:
        q = queries.KpiQuery(kpis=wanted, grain=grain, dimensions=dims, start=start, end=end)
    except InputError as exc:
        raise _bad(str(exc)) from None
    result: KpiResult = results(request).get(("kpis", q), q).value
    return result


@router.get("/report/{section}", response_model=SectionOut)
def report_section(request: Request, section: str, lang: LangParam = None) -> SectionOut:
    """One section of the report as data: its figures, tables and chart ids."""
    if section not in SECTIONS:
        raise HTTPException(404, f"unknown section {section!r}: one of {', '.join(SECTIONS)}")
    code = language(request, lang)
    report = results(request).get(("report", code), queries.ReportQuery(code)).value
    out = queries.section_out(report, section)
    if out is None:
        raise HTTPException(404, f"the report has no {section} section on this data")
    return out


@router.get("/funnel")
def funnel(request: Request) -> list[dict[str, Any]]:
    """`crmroi funnel --format json`: one row per stage."""
    found: list[dict[str, Any]] = results(request).get(("funnel",), queries.funnel).value
    return found


@router.get("/forecast")
def forecast(
    request: Request, grain: Annotated[str, Query(pattern="^(month|quarter|year)$")] = "month"
) -> dict[str, Any]:
    """`crmroi forecast --format json`: this period's weighted forecast and past accuracy."""
    found: dict[str, Any] = (
        results(request).get(("forecast", grain), queries.ForecastQuery(grain)).value
    )
    return found


@router.get("/roi")
def roi(request: Request) -> dict[str, Any]:
    """`crmroi roi --format json`: every revenue basis side by side, the headline on the best."""
    found: dict[str, Any] = results(request).get(("roi",), queries.roi).value
    return found


@router.get("/attribution", response_model=AttributionOut)
def attribution(
    request: Request,
    model: Annotated[list[str] | None, Query(max_length=40)] = None,
    level: Annotated[str, Query(max_length=10)] = "channel",
    conversions: Annotated[str, Query(max_length=10)] = "deals",
    lookback_days: Annotated[int, Query(ge=1, le=3650)] = 90,
    bootstrap: Annotated[int, Query(ge=0, le=MAX_BOOTSTRAP)] = MAX_BOOTSTRAP,
    seed: Annotated[int, Query(ge=0, le=2**32 - 1)] = 0,
) -> AttributionOut:
    """`crmroi attribution --format json`: each model's credit with bootstrap intervals."""
    try:
        q = AttributionQuery(
            models=tuple(dict.fromkeys(model or ("data_driven",))),
            level=level,
            conversions=conversions,
            lookback_days=lookback_days,
            bootstrap=bootstrap,
            seed=seed,
        )
    except InputError as exc:
        raise _bad(str(exc)) from None
    found: AttributionOut = results(request).get(("attribution", q), q).value
    return found


@router.get("/clv", response_model=ClvOut)
def clv(
    request: Request,
    time_unit: Annotated[str, Query(max_length=10)] = "week",
    horizon: Annotated[float | None, Query(gt=0, le=MAX_HORIZON)] = None,
    discount_rate: Annotated[float | None, Query(ge=0, lt=1)] = None,
    customer: Annotated[str, Query(max_length=20)] = "account_id",
    observation_end: Annotated[date | None, Query()] = None,
    top: Annotated[int, Query(ge=1, le=1000)] = 10,
) -> ClvOut:
    """`crmroi clv --format json`: BG/NBD and Gamma-Gamma parameters, totals, top customers."""
    if observation_end is not None and not queries.FIRST_DAY <= observation_end <= queries.LAST_DAY:
        raise _bad(f"{observation_end} is outside {queries.FIRST_DAY} … {queries.LAST_DAY}")
    try:
        q = ClvQuery(
            time_unit=time_unit,
            horizon=horizon,
            discount_rate=discount_rate,
            customer=customer,
            observation_end=observation_end,
            top=top,
        )
    except InputError as exc:
        raise _bad(str(exc)) from None
    found: ClvOut = results(request).get(("clv", q), q).value
    return found


@router.get("/imports", response_model=ImportsOut)
def imports(request: Request) -> ImportsOut:
    """The import history and the first quarantined rows (`crmroi quarantine`)."""
    found: ImportsOut = results(request).get(("imports",), queries.imports).value
    return found


@router.get("/targets", response_model=list[TargetRow])
def targets(request: Request) -> list[TargetRow]:
    """The targets KPIs are judged against."""
    found: list[TargetRow] = results(request).get(("targets",), queries.targets).value
    return found
