"""Targets no query can match are quarantined on import, with the closest valid name (16.8).

Before, a target for KPI ``won_revenu``, grain ``fortnight`` or dimension ``colour`` loaded
without a word and silently never matched a KPI row.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from crmroi import Workspace
from crmroi.ingest import import_file
from crmroi.metrics import Grain, MetricQuery, query

TARGETS = """kpi,grain,period_start,dimension,dimension_value,value
won_revenue,month,2024-01-01,,,1000
won_revenu,month,2024-02-01,,,1000
won_revenue,fortnight,2024-03-01,,,1000
won_revenue,month,2024-04-01,colour,red,1000
won_revenue,month,2024-05-01,owner,u1,1000
won_revenue,month,2024-06-01,,u1,1000
won_revenue,month,2024-07-01,Owner,u1,1000
"""


def test_unknown_kpi_grain_and_dimension_are_quarantined(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "targets.csv"
    path.write_text(TARGETS, encoding="utf-8")
    result = import_file(workspace, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (7, 2, 5)
    q = workspace.table("quarantine").order_by("row_number").execute()
    assert list(q["row_number"]) == [2, 3, 4, 6, 7]
    assert list(q["column"]) == ["kpi", "grain", "dimension", "dimension", "dimension"]
    assert q["reason"].tolist() == [
        "unknown KPI 'won_revenu' (did you mean 'won_revenue'?)",
        "unknown grain 'fortnight' (known: day, month, quarter, week, year)",
        "unknown dimension 'colour' (known: campaign, channel, field, industry, owner, "
        "pipeline, product, region, segment, stage, team)",
        "dimension_value is given without a dimension (e.g. owner)",
        "unknown dimension 'Owner' (did you mean 'owner'?)",
    ]
    loaded = workspace.table("targets").execute()
    assert sorted(loaded["period_start"]) == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-05-01"),
    ]


def test_valid_targets_still_reach_the_kpi_rows(workspace: Workspace, tmp_path: Path) -> None:
    """A valid monthly won_revenue target of 1000 with no deals: value 0, target 1000."""
    path = tmp_path / "targets.csv"
    path.write_text(TARGETS, encoding="utf-8")
    import_file(workspace, path)
    rows = query(
        workspace,
        MetricQuery(
            kpis=("won_revenue",), grain=Grain.month, start=date(2024, 1, 1), end=date(2024, 1, 31)
        ),
    )
    assert rows["target"].tolist() == [1000.0]
