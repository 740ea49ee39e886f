"""Compare one analysis result computed on two backends: same rows, same numbers.

Row order is not part of a result's meaning unless the analysis sorts explicitly, so both frames
are sorted by their non-float columns (then by the rounded floats) before comparing. Dtypes may
differ between engines (int32 vs int64, datetime64[us] vs [ns], NaN vs None in an object column)
and are normalised first; values must agree within a float tolerance that covers summation order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

RTOL = 1e-7
ATOL = 1e-9


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Engine-neutral dtypes: float64 numbers, naive ns timestamps, None for missing objects."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out[name] = col.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
        elif pd.api.types.is_datetime64_any_dtype(col):
            out[name] = col.astype("datetime64[ns]")
        elif pd.api.types.is_bool_dtype(col):
            out[name] = col.astype(bool)
        elif pd.api.types.is_numeric_dtype(col):
            out[name] = col.astype("float64")
        else:
            out[name] = col.astype(object).where(col.notna(), None)
    return out


def _sorted(frame: pd.DataFrame, keys: Sequence[str] | None) -> pd.DataFrame:
    floats = [c for c in frame.columns if frame[c].dtype == np.float64]
    if keys is None:
        keys = [c for c in frame.columns if c not in floats]
    rounded = {f"__{c}": frame[c].round(6) for c in floats if c not in keys}
    order = [*keys, *rounded]
    if not order:
        return frame.reset_index(drop=True)
    tmp = frame.assign(**rounded)
    return tmp.sort_values(order, na_position="last", kind="stable").drop(columns=list(rounded))


def assert_same(
    duck: pd.DataFrame,
    spark: pd.DataFrame,
    *,
    keys: Sequence[str] | None = None,
    keep_order: bool = False,
    rtol: float = RTOL,
) -> None:
    """DuckDB and Spark gave the same rows (after sorting) and numbers (within ``rtol``)."""
    assert list(duck.columns) == list(spark.columns), "the backends return different columns"
    assert len(duck) == len(spark), f"{len(duck)} rows on DuckDB, {len(spark)} on Spark"
    left, right = normalise(duck), normalise(spark)
    if not keep_order:
        left, right = _sorted(left, keys), _sorted(right, keys)
    pd.testing.assert_frame_equal(
        left.reset_index(drop=True),
        right.reset_index(drop=True),
        check_dtype=False,
        check_exact=False,
        rtol=rtol,
        atol=ATOL,
    )
