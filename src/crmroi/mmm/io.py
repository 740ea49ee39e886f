"""Read weekly spend and outcome files for the marketing-mix model, with errors that say where.

Spend comes *wide* (a week column, then one column per channel) or *long* (``week``, ``channel``,
``spend``); the outcome file has a week column and one number per week. Both join on the week;
a week the spend file lacks counts as no spend, a week the outcome lacks is an error.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crmroi.errors import InputError

LONG = ("week", "channel", "spend")


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    frame = pd.read_csv(path)
    if frame.shape[1] < 2 or frame.empty:
        raise InputError("needs a week column and at least one value column", file=str(path))
    return frame


def _weeks(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    weeks = pd.to_datetime(frame[column], errors="coerce")
    bad = weeks.isna()
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise InputError(
            f"{frame[column].iloc[row]!r} is not a date", file=str(path), row=row + 2, column=column
        )
    return weeks


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise InputError(
            f"{frame[column].iloc[row]!r} is not a number of 0 or more",
            file=str(path), row=row + 2, column=column,
        )  # fmt: skip
    return values.astype(float)


def read_spend(path: Path) -> pd.DataFrame:
    """Spend per week (rows, sorted) and channel (columns)."""
    frame = _read(path)
    if all(c in frame.columns for c in LONG):
        frame = frame.assign(week=_weeks(frame, "week", path), spend=_numbers(frame, "spend", path))
        wide = frame.pivot_table(index="week", columns="channel", values="spend", aggfunc="sum")
        return wide.fillna(0.0).sort_index()
    week = str(frame.columns[0])
    out = pd.DataFrame(
        {str(c): _numbers(frame, str(c), path) for c in frame.columns[1:]}
    ).set_index(_weeks(frame, week, path).rename("week"))
    if out.index.duplicated().any():
        raise InputError("a week appears twice", file=str(path), column=week)
    return out.sort_index()


def read_outcome(path: Path) -> pd.Series:
    """The outcome per week, from the file's first two columns."""
    frame = _read(path)
    week, value = str(frame.columns[0]), str(frame.columns[1])
    values = pd.to_numeric(frame[value], errors="coerce")
    if values.isna().any():
        row = int(values.isna().to_numpy().argmax())
        raise InputError(
            f"{frame[value].iloc[row]!r} is not a number", file=str(path), row=row + 2, column=value
        )
    return pd.Series(
        values.to_numpy(float), index=_weeks(frame, week, path), name=value
    ).sort_index()


def aligned(spend: pd.DataFrame, outcome: pd.Series, outcome_file: Path) -> pd.DataFrame:
    """Spend on the outcome's weeks: no row in the spend file means nothing spent that week."""
    missing = spend.index.difference(outcome.index)
    if len(missing):
        raise InputError(
            f"the outcome has no value for the week of {missing[0]:%Y-%m-%d} that has spend",
            file=str(outcome_file),
        )
    return spend.reindex(outcome.index, fill_value=0.0)
