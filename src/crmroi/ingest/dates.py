"""Parse dates and times of messy exports, in every layout and order, into UTC.

The layouts: ISO (``2024-03-01``, with time, ``T``, fractions and ``Z``/``+01:00``), German
``01.03.2024``, ``YYYYMMDD`` (GA4), month names in English and German (``Mar 4, 2024``,
``4. März 2024``, Google Ads' "Week of …"), epoch seconds/ms/µs, and ``NN/NN/YYYY``. Which of them
a column holds is decided once from all its values (:func:`date_evidence`, :func:`decide_dates`):
for ``NN/NN/YYYY``, a first number above 12 anywhere means day-first, a second above 12
month-first; neither means the locale decides (``en``/``en-US`` month-first, others day-first),
and no locale is an :class:`AmbiguousValueError`. Times without a zone are in the mapping's
``timezone``; everything is converted to UTC.

Vectorised with Arrow compute: each layout is one regular expression over the whole column; the
calendar date becomes days since the epoch by Howard Hinnant's ``days_from_civil`` in integer
arithmetic, so an impossible date (``31.02.2024``) is flagged, never rolled over.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from crmroi.errors import AmbiguousValueError, InputError
from crmroi.ingest.values import Evidence, as_text, nonempty

DATE_PATTERNS: dict[str, str] = {
    "iso": (
        r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
        r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?"
        r"\s*(?P<z>Z|UTC|GMT|[+-]\d{2}:?\d{2})?$"
    ),
    "dotted": (
        r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}|\d{2})"
        r"(?:,?\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s*Uhr)?)?$"
    ),
    "slashed": (
        r"^(?P<a>\d{1,2})[/-](?P<b>\d{1,2})[/-](?P<y>\d{4}|\d{2})"
        r"(?:,?\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<p>[AaPp]\.?[Mm]\.?)?)?$"
    ),
    "compact": r"^(?P<y>(?:19|20|21)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?P<H>[0-2]\d)?$",
    "month_first_name": (
        r"^(?i:week of\s+)?(?P<mon>[A-Za-zÄä]{3,9})\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})"
        r"(?:,?\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<p>[AaPp][Mm])?)?$"
    ),
    "day_first_name": (
        r"^(?P<d>\d{1,2})(?:\.\s*|-|\s+)(?P<mon>[A-Za-zÄä]{3,9})\.?(?:-|\s+)(?P<y>\d{4}|\d{2})"
        r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
    ),
    "epoch": r"^\d{9,10}$|^\d{12,13}$|^\d{15,16}$",
}
DATE_FORMATS = (
    "auto",
    "iso",
    "dayfirst",
    "monthfirst",
    "dotted",
    "compact",
    "epoch_s",
    "epoch_ms",
    "epoch_us",
)
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
MONTHS_DE = ["jan", "feb", "mär", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "dez"]
MONTH_FIRST_LOCALES = {"en", "en-us", "en_us"}


def date_evidence(values: pa.Array, evidence: Evidence) -> None:
    """Add which date layouts this batch holds, and the slash-date clues, to ``evidence``."""
    if pa.types.is_timestamp(values.type) or pa.types.is_date(values.type):
        evidence.counts["typed"] += len(values)
        return
    text = pc.utf8_trim_whitespace(as_text(values))
    matched = pa.array([False] * len(text), pa.bool_())
    for name, pattern in DATE_PATTERNS.items():
        hit = pc.fill_null(pc.match_substring_regex(text, pattern), False)
        if name == "epoch":
            hit = pc.and_(hit, pc.invert(matched))
            for digits, unit in ((10, "s"), (13, "ms"), (16, "us")):
                length = pc.utf8_length(text)
                size = pc.and_(pc.less_equal(length, digits), pc.greater(length, digits - 3))
                evidence.add(f"epoch_{unit}", pc.and_(hit, size), text)
        else:
            evidence.add(name, hit, text)
        matched = pc.or_(matched, hit)
    parts = pc.extract_regex(text, DATE_PATTERNS["slashed"])
    for key, index in (("first_over_12", 0), ("second_over_12", 1)):
        number = pc.cast(
            pc.if_else(pc.is_valid(parts), pc.struct_field(parts, [index]), "0"), pa.int64()
        )
        evidence.add(key, pc.greater(number, 12), text)


def decide_dates(
    evidence: Evidence, *, locale: str | None, file: str, column: str, fixed: str | None = None
) -> tuple[str, ...]:
    """The layouts to parse this column with; slash dates resolved to dayfirst or monthfirst."""
    if fixed and fixed != "auto":
        if fixed in {"dayfirst", "monthfirst"}:
            return ("iso", fixed)
        return (fixed,)
    counts = evidence.counts
    found = [k for k in DATE_PATTERNS if k != "epoch" and counts[k]]
    epochs = [k for k in ("epoch_s", "epoch_ms", "epoch_us") if counts[k]]
    if len(epochs) > 1:
        raise AmbiguousValueError(
            "epoch timestamps of different lengths (seconds and milli/microseconds) in one column",
            file=file,
            column=column,
        )
    layouts = [k for k in found if k != "slashed"] + epochs
    if counts["slashed"]:
        layouts.append(_slash_order(evidence, locale, file, column))
    return tuple(layouts)


def _slash_order(evidence: Evidence, locale: str | None, file: str, column: str) -> str:
    first, second = evidence.counts["first_over_12"], evidence.counts["second_over_12"]
    if first and second:
        raise AmbiguousValueError(
            f"dates in both orders: {evidence.examples['first_over_12']!r} is day-first, "
            f"{evidence.examples['second_over_12']!r} month-first",
            file=file,
            column=column,
        )
    if first or second:
        return "dayfirst" if first else "monthfirst"
    if locale is None:
        raise AmbiguousValueError(
            f"cannot tell day-first from month-first: every date is like "
            f'{evidence.examples["slashed"]!r}; give `locale` ("de", "en-GB": day-first; '
            '"en-US": month-first) or `format = "dayfirst"`/`"monthfirst"` in a mapping',
            file=file,
            column=column,
        )
    return "monthfirst" if locale.lower() in MONTH_FIRST_LOCALES else "dayfirst"


def _field(parts: pa.StructArray, name: str, default: str) -> pa.Array:
    names = [parts.type.field(i).name for i in range(parts.type.num_fields)]
    if name not in names:
        return pa.array([default] * len(parts), pa.string())
    value = pc.struct_field(parts, [names.index(name)])
    return pc.if_else(pc.equal(value, ""), default, value)


def _int(values: pa.Array) -> pa.Array:
    return pc.cast(values, pa.int64())


def _components(text: pa.Array, layout: str) -> dict[str, pa.Array]:
    pattern = DATE_PATTERNS["slashed" if layout in {"dayfirst", "monthfirst"} else layout]
    parts = pc.extract_regex(text, pattern)
    ok = pc.is_valid(parts)
    comp = {k: _field(parts, k, "0") for k in ("y", "H", "M", "S")}
    comp["f"] = _field(parts, "f", "")
    if layout in {"dayfirst", "monthfirst"}:
        a, b = _field(parts, "a", "1"), _field(parts, "b", "1")
        comp["d"], comp["m"] = (a, b) if layout == "dayfirst" else (b, a)
    elif layout in {"month_first_name", "day_first_name"}:
        comp["d"] = _field(parts, "d", "1")
        mon = pc.utf8_slice_codeunits(pc.utf8_lower(_field(parts, "mon", "x")), 0, 3)
        index = pc.coalesce(
            pc.index_in(mon, pa.array(MONTHS)),
            pc.index_in(mon, pa.array(MONTHS_DE)),
            pc.index_in(mon, pa.array(["", "", "mrz"])),
        )
        comp["m"] = pc.cast(pc.add(index, 1), pa.string())
    else:
        comp["d"], comp["m"] = _field(parts, "d", "1"), _field(parts, "m", "1")
    comp["z"] = _field(parts, "z", "")
    comp["p"] = pc.utf8_lower(_field(parts, "p", ""))
    comp["ok"] = ok
    return comp


def _days_in_month(year: pa.Array, month: pa.Array) -> pa.Array:
    table = pa.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], pa.int64())
    safe = pc.if_else(pc.and_(pc.greater_equal(month, 1), pc.less_equal(month, 12)), month, 1)
    days = pc.take(table, pc.subtract(safe, 1))
    leap = pc.or_(
        pc.and_(pc.equal(_mod(year, 4), 0), pc.not_equal(_mod(year, 100), 0)),
        pc.equal(_mod(year, 400), 0),
    )
    return pc.if_else(pc.and_(leap, pc.equal(safe, 2)), 29, days)


def _mod(values: pa.Array, divisor: int) -> pa.Array:
    return pc.subtract(values, pc.multiply(pc.divide(values, divisor), divisor))


def _assemble(comp: dict[str, pa.Array]) -> tuple[pa.Array, pa.Array]:
    """Microseconds since the epoch (as if UTC) and a validity mask, from date components."""
    y, m, d = _int(comp["y"]), _int(pc.fill_null(comp["m"], "0")), _int(comp["d"])
    y = pc.if_else(pc.less(y, 100), pc.add(y, pc.if_else(pc.less(y, 70), 2000, 1900)), y)
    hour, minute, sec = _int(comp["H"]), _int(comp["M"]), _int(comp["S"])
    pm = pc.starts_with(comp["p"], "p")
    am = pc.starts_with(comp["p"], "a")
    twelve = pc.equal(hour, 12)
    hour = pc.if_else(pc.and_(pm, pc.invert(twelve)), pc.add(hour, 12), hour)
    hour = pc.if_else(pc.and_(am, twelve), 0, hour)
    valid = pc.and_(comp["ok"], pc.and_(pc.greater_equal(m, 1), pc.less_equal(m, 12)))
    valid = pc.and_(valid, pc.and_(pc.greater_equal(d, 1), pc.less_equal(d, _days_in_month(y, m))))
    valid = pc.and_(
        valid, pc.and_(pc.less(hour, 24), pc.and_(pc.less(minute, 60), pc.less(sec, 61)))
    )
    valid = pc.fill_null(valid, False)
    # Days from the civil date (Howard Hinnant's days_from_civil), all in integer arithmetic.
    yy = pc.subtract(y, pc.cast(pc.less_equal(m, 2), pa.int64()))
    era = pc.divide(pc.if_else(pc.greater_equal(yy, 0), yy, pc.subtract(yy, 399)), 400)
    yoe = pc.subtract(yy, pc.multiply(era, 400))
    mp = pc.if_else(pc.greater(m, 2), pc.subtract(m, 3), pc.add(m, 9))
    doy = pc.add(pc.divide(pc.add(pc.multiply(mp, 153), 2), 5), pc.subtract(d, 1))
    doe = pc.add(
        pc.subtract(pc.add(pc.multiply(yoe, 365), pc.divide(yoe, 4)), pc.divide(yoe, 100)), doy
    )
    days = pc.subtract(pc.add(pc.multiply(era, 146097), doe), 719468)
    seconds = pc.add(
        pc.multiply(days, 86400),
        pc.add(pc.multiply(hour, 3600), pc.add(pc.multiply(minute, 60), sec)),
    )
    frac = pc.utf8_slice_codeunits(pc.binary_join_element_wise(comp["f"], "000000", ""), 0, 6)
    micros = pc.add(pc.multiply(seconds, 1_000_000), _int(frac))
    return pc.subtract(micros, pc.multiply(_offset_seconds(comp["z"]), 1_000_000)), valid


def _offset_seconds(zone: pa.Array) -> pa.Array:
    parts = pc.extract_regex(zone, r"^(?P<s>[+-])(?P<h>\d{2}):?(?P<m>\d{2})$")
    hours = _int(pc.if_else(pc.is_valid(parts), pc.struct_field(parts, [1]), "0"))
    minutes = _int(pc.if_else(pc.is_valid(parts), pc.struct_field(parts, [2]), "0"))
    sign = pc.if_else(pc.fill_null(pc.equal(pc.struct_field(parts, [0]), "-"), False), -1, 1)
    return pc.multiply(sign, pc.add(pc.multiply(hours, 3600), pc.multiply(minutes, 60)))


def parse_timestamp(
    values: pa.Array, layouts: tuple[str, ...], timezone: str = "UTC"
) -> tuple[pa.Array, pa.Array]:
    """UTC timestamps (µs, no zone) and a mask of non-empty values that are not dates."""
    if pa.types.is_timestamp(values.type) or pa.types.is_date(values.type):
        return _typed_timestamp(values, timezone), pa.array([False] * len(values), pa.bool_())
    raw = as_text(values)
    text = pc.utf8_trim_whitespace(raw)
    micros = pa.nulls(len(text), pa.int64())
    zoned = pa.array([False] * len(text), pa.bool_())
    for layout in layouts:
        if layout.startswith("epoch"):
            digits = pc.fill_null(pc.match_substring_regex(text, r"^\d+$"), False)
            scale = {"epoch_s": 1_000_000, "epoch_ms": 1_000, "epoch_us": 1}[layout]
            value = pc.multiply(_int(pc.if_else(digits, text, None)), scale)
            micros = pc.coalesce(micros, value)
            zoned = pc.or_(zoned, digits)
            continue
        comp = _components(text, layout)
        value, ok = _assemble(comp)
        micros = pc.coalesce(micros, pc.if_else(ok, value, None))
        has_zone = pc.fill_null(pc.not_equal(comp["z"], ""), False)
        zoned = pc.or_(zoned, pc.and_(ok, has_zone))
    stamps = pc.cast(micros, pa.timestamp("us"))
    if timezone.upper() != "UTC":
        local = _typed_timestamp(stamps, timezone)
        stamps = pc.if_else(zoned, stamps, local)
    bad = pc.and_(nonempty(raw), pc.is_null(micros))
    return stamps, bad


def _typed_timestamp(values: pa.Array, timezone: str) -> pa.Array:
    if pa.types.is_date(values.type):
        values = values.cast(pa.timestamp("us"))
    if values.type.tz is not None:
        return values.cast(pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us"))
    values = values.cast(pa.timestamp("us"))
    if timezone.upper() == "UTC":
        return values
    try:
        zoned = pc.assume_timezone(
            values, timezone=timezone, ambiguous="earliest", nonexistent="latest"
        )
    except pa.ArrowInvalid as exc:
        raise InputError(f"unknown time zone {timezone!r}: {exc}") from None
    return zoned.cast(pa.timestamp("us"))
