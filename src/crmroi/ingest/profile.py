"""Profile a column from a sample of its values: what kind of data it holds, for mapping drafts.

Headers alone guess wrong (``has_company`` is not an account id, ``gender`` is not an end date,
``NPS_RATING`` holds Promoter/Detractor while ``NPS_SCORE`` holds the 0–10 score), so
``--suggest-map`` also looks at the values. The date and number tests are the importer's own
(:mod:`crmroi.ingest.dates`, :mod:`crmroi.ingest.values`), so a column profiled as dates is one
the import can parse.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from crmroi.errors import AmbiguousValueError
from crmroi.ingest.dates import date_evidence, decide_dates, parse_timestamp
from crmroi.ingest.readers import ROW, open_source
from crmroi.ingest.values import (
    Evidence,
    as_text,
    decide_decimal,
    number_evidence,
    parse_boolean,
    parse_number,
)

SAMPLE_ROWS = 500
WON = re.compile(r"\b(won|win|gewonnen|closed ?won|closedwon|abgeschlossen und gewonnen)\b", re.I)
LOST = re.compile(
    r"\b(lost|loss|verloren|closed ?lost|closedlost|abgeschlossen und verloren)\b", re.I
)
OPEN = re.compile(r"^(open|offen|in progress|active)$", re.I)
CONTROL = re.compile(r"\b(control|holdout|hold-out|no[ -]?e-?mail|no contact|kontrolle)\b", re.I)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)
URL = re.compile(r"^(https?://)?(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(/\S*)?$", re.I)
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$", re.I)
MONEY_SIGN = re.compile(r"^\S*[€$£¥₹]|[€$£¥₹]\s*$|^[A-Z]{3}\s*[-+\d(]|[\d)]\s*[A-Z]{3}$")
DIGIT = re.compile(r".*\d")
SMALL_SAMPLE = 30
"""Below this many values, uniqueness and repetition say little."""
SPACED = re.compile(r".*\S\s+\S")
SURVEY_KINDS = re.compile(r"^(nps|csat|ces)$", re.I)


@dataclass(frozen=True)
class ColumnProfile:
    """What a sample of one column's values looks like (shares are of the non-empty values)."""

    name: str
    rows: int
    filled: int
    distinct: int
    date_share: float
    epoch_only: bool
    date_order: str
    """For a date column: dotted (German), dayfirst, monthfirst, unclear (01/02/2024 only)."""
    decimal_mark: str
    """For a number column: comma, dot, or unclear (only 1.234-like values)."""
    """Dates only as epoch numbers: weak evidence (any 10-digit id looks like one)."""
    number_share: float
    integer_share: float
    boolean_share: float
    email_share: float
    url_share: float
    currency_share: float
    low: float | None
    high: float | None
    mean_length: float
    symbol_share: float
    """Share of values carrying a currency (``€ 1.234,56``, ``1,234 USD``, ``$12``)."""
    digit_share: float
    """Share of values with a digit: codes and ids rather than labels."""
    spaced_share: float
    """Share of values with a blank inside: words, not codes."""
    top: tuple[str, ...]
    """The most frequent values, most frequent first (at most twelve)."""

    @property
    def fill(self) -> float:
        """Share of the sampled rows with a value."""
        return self.filled / self.rows if self.rows else 0.0

    @property
    def unique(self) -> bool:
        """Every non-empty value occurs once in the sample."""
        return self.filled > 0 and self.distinct == self.filled

    @property
    def is_date(self) -> bool:
        """Nearly all values parse as dates the importer reads (epoch numbers aside)."""
        return self.date_share >= 0.9 and not self.epoch_only

    @property
    def is_number(self) -> bool:
        """Nearly all values parse as numbers (currency signs and thousands marks allowed)."""
        return self.number_share >= 0.9

    @property
    def is_flag(self) -> bool:
        """Two values at most, yes/no-like (0/1 included)."""
        return self.boolean_share >= 0.95 and self.distinct <= 2

    @property
    def is_enum(self) -> bool:
        """A few repeating labels (a stage, a status, a channel), not ids or free text.

        In a sample too small to show repeats (a handful of rows), words without digits count.
        """
        if self.filled == 0 or self.is_number or self.is_date or self.is_flag:
            return False
        if self.mean_length > 40:
            return False
        if self.distinct <= max(2, min(60, self.filled // 2)):
            return True
        return self.filled < SMALL_SAMPLE and self.digit_share < 0.5

    @property
    def is_free_text(self) -> bool:
        """Sentences people wrote: long, mostly different values."""
        return (
            self.filled > 0
            and not self.is_number
            and not self.is_date
            and self.mean_length >= 15
            and self.spaced_share >= 0.5
            and self.distinct >= 0.6 * self.filled
        )

    @property
    def is_zero_to_ten(self) -> bool:
        """Whole numbers within 0–10 with more than two values: an NPS-like score."""
        return (
            self.integer_share >= 0.95
            and self.low is not None
            and self.high is not None
            and self.low >= 0
            and self.high <= 10
            and self.distinct > 2
        )

    @property
    def won_lost(self) -> bool:
        """An enum holding won-like or lost-like values: a deal's status (or a closing stage)."""
        return self.is_enum and any(WON.search(v) or LOST.search(v) for v in self.top)

    @property
    def control_group(self) -> bool:
        """An enum naming a control or holdout group (an experiment's arms)."""
        return self.is_enum and any(CONTROL.search(v) for v in self.top)


def _share(mask: pa.Array, filled: int) -> float:
    hits = pc.sum(pc.cast(pc.fill_null(mask, False), pa.int64())).as_py() or 0
    return hits / filled if filled else 0.0


def _date_share(values: pa.Array, filled: int) -> tuple[float, bool, str]:
    """Share of dates, whether only as epoch numbers, and the order (dotted, dayfirst …)."""
    evidence = Evidence()
    date_evidence(values, evidence)
    order = ""
    try:
        layouts = decide_dates(evidence, locale=None, file="", column="")
    except AmbiguousValueError:
        layouts, order = ("iso", "dayfirst"), "unclear"  # still dates, in an unknown order
    if not layouts:
        return 0.0, False, ""
    _, bad = parse_timestamp(values, layouts)
    epoch_only = all(layout.startswith("epoch") for layout in layouts)
    order = order or next((k for k in ("dotted", "dayfirst", "monthfirst") if k in layouts), "")
    return 1.0 - _share(bad, filled), epoch_only, order


def _numbers(values: pa.Array, filled: int) -> tuple[float, pa.Array, str]:
    """Share of numbers, their values, and the decimal mark (comma, dot, or unclear)."""
    evidence = Evidence()
    number_evidence(values, evidence)
    try:
        decimal = decide_decimal(evidence, locale=None, file="", column="")
    except AmbiguousValueError:
        decimal = "dot" if evidence.counts["dot"] else "unclear"
    parsed, bad = parse_number(values, "dot" if decimal == "unclear" else decimal)
    said = (
        decimal
        if evidence.counts["comma"] or evidence.counts["dot"] or decimal == "unclear"
        else ""
    )
    return 1.0 - _share(bad, filled), parsed, said


def profile_column(name: str, values: Sequence[str | None]) -> ColumnProfile:
    """Profile one column from its sampled values (text as the file has it)."""
    texts = [v.strip() for v in values if v is not None and v.strip()]
    filled = len(texts)
    array = pa.array(texts, pa.string())
    date_share, epoch_only, order = _date_share(array, filled) if filled else (0.0, False, "")
    number_share, parsed, mark = (
        _numbers(array, filled) if filled else (0.0, pa.array([], pa.float64()), "")
    )
    numbers = parsed.drop_null()
    whole = pc.equal(pc.floor(numbers), numbers) if len(numbers) else pa.array([], pa.bool_())
    low = pc.min(numbers).as_py() if len(numbers) else None
    high = pc.max(numbers).as_py() if len(numbers) else None
    _, not_boolean = parse_boolean(array) if filled else (None, pa.array([], pa.bool_()))
    counts = Counter(texts)

    def regex_share(pattern: re.Pattern[str]) -> float:
        return sum(1 for t in texts if pattern.search(t)) / filled if filled else 0.0

    return ColumnProfile(
        name=name,
        rows=len(values),
        filled=filled,
        distinct=len(counts),
        date_share=date_share,
        epoch_only=epoch_only,
        date_order=order if date_share >= 0.9 else "",
        decimal_mark=mark if number_share >= 0.9 else "",
        number_share=number_share,
        integer_share=_share(whole, filled),
        boolean_share=1.0 - _share(not_boolean, filled) if filled else 0.0,
        email_share=regex_share(EMAIL),
        url_share=regex_share(URL),
        currency_share=regex_share(CURRENCY_CODE),
        low=None if low is None else float(low),
        high=None if high is None else float(high),
        mean_length=sum(map(len, texts)) / filled if filled else 0.0,
        symbol_share=regex_share(MONEY_SIGN),
        digit_share=regex_share(DIGIT),
        spaced_share=regex_share(SPACED),
        top=tuple(value for value, _ in counts.most_common(12)),
    )


def profile_rows(
    header: Sequence[str], rows: Sequence[Sequence[str | None]]
) -> list[ColumnProfile]:
    """Profile every column of a sample given as rows of text."""
    return [
        profile_column(name, [row[i] if i < len(row) else None for row in rows])
        for i, name in enumerate(header)
    ]


def sample_file(path: Path, limit: int = SAMPLE_ROWS) -> list[ColumnProfile]:
    """Profile the first ``limit`` data rows of a file's first table."""
    source = open_source(path)
    section = source.sections[0]
    columns: dict[str, list[str | None]] = {name: [] for name in section.header}
    for batch in islice(source.batches(section), 1):
        head = batch.slice(0, limit)
        for name in section.header:
            if name in head.schema.names and name != ROW:
                columns[name] = as_text(head.column(name)).to_pylist()
    return [profile_column(name, values) for name, values in columns.items()]
