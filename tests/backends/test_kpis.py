"""Every KPI of the registry gives the same values on DuckDB and on Spark.

Each KPI is compared three ways: over the whole data range, by month, and (where the KPI supports
it) by month and owner. The range is fixed from the DuckDB data and ``now`` is pinned, so both
backends evaluate exactly the same query.

Each KPI runs as a query of its own, so a failure names the KPI. (Evaluating all KPIs of a
slicing in one union was tried: Spark then spends as long planning the union as it spends on the
separate queries, so it saves nothing.)
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from crmroi.metrics import REGISTRY, MetricQuery, query
from crmroi.metrics.engine import data_range
from crmroi.workspace import Workspace
from tests.backends.compare import assert_same

pytestmark = pytest.mark.spark

NOW = datetime(2026, 1, 1)
"""The synthetic company's data ends on 2026-01-01; 'now' is pinned for open-deal KPIs."""

SLICINGS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "total": (None, ()),
    "month": ("month", ()),
    "owner": ("month", ("owner",)),
}
"""Slicing name → (grain, dimensions)."""

KNOWN_GAPS: dict[tuple[str, str], tuple[type[BaseException], str]] = {}
"""(KPI id, slicing) → (exception expected on Spark, why). Listed in docs/backends.md."""


def _supports(kpi_id: str, slicing: str) -> bool:
    return set(SLICINGS[slicing][1]) <= REGISTRY.get(kpi_id).dimensions


def _cases() -> list[object]:
    cases = []
    for kpi_id in REGISTRY.ids():
        for slicing in SLICINGS:
            if not _supports(kpi_id, slicing):
                continue
            marks = []
            if (kpi_id, slicing) in KNOWN_GAPS:
                raises, reason = KNOWN_GAPS[kpi_id, slicing]
                marks.append(pytest.mark.xfail(raises=raises, strict=True, reason=reason))
            cases.append(pytest.param(kpi_id, slicing, id=f"{kpi_id}-{slicing}", marks=marks))
    return cases


@pytest.fixture(scope="module")
def span(duck_ws: Workspace) -> tuple[date, date]:
    """The data range, taken once (the same on both backends: see test_data_range)."""
    return data_range(duck_ws)


def _query(ws: Workspace, kpi_id: str, slicing: str, span: tuple[date, date]) -> pd.DataFrame:
    grain, dimensions = SLICINGS[slicing]
    q = MetricQuery(kpis=(kpi_id,), grain=grain, dimensions=dimensions, start=span[0], end=span[1])
    return query(ws, q, now=NOW)


def test_data_range(workspaces: tuple[Workspace, Workspace]) -> None:
    duck, spark = workspaces
    assert data_range(duck) == data_range(spark)


@pytest.mark.parametrize(("kpi_id", "slicing"), _cases())
def test_kpi(
    workspaces: tuple[Workspace, Workspace], span: tuple[date, date], kpi_id: str, slicing: str
) -> None:
    duck, spark = workspaces
    got = _query(spark, kpi_id, slicing, span)
    expected = _query(duck, kpi_id, slicing, span)
    if slicing == "month":  # period KPIs (churn, NRR, LTV) have no value over a whole range
        assert expected["value"].notna().any(), f"{kpi_id} has no value on the synthetic company"
    assert_same(expected, got, keys=["kpi", "period_start", *SLICINGS[slicing][1]])
