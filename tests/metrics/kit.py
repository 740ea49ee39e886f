"""Helpers for the KPI tests: insert hand-made rows that match the canonical schema."""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmroi import Workspace
from crmroi.schema import table as spec

_PANDAS = {"string": "object", "float64": "float64", "int64": "Int64", "boolean": "boolean"}


def frame(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a frame with every column of ``table`` in its schema type (missing: empty)."""
    cols = spec(table).columns
    df = pd.DataFrame(rows, columns=[c.name for c in cols])
    for c in cols:
        if c.dtype == "timestamp":
            df[c.name] = pd.to_datetime(df[c.name], format="ISO8601").astype("datetime64[us]")
        else:
            df[c.name] = df[c.name].astype(_PANDAS[c.dtype])
    key = spec(table).key
    if df[key].isna().any():
        df[key] = [f"{table}-{i}" for i in range(len(df))]
    return df


def put(ws: Workspace, table: str, *rows: dict[str, Any]) -> None:
    """Insert ``rows`` into ``table``."""
    ws.con.insert(table, frame(table, list(rows)))


def load(ws: Workspace, tables: dict[str, pd.DataFrame]) -> None:
    """Insert whole frames (e.g. a synthetic company), aligned to the canonical columns."""
    for name, df in tables.items():
        cols = spec(name).columns
        out = df.reindex(columns=[c.name for c in cols]).copy()
        for c in cols:
            if c.dtype == "timestamp":
                out[c.name] = pd.to_datetime(out[c.name]).astype("datetime64[us]")
            else:
                out[c.name] = out[c.name].astype(_PANDAS[c.dtype])
        ws.con.insert(name, out)
