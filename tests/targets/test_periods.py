"""Period labels: what a person types ↔ the period's grain and first day (fiscal years too)."""

from __future__ import annotations

from datetime import date

import pytest

from crmroi.errors import InputError
from crmroi.metrics.periods import Grain
from crmroi.targets.periods import parse_period, period_label


@pytest.mark.parametrize(
    ("label", "fiscal", "grain", "start"),
    [
        ("2025", 1, Grain.year, date(2025, 1, 1)),
        ("2025-Q1", 1, Grain.quarter, date(2025, 1, 1)),
        ("2025-Q4", 1, Grain.quarter, date(2025, 10, 1)),
        ("2025-03", 1, Grain.month, date(2025, 3, 1)),
        ("2025-W01", 1, Grain.week, date(2024, 12, 30)),  # ISO week 1 of 2025 starts Monday
        ("2025-03-14", 1, Grain.day, date(2025, 3, 14)),
        ("2025", 4, Grain.year, date(2025, 4, 1)),  # fiscal 2025: April 2025 – March 2026
        ("2025-Q1", 4, Grain.quarter, date(2025, 4, 1)),
        ("2025-Q4", 4, Grain.quarter, date(2026, 1, 1)),
    ],
)
def test_labels_round_trip(label: str, fiscal: int, grain: Grain, start: date) -> None:
    assert parse_period(label, fiscal_start=fiscal) == (grain, start)
    assert period_label(grain, start, fiscal) == label


def test_a_day_with_a_grain_must_start_it() -> None:
    assert parse_period("2025-04-01", "quarter") == (Grain.quarter, date(2025, 4, 1))
    assert parse_period("2025-02-01", "quarter", fiscal_start=2) == (
        Grain.quarter,
        date(2025, 2, 1),
    )
    with pytest.raises(InputError, match="does not start a quarter; that quarter starts on"):
        parse_period("2025-02-01", "quarter")


@pytest.mark.parametrize(
    ("label", "grain", "message"),
    [
        ("2025-Q5", None, "is not one of 2025, 2025-Q1"),
        ("2025-13", None, "is not a real period"),
        ("2025-02-30", None, "is not a real period"),
        ("2025-W54", None, "is not a real period"),
        ("2025-Q1", "month", "is a quarter, not a month"),
        ("2025-03", "fortnight", "grain 'fortnight': choose one of"),
    ],
)
def test_mistakes_say_what_is_wrong(label: str, grain: str | None, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_period(label, grain)
