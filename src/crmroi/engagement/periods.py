"""Period arithmetic for cohorts and retention: a record's period as an integer index.

Cohort and retention tables compare "the period after" and "k periods later", which is plain
integer arithmetic once every timestamp is mapped to the index of its period. The index is built
in the engine (:func:`period_index`) and turned back into the period's first day in Python
(:func:`index_start`) on the small result. Weeks start on Monday (ISO); quarters and years are
calendar ones.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import ibis.expr.types as ir

from crmroi.metrics.periods import Grain

__all__ = ["Grain", "index_start", "period_index"]

_EPOCH = date(1970, 1, 1)  # a Thursday: Monday-based week k starts on 1969-12-29 + 7k


def period_index(ts: ir.TimestampValue, grain: Grain) -> ir.IntegerValue:
    """Ibis expression: the integer index of the period of ``grain`` containing ``ts``.

    day: days since 1970-01-01; week: Monday-based weeks since 1969-12-29; month: year·12 +
    month − 1; quarter: that ÷ 3 (floored); year: the year.
    """
    if grain in (Grain.day, Grain.week):
        days = ts.date().delta(ibis.date(_EPOCH), unit="day")
        if grain is Grain.day:
            return days
        return ((days + 3) / 7).floor().cast("int64")
    months = ts.year() * 12 + ts.month() - 1
    if grain is Grain.month:
        return months
    if grain is Grain.quarter:
        return (months / 3).floor().cast("int64")
    return ts.year()


def index_start(index: int, grain: Grain) -> date:
    """First day of the period with this index (the inverse of :func:`period_index`)."""
    if grain is Grain.day:
        return _EPOCH + timedelta(days=index)
    if grain is Grain.week:
        return _EPOCH + timedelta(days=7 * index - 3)
    if grain is Grain.year:
        return date(index, 1, 1)
    months = index * 3 if grain is Grain.quarter else index
    return date(months // 12, months % 12 + 1, 1)
