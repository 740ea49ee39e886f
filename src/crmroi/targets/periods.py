"""Period labels a person types (``2025-Q1``, ``2025-03``, ``2025``, ``2025-W05``) ↔ periods.

A label names its grain; an ISO day (``2025-04-01``) is a day, or with ``grain`` the period of
that grain it must start. Quarters and years follow the fiscal year: with a fiscal year starting
in April, ``2025`` is April 2025 – March 2026 and ``2025-Q1`` is April – June 2025 (the fiscal
year is named after the calendar year it starts in).
"""

from __future__ import annotations

import re
from datetime import date

from crmroi.errors import InputError
from crmroi.metrics.periods import Grain, add_months, period_start

_LABEL = re.compile(
    r"^(?P<year>\d{4})(?:-(?:[Qq](?P<quarter>[1-4])|[Ww](?P<week>\d{2})|(?P<month>\d{2})"
    r"(?:-(?P<day>\d{2}))?))?$"
)
EXAMPLES = "2025, 2025-Q1, 2025-03, 2025-W05 or 2025-03-14"


def _grain(text: str | None) -> Grain | None:
    if text is None:
        return None
    try:
        return Grain(text)
    except ValueError:
        choices = ", ".join(g.value for g in Grain)
        raise InputError(f"grain {text!r}: choose one of {choices}") from None


def parse_period(label: str, grain: str | None = None, fiscal_start: int = 1) -> tuple[Grain, date]:
    """The grain and first day of the period ``label`` names; see the module docstring."""
    match = _LABEL.match(label.strip())
    if match is None:
        raise InputError(f"period {label!r} is not one of {EXAMPLES}")
    year = int(match["year"])
    wanted = _grain(grain)
    try:
        if match["quarter"]:
            named, start = (
                Grain.quarter,
                add_months(date(year, fiscal_start, 1), 3 * (int(match["quarter"]) - 1)),
            )
        elif match["week"]:
            named, start = Grain.week, date.fromisocalendar(year, int(match["week"]), 1)
        elif match["day"]:
            named, start = wanted or Grain.day, date(year, int(match["month"]), int(match["day"]))
        elif match["month"]:
            named, start = Grain.month, date(year, int(match["month"]), 1)
        else:
            named, start = Grain.year, date(year, fiscal_start, 1)
    except ValueError as exc:
        raise InputError(f"period {label!r} is not a real period ({exc})") from None
    if wanted is not None and wanted is not named:
        raise InputError(f"period {label!r} is a {named.value}, not a {wanted.value}")
    first = period_start(start, named, fiscal_start)
    if first != start:
        raise InputError(
            f"period {label!r} does not start a {named.value}; that {named.value} starts on "
            f"{first.isoformat()}"
        )
    return named, start


def period_label(grain: Grain | str, start: date, fiscal_start: int = 1) -> str:
    """The label :func:`parse_period` reads back to the same period."""
    grain = Grain(grain)
    if grain is Grain.year:
        return f"{start.year}"
    if grain is Grain.quarter:
        months = (start.month - fiscal_start) % 12
        year = start.year if start.month >= fiscal_start else start.year - 1
        return f"{year}-Q{months // 3 + 1}"
    if grain is Grain.month:
        return f"{start:%Y-%m}"
    if grain is Grain.week:
        iso = start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return start.isoformat()
