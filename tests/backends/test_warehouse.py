"""A PostgreSQL warehouse table read through a canonical view, as on DuckDB.

The company keeps ``sales.opportunities`` in its own database; ``crmroi warehouse`` maps it onto
``deals`` and the KPIs equal the ones DuckDB gives for the same mapping and rows
(tests/warehouse/test_warehouse.py holds the hand-counted figures).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crmroi import open_workspace
from crmroi.metrics import MetricQuery, query
from crmroi.warehouse import map_tables, read_mapping
from tests.backends import postgres as pg
from tests.backends.compare import assert_same
from tests.warehouse.test_warehouse import MAPPING, OPPORTUNITIES


def test_postgres_warehouse_table_gives_the_same_kpis(postgres: pg.Server, tmp_path: Path) -> None:
    mapping = tmp_path / "warehouse.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    q = MetricQuery(kpis=("won_revenue", "win_rate", "won_deals"), grain="month")
    results: list[pd.DataFrame] = []
    for target in (str(tmp_path / "crmroi.duckdb"), postgres.database("warehouse")):
        with open_workspace(target) as ws:
            ws.con.raw_sql("CREATE SCHEMA sales")
            ws.con.create_table("opportunities", OPPORTUNITIES, database="sales")
            (mapped,) = map_tables(ws, read_mapping(mapping))
            assert mapped.rows == len(OPPORTUNITIES)
            results.append(query(ws, q))
    duck, other = results
    assert duck.loc[duck["kpi"] == "won_revenue", "value"].sum() == 3900.0
    assert_same(duck, other, keys=["kpi", "period_start"])
