"""Build canonical columns from NumPy arrays without a Python loop per row.

Ids, labels and keys are formatted in Arrow compute kernels and held as Arrow-backed pandas
strings (``string[pyarrow]``): a 10-million-row id column then costs ~150 MB instead of the
~600 MB of Python ``str`` objects, which is what keeps the large size in bounded memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmroi.schema import table as canonical_table
from crmroi.synth.plan import Bools, Ints, Seconds

STRING = pd.StringDtype("pyarrow")
PANDAS_DTYPES: dict[str, object] = {
    "string": STRING,
    "float64": np.dtype("float64"),
    "int64": np.dtype("int64"),
    "boolean": np.dtype("bool"),
    "timestamp": np.dtype("datetime64[ns]"),
}
"""The pandas dtype each canonical type is held in."""


def from_arrow(array: pa.Array | pa.ChunkedArray) -> pd.Series:
    """An Arrow string array as an Arrow-backed pandas string column (no copy to Python)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return pd.Series(pd.arrays.ArrowStringArray(array.cast(pa.string())))


def ids(prefix: str, numbers: Ints, width: int, *, null: Bools | None = None) -> pd.Series:
    """``prefix`` + zero-padded ``numbers`` (``ACC-0000042``); null where ``null`` is set."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0")
    out = pc.binary_join_element_wise(prefix, digits, "")
    if null is not None:
        out = pc.if_else(pa.array(null), pa.scalar(None, pa.string()), out)
    return from_arrow(out)


def labels(values: Sequence[str], codes: Ints) -> pd.Series:
    """``values[code]`` per row; a negative code gives null."""
    codes = np.asarray(codes, dtype=np.int64)
    index = pa.array(codes, pa.int64(), mask=codes < 0)
    return from_arrow(pa.array(list(values), pa.string()).take(index))


def strings(values: Sequence[str] | np.ndarray | pd.Series) -> pd.Series:
    """Any sequence of Python strings (few rows only) as an Arrow-backed column."""
    return pd.Series(list(values), dtype=STRING)


def timestamps(seconds: Seconds, *, null: Bools | None = None) -> pd.Series:
    """Seconds since the epoch as naive-UTC ``datetime64[ns]``; NaT where ``null`` is set."""
    values = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]").astype("datetime64[ns]")
    if null is not None:
        values = values.copy()
        values[null] = np.datetime64("NaT")
    return pd.Series(values)


def iso_key(seconds: Seconds) -> pa.Array:
    """Timestamps formatted for derived keys: ``YYYY-MM-DDTHH:MM:SS``."""
    ts = pa.array(np.asarray(seconds, dtype=np.int64).astype("datetime64[s]"))
    return pc.strftime(ts, format="%Y-%m-%dT%H:%M:%S")


def arrow(series: pd.Series) -> pa.Array:
    """An Arrow-backed string column as a plain Arrow ``string`` array."""
    return pa.array(series.array).cast(pa.string())


def join_key(*parts: pd.Series | pa.Array) -> pd.Series:
    """The ``"|"``-joined derived key of several columns (stage_key, member_key …)."""
    arrays = [arrow(p) if isinstance(p, pd.Series) else p.cast(pa.string()) for p in parts]
    return from_arrow(pc.binary_join_element_wise(*arrays, "|"))


def frame(name: str, columns: Mapping[str, object]) -> pd.DataFrame:
    """The canonical table ``name``: every schema column, in schema order, in its pandas dtype.

    Raises KeyError when a column is missing or unknown, so a generator cannot drift from
    ``crmroi.schema`` silently.
    """
    spec = canonical_table(name)
    extra = set(columns) - set(spec.column_names)
    missing = set(spec.column_names) - set(columns)
    if extra or missing:
        raise KeyError(f"{name}: unknown {sorted(extra)}, missing {sorted(missing)}")
    data = {}
    for col in spec.columns:
        value = columns[col.name]
        series = value if isinstance(value, pd.Series) else pd.Series(value)
        series = series.reset_index(drop=True)
        data[col.name] = series.astype(PANDAS_DTYPES[col.dtype], copy=False)  # type: ignore[call-overload]
    return pd.DataFrame(data, copy=False)


def null_strings(n: int) -> pd.Series:
    """An all-null string column of ``n`` rows."""
    return from_arrow(pa.nulls(n, pa.string()))


def null_timestamps(n: int) -> pd.Series:
    """An all-NaT timestamp column of ``n`` rows."""
    return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))


def one_campaign(
    campaign_id: str, name: str, channel: str, start: int, end: int, cost: float, currency: str
) -> pd.DataFrame:
    """One CRM campaign's row of ``campaigns`` (the planted tests: the flop, the experiment)."""
    return frame(
        "campaigns",
        {
            "campaign_id": strings([campaign_id]),
            "name": strings([name]),
            "channel": strings([channel]),
            "source_system": strings(["crm"]),
            "started_at": timestamps(np.array([start])),
            "ended_at": timestamps(np.array([end])),
            "cost": [cost],
            "currency": strings([currency]),
        },
    )
