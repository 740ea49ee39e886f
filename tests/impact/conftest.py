"""Builders for tiny hand-made workspaces: rows in, canonical column types out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.schema import table as canonical

Insert = Callable[[Workspace, str, list[dict[str, Any]]], None]


@pytest.fixture
def insert() -> Insert:
    """The :func:`insert_rows` helper, as a fixture."""
    return insert_rows


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
