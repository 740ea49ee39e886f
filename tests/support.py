"""Shared test support: build tiny hand-made workspaces typed by the canonical schema."""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmroi import Workspace
from crmroi.schema import table as canonical


def insert_rows(ws: Workspace, name: str, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into table ``name``, filling missing columns and casting to its schema."""
    spec = canonical(name)
    frame = pd.DataFrame(rows)
    for col in spec.columns:
        if col.name not in frame:
            frame[col.name] = None
        if col.dtype == "timestamp":
            frame[col.name] = pd.to_datetime(frame[col.name])
        elif col.dtype == "float64":
            frame[col.name] = frame[col.name].astype(float)
        elif col.dtype == "int64":
            frame[col.name] = frame[col.name].astype("Int64")
        elif col.dtype == "boolean":
            frame[col.name] = frame[col.name].astype("boolean")
        else:
            frame[col.name] = frame[col.name].astype("string")
    ws.con.insert(name, frame[list(spec.column_names)])


def ledger_cost(costs: pd.DataFrame, workflow_id: str, horizon_end: str) -> float:
    """pandas: what the ledger lines tagged with ``workflow_id`` cost up to ``horizon_end``.

    A one-off line is paid once; a monthly line in its first month and every month after it up
    to the month of ``ends_at`` or, when that is empty, of ``horizon_end`` (the ledger's rule,
    written out independently of ``crmroi.roi.tco``).
    """
    mine = costs[costs["workflow_id"] == workflow_id]
    last = pd.Period(horizon_end, "M")
    total = 0.0
    for row in mine.itertuples():
        first = pd.Period(pd.Timestamp(row.incurred_at), "M")
        ends = (
            last if pd.isna(row.ends_at) else min(last, pd.Period(pd.Timestamp(row.ends_at), "M"))
        )
        times = {"one-off": 1, "monthly": (ends - first).n + 1}[row.recurrence]
        total += float(row.amount) * times
    return total
