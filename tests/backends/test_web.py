"""The web KPIs give the same values on DuckDB and Spark where traffic rows fill days without
sessions (in the synthetic company every traffic day has sessions, so test_kpis never reads a
traffic row): the hand-made case of tests/metrics/test_web.py, by month and by channel.

The Spark workspace lives in a database of its own (a new Spark session shares the catalog but
not the current database), so the synthetic company's tables stay untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crmroi import Workspace, open_workspace
from crmroi.metrics import MetricQuery, query
from tests.backends.compare import assert_same
from tests.metrics.test_web import WEB, fill

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def web_workspaces(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import ibis

    duck = fill(open_workspace(Path(tmp_path_factory.mktemp("web")) / "crmroi.duckdb"))
    session = spark.newSession()
    session.sql("CREATE DATABASE IF NOT EXISTS web_case")
    session.catalog.setCurrentDatabase("web_case")
    on_spark = fill(Workspace.from_connection(ibis.pyspark.connect(session), location="spark"))
    yield duck, on_spark
    duck.close()


@pytest.mark.parametrize("dimensions", [(), ("channel",)], ids=["month", "channel"])
def test_web_kpis_same_on_spark(
    web_workspaces: tuple[Workspace, Workspace], dimensions: tuple[str, ...]
) -> None:
    duck, on_spark = web_workspaces
    q = MetricQuery(kpis=WEB, grain="month", dimensions=dimensions)
    expected = query(duck, q)
    assert expected["value"].notna().all()
    assert_same(expected, query(on_spark, q), keys=["kpi", "period_start", *dimensions])
