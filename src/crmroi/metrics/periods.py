"""Periods: the grains a KPI is reported by, with a configurable fiscal year start.

The same period arithmetic exists twice, once in Python (to lay out the small table of periods a
query covers) and once as an Ibis expression (to put each record into its period inside the
engine); tests check that both agree. Weeks are ISO weeks (starting Monday). Quarters and years
start at the fiscal year start month; months, weeks and days do not depend on it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

import ibis
import ibis.expr.types as ir
import pandas as pd


class Grain(StrEnum):
    """How long one reporting period is."""

    day = "day"
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


_MONTHS = {Grain.month: 1, Grain.quarter: 3, Grain.year: 12}
_TRUNC_UNIT = {
    Grain.day: "D",
    Grain.week: "W",
    Grain.month: "M",
    Grain.quarter: "Q",
    Grain.year: "Y",
}


def add_months(day: date, months: int) -> date:
    """``day`` (the first of a month) moved by ``months`` months."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_start(day: date, grain: Grain, fiscal_start: int = 1) -> date:
    """First day of the period of ``grain`` that contains ``day``."""
    if grain is Grain.day:
        return day
    if grain is Grain.week:
        return day - timedelta(days=day.weekday())
    months = _MONTHS[grain]
    shift = fiscal_start - 1 if grain is not Grain.month else 0
    index = day.year * 12 + day.month - 1 - shift
    index -= index % months
    return add_months(date(index // 12, index % 12 + 1, 1), shift)


def shift(day: date, grain: Grain, n: int) -> date:
    """``day`` (a period start) moved by ``n`` periods of ``grain``."""
    if grain is Grain.day:
        return day + timedelta(days=n)
    if grain is Grain.week:
        return day + timedelta(weeks=n)
    return add_months(day, n * _MONTHS[grain])


def periods(start: date, end: date, grain: Grain, fiscal_start: int = 1) -> list[date]:
    """Starts of the periods of ``grain`` that overlap ``[start, end]`` (both inclusive)."""
    current = period_start(start, grain, fiscal_start)
    out = []
    while current <= end:
        out.append(current)
        current = shift(current, grain, 1)
    return out


def utc_now() -> datetime:
    """The current time in UTC, naive like the workspace's timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_datetime(day: date) -> datetime:
    """Midnight at the start of ``day`` (naive, UTC like the workspace timestamps)."""
    return datetime(day.year, day.month, day.day)


def bucket(ts: ir.TimestampValue, grain: Grain, fiscal_start: int = 1) -> ir.TimestampValue:
    """Ibis expression: the start of the period of ``grain`` that contains ``ts``."""
    unit = _TRUNC_UNIT[grain]
    offset = fiscal_start - 1
    if grain in (Grain.quarter, Grain.year) and offset:
        months = ibis.interval(months=offset)
        return (ts - months).truncate(unit) + months
    return ts.truncate(unit)


def interval(grain: Grain, n: int = 1) -> ir.IntervalScalar:
    """Ibis interval of ``n`` periods of ``grain``."""
    if grain is Grain.day:
        return ibis.interval(days=n)
    if grain is Grain.week:
        return ibis.interval(days=7 * n)
    return ibis.interval(months=n * _MONTHS[grain])


def spine_frame(starts: list[date], ends: list[date]) -> pd.DataFrame:
    """The periods of a query as a small frame: period_start, period_end (exclusive)."""
    return pd.DataFrame(
        {
            "period_start": pd.to_datetime(starts).astype("datetime64[us]"),
            "period_end": pd.to_datetime(ends).astype("datetime64[us]"),
        }
    )
