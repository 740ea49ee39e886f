"""Value parsing: numbers in German and English form, dates in every order, booleans."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pytest

from crmroi.errors import AmbiguousValueError
from crmroi.ingest import dates as d
from crmroi.ingest import values as v


def numbers(texts: list[str | None], locale: str | None = None) -> tuple[list, list, str]:
    ev = v.Evidence()
    arr = pa.array(texts, pa.string())
    v.number_evidence(arr, ev)
    mark = v.decide_decimal(ev, locale=locale, file="f.csv", column="Betrag")
    value, bad = v.parse_number(arr, mark)
    return value.to_pylist(), bad.to_pylist(), mark


def test_german_numbers_decided_from_the_column() -> None:
    """`1.234,56` can only be German, so the whole column is: `-1.000` is −1000, `12 %` 0.12."""
    got, bad, mark = numbers(
        [
            "1.234,56",
            "-1.000",
            "12 %",
            "€ 1.234,56",
            "(1.234,5)",
            "1234,5",
            "1.234-",
            "EUR 5",
            "",
            None,
        ]
    )
    assert mark == "comma"
    assert got == [1234.56, -1000.0, 0.12, 1234.56, -1234.5, 1234.5, -1234.0, 5.0, None, None]
    assert not any(bad)


def test_english_numbers_and_formatted_amounts() -> None:
    got, bad, mark = numbers(["$1,234", "1,234.56", "$1,234,567", "0.5", "1e3", "USD 7"])
    assert mark == "dot"
    assert got == [1234.0, 1234.56, 1234567.0, 0.5, 1000.0, 7.0]
    assert not any(bad)


def test_a_value_that_is_no_number_is_flagged_not_nulled() -> None:
    got, bad, _ = numbers(["1,5", "12,5O0", "zwölf"])
    assert got == [1.5, None, None]
    assert bad == [False, True, True]


def test_ambiguous_numbers_need_a_locale() -> None:
    """`1.234` is 1234 in German and 1.234 in English: without a locale it is an error."""
    with pytest.raises(AmbiguousValueError, match="Betrag"):
        numbers(["1.234", "2.500"])
    assert numbers(["1.234", "2.500"], locale="de")[0] == [1234.0, 2500.0]
    assert numbers(["1.234", "2.500"], locale="en")[0] == [1.234, 2.5]


def test_mixed_decimal_marks_are_an_error_naming_the_column() -> None:
    with pytest.raises(AmbiguousValueError, match=r"column `Betrag`.*two formats"):
        numbers(["1,5", "2.5"])


def dates(texts: list[str | None], locale: str | None = None, tz: str = "UTC") -> list:
    ev = v.Evidence()
    arr = pa.array(texts, pa.string())
    d.date_evidence(arr, ev)
    layouts = d.decide_dates(ev, locale=locale, file="f.csv", column="Datum")
    value, bad = d.parse_timestamp(arr, layouts, tz)
    assert not any(bad.to_pylist())
    return value.to_pylist()


def test_date_layouts() -> None:
    assert dates(
        [
            "2024-03-01",
            "01.03.2024 14:05",
            "20240301",
            "Mar 4, 2024",
            "Week of Mar 4, 2024",
            "4. März 2024",
            "2024-03-01T10:11:12.5+01:00",
            "2024-03-01T10:00:00Z",
        ]
    ) == [
        datetime(2024, 3, 1),
        datetime(2024, 3, 1, 14, 5),
        datetime(2024, 3, 1),
        datetime(2024, 3, 4),
        datetime(2024, 3, 4),
        datetime(2024, 3, 4),
        datetime(2024, 3, 1, 9, 11, 12, 500000),
        datetime(2024, 3, 1, 10),
    ]


def test_slash_dates_decided_from_the_whole_column() -> None:
    """A day above 12 anywhere makes the column day-first; a month slot above 12, month-first."""
    assert dates(["01/03/2024", "13/03/2024"]) == [datetime(2024, 3, 1), datetime(2024, 3, 13)]
    assert dates(["01/03/2024", "03/13/2024"]) == [datetime(2024, 1, 3), datetime(2024, 3, 13)]
    assert dates(["3/1/2024 2:05 PM", "3/1/2024 12:05 AM"], locale="en-US") == [
        datetime(2024, 3, 1, 14, 5),
        datetime(2024, 3, 1, 0, 5),
    ]
    with pytest.raises(AmbiguousValueError, match="column `Datum`"):
        dates(["01/03/2024", "02/03/2024"])
    with pytest.raises(AmbiguousValueError, match="both orders"):
        dates(["13/03/2024", "03/13/2024"])
    assert dates(["01/03/2024"], locale="de") == [datetime(2024, 3, 1)]


def test_epochs_and_time_zones() -> None:
    """Epoch seconds and microseconds are UTC; naive local times convert to UTC
    (Berlin is UTC+1 in winter, UTC+2 in summer)."""
    assert dates(["1709251200"]) == [datetime(2024, 3, 1)]
    assert dates(["1709251200123456"]) == [datetime(2024, 3, 1, 0, 0, 0, 123456)]
    assert dates(["2024-01-15 10:00", "2024-07-15 10:00"], tz="Europe/Berlin") == [
        datetime(2024, 1, 15, 9),
        datetime(2024, 7, 15, 8),
    ]


def test_impossible_dates_are_flagged() -> None:
    arr = pa.array(["2024-02-30", "29.02.2023", "2024-02-29"])
    _, bad = d.parse_timestamp(arr, ("iso", "dotted"))
    assert bad.to_pylist() == [True, True, False]


def test_booleans_in_both_languages() -> None:
    value, bad = v.parse_boolean(pa.array(["Ja", "nein", "TRUE", "0", "yes", "vielleicht", None]))
    assert value.to_pylist() == [True, False, True, False, True, None, None]
    assert bad.to_pylist() == [False] * 5 + [True, False]


def test_currency_codes_from_formatted_amounts() -> None:
    got = v.currency_of(pa.array(["€ 1.234,56", "$1,234", "1.234,56 EUR", "12", None, "£3"]))
    assert got.to_pylist() == ["EUR", "USD", "EUR", None, None, "GBP"]
