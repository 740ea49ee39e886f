"""One Spark session, one PostgreSQL server and three workspaces holding the same company.

The cross-backend tests compare every analysis on DuckDB (the reference) with the same analysis
on Spark and on PostgreSQL: the ``workspaces`` fixture is parametrised over the two. Spark
starts once per test session (4–20 s), PostgreSQL (a throwaway cluster on loopback, see
``postgres.py``) in about 2 s. The analysis tests load the data through ``ws.con.insert``;
``test_imports.py`` goes through the canonical import path itself.

pyspark is not optional here: CI installs the ``spark`` extra, so a missing pyspark or JVM fails
the tests with what to install instead of skipping them silently.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crmroi import Workspace, open_workspace
from crmroi.synth import SyntheticCompany, generate
from tests.backends import postgres as pg

SEED = 11
"""Seed of the synthetic company loaded into both workspaces."""

INSTALL = "pip install -e '.[spark]'"
PG_INSTALL = "pip install -e '.[postgres]'"

# Third-party warnings seen only on Spark, each filtered by name (pytest turns warnings into
# errors). pyspark.util._load_from_socket, which collects every result, leaves its local socket
# to the garbage collector ("will be automatically closed when garbage-collected"), so each
# query ends in "ResourceWarning: unclosed <socket.socket …>" (reported by pytest as an
# unraisable-exception warning when not ignored).
SPARK_WARNINGS = ("ignore:unclosed <socket.socket:ResourceWarning",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add the Spark warning filters to the tests of this folder only.

    Under pytest-xdist the tests also join one ``xdist_group``: with ``--dist loadgroup`` they
    then share one worker, hence one Spark session, instead of starting one per worker.
    """
    here = Path(__file__).parent
    grouped = config.pluginmanager.hasplugin("xdist")
    for item in items:
        if here in item.path.parents:
            for spec in SPARK_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(spec))
            backend = _backend(item)
            item.add_marker(getattr(pytest.mark, backend))
            if grouped:
                item.add_marker(pytest.mark.xdist_group(backend))


def _backend(item: pytest.Item) -> str:
    """``postgres`` for the tests that run on PostgreSQL, else ``spark``.

    A test parametrised over the engines names it in its parameter values; another one uses
    the ``postgres`` fixture, or else Spark.
    """
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        for value in callspec.params.values():
            if value in {"postgres", "spark"}:
                return str(value)
    return "postgres" if "postgres" in getattr(item, "fixturenames", ()) else "spark"


def _require_spark() -> Any:
    try:
        import ibis.backends.pyspark  # noqa: F401
        from pyspark.sql import SparkSession
    except ImportError as exc:
        pytest.fail(f"the Spark backend tests need pyspark ({exc}): {INSTALL}", pytrace=False)
    if shutil.which("java") is None and "JAVA_HOME" not in os.environ:
        pytest.fail("the Spark backend tests need a Java 17+ runtime (java on PATH or JAVA_HOME)")
    return SparkSession


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A local Spark session (2 cores, UTC, no UI), stopped after the last test."""
    spark_session = _require_spark()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # The Python workers must see this interpreter's packages (pandas), not the system python.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = (
        spark_session.builder.master("local[2]")
        .appName("crmroi-backend-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # The data is tiny: two shuffle partitions (still more than one, so row order is not
        # accidentally stable) and no adaptive re-planning halve the time per query.
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.warehouse.dir", str(warehouse))
        # pandas → Spark through Arrow: no Python worker round trip per row.
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def company() -> SyntheticCompany:
    """The small synthetic company (same seed for both backends)."""
    return generate("small", SEED)


def won_revenue_targets(company: SyntheticCompany) -> pd.DataFrame:
    """Monthly ``won_revenue`` targets, company-wide and per owner (synth writes no targets).

    They give ``quota_attainment``, ``pipeline_coverage`` and the target columns something to
    compare; the values are arbitrary round numbers.
    """
    months = pd.date_range("2023-01-01", "2025-12-01", freq="MS")
    owners = sorted(company.tables["users"]["user_id"].astype(str))
    rows = [("", None, 60_000.0)] + [("owner", o, 6_000.0) for o in owners]
    frame = pd.DataFrame(
        [
            {
                "target_key": f"won_revenue|month|{m.date()}|{dim}|{value or ''}",
                "kpi": "won_revenue",
                "grain": "month",
                "period_start": m,
                "dimension": dim,
                "dimension_value": value,
                "value": amount,
            }
            for m in months
            for dim, value, amount in rows
        ]
    )
    return frame.astype({"period_start": "datetime64[us]"})


def _load(ws: Workspace, company: SyntheticCompany) -> Workspace:
    existing = set(ws.con.list_tables())
    tables = {**company.tables, "targets": won_revenue_targets(company)}
    for name, frame in tables.items():
        assert name in existing, f"synth table {name} is not a canonical table"
        ws.con.insert(name, frame)
    return ws


@pytest.fixture(scope="session")
def duck_ws(
    tmp_path_factory: pytest.TempPathFactory, company: SyntheticCompany
) -> Iterator[Workspace]:
    """The synthetic company in a real DuckDB file."""
    ws = open_workspace(tmp_path_factory.mktemp("duckdb") / "crmroi.duckdb")
    yield _load(ws, company)
    ws.close()


@pytest.fixture(scope="session")
def spark_ws(spark: Any, company: SyntheticCompany) -> Workspace:
    """The same company in the Spark session's warehouse."""
    import ibis

    ws = Workspace.from_connection(ibis.pyspark.connect(spark), location="spark")
    return _load(ws, company)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pg.Server]:
    """A PostgreSQL server on loopback for the whole test session, stopped after the last test."""
    try:
        import ibis.backends.postgres  # noqa: F401
    except ImportError as exc:
        pytest.fail(f"the PostgreSQL tests need psycopg ({exc}): {PG_INSTALL}", pytrace=False)
    try:
        server = pg.start(tmp_path_factory.mktemp("postgres"))
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_ws(postgres: pg.Server, company: SyntheticCompany) -> Iterator[Workspace]:
    """The same company in a database of the PostgreSQL server."""
    ws = open_workspace(postgres.database("company"))
    yield _load(ws, company)
    ws.close()


@pytest.fixture(scope="session", params=["spark", "postgres"])
def workspaces(request: pytest.FixtureRequest, duck_ws: Workspace) -> tuple[Workspace, Workspace]:
    """(DuckDB, other) workspaces with the same data; the other is Spark, then PostgreSQL."""
    other: Workspace = request.getfixturevalue(f"{request.param}_ws")
    assert duck_ws.backend_name == "duckdb"
    assert other.backend_name == {"spark": "pyspark", "postgres": "postgres"}[request.param]
    return duck_ws, other
