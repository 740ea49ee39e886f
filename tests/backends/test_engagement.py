"""Engagement and retention analyses give the same answers on DuckDB and on Spark.

Each case runs one public analysis of :mod:`crmroi.engagement` on both workspaces and compares
the frames (rows sorted by their key columns, numbers within a float tolerance). The as-of
moments are pinned so that both backends evaluate the same question.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd
import pytest

from crmroi import engagement as eng
from crmroi.engagement.clv import historical_clv_expr
from crmroi.engagement.surveys import CesDefinition, Dimension
from crmroi.workspace import Workspace
from tests.backends.compare import assert_same

pytestmark = pytest.mark.spark

AS_OF = datetime(2025, 12, 31)
"""The synthetic company's last full day."""

Case = Callable[[Workspace], pd.DataFrame]


def _matrix(value: eng.CohortValue, **kwargs: Any) -> Case:
    def run(ws: Workspace) -> pd.DataFrame:
        return eng.cohort_matrix(ws, value, **kwargs).reset_index()

    return run


CASES: dict[str, tuple[Case, tuple[str, ...] | None]] = {
    # name: (analysis, key columns to sort by; None = every non-float column)
    "cohort_matrix-customers": (_matrix(eng.CohortValue.customers), ("cohort_start",)),
    "cohort_matrix-revenue": (_matrix(eng.CohortValue.revenue), ("cohort_start",)),
    "cohort_matrix-retention-quarter": (
        _matrix(eng.CohortValue.retention, grain=eng.Grain.quarter),
        ("cohort_start",),
    ),
    "cohort_matrix-first_won-contact": (
        _matrix(
            eng.CohortValue.customers, by=eng.CohortBy.first_won, customer=eng.Customer.contact
        ),
        ("cohort_start",),
    ),
    "logo_retention": (lambda ws: eng.logo_retention(ws), ("period_start",)),
    "logo_retention-window3-segment": (
        lambda ws: eng.logo_retention(ws, window=3, by="segment"),
        ("period_start", "segment"),
    ),
    "revenue_retention": (lambda ws: eng.revenue_retention(ws), ("period_start",)),
    "revenue_retention-subscription-quarter": (
        lambda ws: eng.revenue_retention(ws, grain=eng.Grain.quarter, kinds=("subscription",)),
        ("period_start",),
    ),
    "rfm_table": (lambda ws: eng.rfm_table(ws, as_of=AS_OF).to_pandas(), ("customer",)),
    "rfm_segments": (lambda ws: eng.rfm_segments(ws, as_of=AS_OF), ("segment",)),
    "nps": (lambda ws: eng.nps(ws), None),
    "nps-by-segment-month": (
        lambda ws: eng.nps(ws, by=(Dimension.segment, Dimension.month), method="adjusted"),
        ("segment", "month"),
    ),
    "csat": (lambda ws: eng.csat(ws), None),
    "csat-by-month": (lambda ws: eng.csat(ws, by=(Dimension.month,)), ("month",)),
    "ces": (lambda ws: eng.ces(ws), None),
    "ces-share-by-segment": (
        lambda ws: eng.ces(ws, by=(Dimension.segment,), definition=CesDefinition.share),
        ("segment",),
    ),
    "comment_themes": (lambda ws: eng.comment_themes(ws), None),
    "purchase_summary-week": (lambda ws: eng.purchase_summary(ws), ("customer",)),
    "purchase_summary-month-contact": (
        lambda ws: eng.purchase_summary(
            ws, customer=eng.Customer.contact, time_unit=eng.TimeUnit.month, observation_end=AS_OF
        ),
        ("customer",),
    ),
    "historical_clv": (lambda ws: historical_clv_expr(ws).to_pandas(), ("customer",)),
    "score_table": (
        lambda ws: eng.score_table(ws, [datetime(2025, 6, 30), AS_OF]).to_pandas(),
        ("entity", "as_of"),
    ),
    "scores-contact": (
        lambda ws: eng.scores(ws, AS_OF, level=eng.Level.contact).to_pandas(),
        ("entity",),
    ),
    "distribution": (lambda ws: eng.distribution(ws, AS_OF), ("low",)),
    "trend": (lambda ws: eng.trend(ws, datetime(2025, 1, 1), AS_OF), ("as_of",)),
    "by_dimension": (lambda ws: eng.by_dimension(ws, as_of=AS_OF), None),
    "falling_fastest": (lambda ws: eng.falling_fastest(ws, as_of=AS_OF, top=15), None),
}

KNOWN_GAPS: dict[str, tuple[type[BaseException], str]] = {}
"""Case → (exception expected on Spark, why). Listed in docs/backends.md."""


def _params() -> list[object]:
    params = []
    for name in CASES:
        marks = []
        if name in KNOWN_GAPS:
            raises, reason = KNOWN_GAPS[name]
            marks.append(pytest.mark.xfail(raises=raises, strict=True, reason=reason))
        params.append(pytest.param(name, id=name, marks=marks))
    return params


@pytest.mark.parametrize("name", _params())
def test_engagement(workspaces: tuple[Workspace, Workspace], name: str) -> None:
    duck, spark = workspaces
    run, keys = CASES[name]
    expected = run(duck)
    got = run(spark)
    assert len(expected) > 0, f"{name} is empty on the synthetic company"
    assert_same(expected, got, keys=keys)
