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
