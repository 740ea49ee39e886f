"""The loader's checks, as Ibis expressions the engine runs over the staged rows.

Text is typed (trimmed, blanks to NULL, cast with ``TRY_CAST``), repeated keys are found, and each
row gets the first rule it fails; see :mod:`crmroi.ingest.load` for the rules and the loading.
"""

from __future__ import annotations

import re

import ibis
import ibis.expr.types as ir

from crmroi.dialects import backend_of, json_object, try_cast
from crmroi.schema import Column, Table

ROW = "_row"
FIRST = "_first"
WHITESPACE = " \t\n\r\v\f"
"""What Ibis's ``strip()`` removes."""


def _strip(value: ir.StringValue) -> ir.StringValue:
    """``value.strip()``, called only on values that start or end with a character it strips.

    Ibis strips with a character-list ``TRIM``, which costs DuckDB 10× a suffix test or the
    first character's code; most values have nothing to strip.
    """
    padded = ibis.or_(value.ascii_str() <= 32, *(value.endswith(c) for c in WHITESPACE))
    return padded.ifelse(value.strip(), value)


def _typed(raw: ir.Table, column: Column) -> ir.Value:
    value = raw[column.name]
    if column.dtype == "string":
        text = _strip(value.cast("string")).nullif("")
        return text.lower() if column.choices else text
    if raw.schema()[column.name].is_string():
        text = _strip(value).nullif("")
        if column.dtype == "boolean":
            text = text.lower()
        if column.dtype == "timestamp":
            return _utc_timestamp(text)
        return try_cast(text, column.dtype)
    return value.cast(column.dtype)


UTC_OFFSET = r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*([+-])(\d{2}):?(\d{2})$"
"""A time, then a UTC offset (``09:30:00+01:00``, ``09:30 +0100``): groups time, sign, hh, mm."""


def _utc_timestamp(text: ir.StringValue) -> ir.TimestampValue:
    """Text as a UTC timestamp; a UTC offset is applied, never dropped.

    The engine's cast keeps the wall time of ``2024-01-01 09:30:00+01:00`` (09:30) and ignores the
    offset, which silently shifts the event by an hour; here the offset is taken off first and
    subtracted after (08:30 UTC). Without an offset (or with ``Z``) the cast is used as is.
    """
    zoned = text.re_search(UTC_OFFSET)
    hours, mins = (try_cast(text.re_extract(UTC_OFFSET, group), "int64") for group in (3, 4))
    minutes = hours * 60 + mins
    signed = (text.re_extract(UTC_OFFSET, 2) == "-").ifelse(-minutes, minutes)
    local = try_cast(text.re_replace(UTC_OFFSET, "\\1"), "timestamp")
    shifted = local - signed.as_interval("m")
    return zoned.ifelse(shifted, try_cast(text, "timestamp"))


def typed_rows(raw: ir.Table, spec: Table, columns: list[str]) -> ir.Table:
    """The file's columns typed, the key, ``_row`` if staged, and the raw text rejects show.

    The key is derived from its parts when the table has a natural key. The text of a cast
    column is kept as ``_raw_*`` (the checks quote it); that of a text column as ``_text_*``
    only where it differs from the cleaned value, so clean files store it once.
    """
    typed: dict[str, ir.Value] = {}
    for column in spec.columns:
        if column.name in columns:
            typed[column.name] = _typed(raw, column)
        else:
            typed[column.name] = ibis.null(column.dtype)
    if spec.natural_key:
        parts = [typed[name].cast("string").fill_null("") for name in spec.natural_key]
        derived = ibis.literal("|").join(parts)
        typed[spec.key] = typed[spec.key].fill_null(derived) if spec.key in columns else derived
    kept = {name: value for name, value in typed.items() if name in columns or name == spec.key}
    text: dict[str, ir.Value] = {}
    for column in spec.columns:
        if column.name not in columns:
            continue
        value = raw[column.name].cast("string")
        if column.dtype != "string":
            text[f"_raw_{column.name}"] = value
        elif column.name == spec.key and spec.natural_key:  # a derived value fills its blanks
            text[f"_text_{column.name}"] = value
        else:
            changed = value.isnull() != typed[column.name].isnull()
            changed |= value != typed[column.name]
            text[f"_text_{column.name}"] = changed.ifelse(value, ibis.null("string"))
    row = {ROW: raw[ROW]} if ROW in raw.columns else {}
    return raw.select(**row, **kept, **text)


def _raw_values(bad: ir.Table, spec: Table, columns: list[str]) -> ir.Value:
    """The rejected row's values as the file gave them, as JSON text."""
    values = {
        c.name: bad[f"_raw_{c.name}"]
        if c.dtype != "string"
        else bad[f"_text_{c.name}"]
        if c.name == spec.key and spec.natural_key
        else bad[f"_text_{c.name}"].fill_null(bad[c.name])
        for c in spec.columns
        if c.name in columns
    }
    return json_object({name: values[name] for name in columns}, backend_of(bad))


def duplicates(table: ir.Table, spec: Table) -> ir.Table:
    """``_row`` and ``_first`` of every row whose key an earlier row of the file already had."""
    keyed = table.select(table[spec.key], table[ROW]).filter(table[spec.key].notnull())
    window = ibis.window(group_by=keyed[spec.key], order_by=keyed[ROW])
    first = keyed.mutate(**{FIRST: keyed[ROW].first().over(window)})
    return first.filter(first[FIRST] != first[ROW]).select(ROW, FIRST)


Rule = tuple[ir.BooleanValue, str, ir.StringValue]
"""When a row fails, the column to blame and the reason."""


def _rules(
    table: ir.Table, spec: Table, columns: list[str], delimiter: str | None = None
) -> list[Rule]:
    """The checks in the order they are tried; the first that fails names the row's reason.

    ``delimiter`` is the text file's field delimiter (None for other formats), which the
    stray-quote check needs.
    """
    rules: list[Rule] = [
        (
            _empty(table, column, columns),
            column.name,
            ibis.literal(f"required field {column.name!r} is empty"),
        )
        for column in spec.columns
        if column.required
    ]
    for column in spec.columns:
        if column.name not in columns or column.dtype == "string":
            continue
        raw_value = table[f"_raw_{column.name}"]
        bad = table[column.name].isnull() & raw_value.notnull() & (_strip(raw_value) != "")
        reason = "'" + _shown(raw_value) + f"' is not a valid {_type_word(column.dtype)}"
        rules.append((bad, column.name, reason))
        if column.dtype == "float64":
            value = table[column.name]
            infinite = (value.isnan() | value.isinf()).fill_null(False)
            why = "'" + _shown(raw_value) + "' is not a finite number (infinite or NaN)"
            rules.append((infinite, column.name, why))
    rules.extend(range_rules(table, spec, columns))
    if delimiter is not None:
        rules.extend(swallowed_rows(table, spec, columns, delimiter))
    for column in spec.columns:
        if column.choices and column.name in columns:
            value = table[column.name]
            bad = value.notnull() & ~value.isin(column.choices)
            reason = "'" + value + f"' is not one of {', '.join(column.choices)}"
            rules.append((bad, column.name, reason))
    if spec.name == "targets":  # KPI, grain and dimension must be ones queries use
        from crmroi.metrics.targets import target_rules

        rules.extend(target_rules(table, columns))
    first = table[FIRST]
    dup_reason = "duplicate key '" + table[spec.key] + "' (first seen on row "
    rules.append((first.notnull(), spec.key, dup_reason + first.cast("string") + ")"))
    return rules


def swallowed_rows(table: ir.Table, spec: Table, columns: list[str], delimiter: str) -> list[Rule]:
    """A text value holding a line break and then a whole row: a stray quote merged rows.

    ``d1,"A,won,…`` opens a quote that the next stray quote closes lines later, and every
    reader (RFC 4180) folds the rows between into one field. A legitimate multi-line note seldom
    holds a line with as many of the file's own delimiters as the file has columns, so such a
    value is quarantined with the line it swallowed, never loaded as a silent merge. (Other
    delimiters count for nothing: a note "0", line break, ";;;" is fine in a comma file.)
    """
    if len(columns) < 3 or len(delimiter) != 1:
        return []
    mark = re.escape(delimiter)
    pattern = r"\n[^\n]*(?:" + mark + r"[^\n]*){" + str(len(columns) - 1) + "}"
    rules: list[Rule] = []
    for column in spec.columns:
        if column.dtype != "string" or column.name not in columns:
            continue
        value = table[column.name]
        bad = (value.contains("\n") & value.re_search(pattern)).fill_null(False)
        line = value.re_extract(r"\n([^\n]*)", 1)
        reason = (
            "a quote opened in this field runs over the next line(s), which look like rows of "
            "their own ('"
            + _shown(line)
            + "'): a stray or unclosed quote merged them; fix the quote and import again"
        )
        rules.append((bad, column.name, reason))
    return rules


SCORE_RANGES = {"nps": (0.0, 10.0), "csat": (1.0, 10.0), "ces": (1.0, 10.0)}
"""The widest scale each survey kind is asked on; ``scale_max`` narrows it per answer."""


def range_rules(table: ir.Table, spec: Table, columns: list[str]) -> list[Rule]:
    """Values outside their range, which would skew every figure built on them.

    Survey scores outside their scale (an NPS of 11 or -1); a negative spend, which would read
    as money a channel earned before it worked.
    """
    if spec.name == "channel_spend" and "spend" in columns:
        spend = table["spend"]
        bad = (spend < 0).fill_null(False)
        return [(bad, "spend", "spend " + _number_text(spend) + " is negative")]
    if spec.name != "survey_responses" or "score" not in columns:
        return []
    score, survey = table["score"], table["survey"]
    low = ibis.cases(*((survey == k, lo) for k, (lo, _) in SCORE_RANGES.items()), else_=0.0)
    high = ibis.cases(*((survey == k, hi) for k, (_, hi) in SCORE_RANGES.items()), else_=10.0)
    if "scale_max" in columns:
        high = table["scale_max"].notnull().ifelse(ibis.least(high, table["scale_max"]), high)
    whole = (survey != "nps") | (score == score.floor())
    bad = (score.notnull() & ((score < low) | (score > high) | ~whole)).fill_null(False)
    reason = (
        "score "
        + _number_text(score)
        + " is outside the "
        + survey.fill_null("survey")
        + " scale "
        + _number_text(low)
        + "–"
        + _number_text(high)
        + (survey == "nps").ifelse(" (whole numbers)", "")
    )
    return [(bad, "score", reason)]


def _number_text(value: ir.FloatingValue) -> ir.StringValue:
    """``10`` rather than ``10.0`` for whole numbers."""
    return (value == value.floor()).ifelse(value.cast("int64").cast("string"), value.cast("string"))


def rejected_rows(
    table: ir.Table,
    spec: Table,
    columns: list[str],
    repeats: ir.Table | None,
    import_id: str,
    file: str,
    delimiter: str | None = None,
) -> ir.Table:
    """The rows that fail a check, as quarantine rows.

    The filter is one ``CASE`` giving the number of the first failed rule; column, reason and
    raw values are built for the rejected rows only.
    """
    if repeats is None:
        table = table.mutate(**{FIRST: ibis.null("int64")})
    else:
        table = table.left_join(repeats, ROW).drop(f"{ROW}_right")
    number = ibis.cases(
        *((cond, i) for i, (cond, _, _) in enumerate(_rules(table, spec, columns, delimiter))),
        else_=ibis.null("int64"),
    )
    bad = table.mutate(_rule=number).filter(ibis._._rule.notnull())
    rules = _rules(bad, spec, columns, delimiter)
    return bad.select(
        quarantine_id=ibis.literal(f"{import_id}:") + bad[ROW].cast("string"),
        import_id=ibis.literal(import_id),
        file=ibis.literal(file),
        row_number=bad[ROW].cast("int64"),
        column=bad._rule.cases(*((i, col) for i, (_, col, _) in enumerate(rules))),
        reason=ibis.cases(*((bad._rule == i, why) for i, (_, _, why) in enumerate(rules))),
        raw=_raw_values(bad, spec, columns),
    )


def _empty(table: ir.Table, column: Column, columns: list[str]) -> ir.BooleanValue:
    """A required field is empty when its text was.

    A value that did not parse is not "empty": it fails its type's rule, which quotes it.
    """
    value = table[column.name].isnull()
    if column.dtype == "string" or column.name not in columns:
        return value
    raw_value = table[f"_raw_{column.name}"]
    return value & (raw_value.isnull() | (_strip(raw_value) == ""))


SHOWN_CHARS = 60
"""Longest raw value quoted in a reason; longer ones are cut with an ellipsis."""


def _shown(raw_value: ir.StringValue) -> ir.StringValue:
    cut = raw_value.length() > SHOWN_CHARS
    return cut.ifelse(raw_value.substr(0, SHOWN_CHARS) + "…", raw_value)


def _type_word(dtype: str) -> str:
    return {
        "float64": "number",
        "int64": "whole number",
        "timestamp": (
            "timestamp: tried YYYY-MM-DD and YYYY-MM-DD[T]HH:MM[:SS[.ffffff]] (canonical "
            "files take ISO dates; map other formats with --map and `format`)"
        ),
        "boolean": "boolean (expected true/false)",
    }.get(dtype, dtype)
