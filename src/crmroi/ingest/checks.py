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
RULE = "_rule"
WHITESPACE = " \t\n\r\v\f"
"""What Ibis's ``strip()`` removes."""


def _strip(value: ir.StringValue) -> ir.StringValue:
    """``value.strip()``, called only on values that start or end with a character it strips.

    Ibis strips with a character-list ``TRIM``, which costs DuckDB 10× a suffix test or the
    first character's code; most values have nothing to strip.
    """
    return _padded(value).ifelse(value.strip(), value)


def _padded(value: ir.StringValue) -> ir.BooleanValue:
    """The value starts or ends with a character ``strip()`` removes, or is empty."""
    return ibis.or_(value.ascii_str() <= 32, *(value.endswith(c) for c in WHITESPACE))


def _clean(value: ir.StringValue) -> ir.StringValue:
    """``_strip(value).nullif("")``, with the NULLIF only where stripping can leave nothing.

    The empty text's first character code is 0, so it takes the stripping branch too; any other
    value keeps a character there.
    """
    return _padded(value).ifelse(value.strip().nullif(""), value)


CLEAN = "_clean_"
"""Prefix of a text column's cleaned value (trimmed, blanks NULL) inside :func:`typed_rows`."""


def _cleaned(raw: ir.Table, spec: Table, columns: list[str]) -> ir.Table:
    """The staged rows with each text column's cleaned value beside it, computed once.

    Typing, the raw-text comparison and the checks all start from the trimmed value; left
    inline, the engine trimmed every value once per use (eight times for a timestamp).
    """
    schema = raw.schema()
    cleaned: dict[str, ir.Value] = {}
    for column in spec.columns:
        name = column.name
        if name in columns and (column.dtype == "string" or schema[name].is_string()):
            cleaned[CLEAN + name] = _clean(raw[name].cast("string"))
    return raw.mutate(**cleaned)


def _typed(rows: ir.Table, column: Column) -> ir.Value:
    """One column's typed value, from the cleaned text where there is one (see ``_cleaned``)."""
    if CLEAN + column.name not in rows.columns:  # a typed (Parquet, JSON) column
        return rows[column.name].cast(column.dtype)
    text = rows[CLEAN + column.name]
    if column.dtype == "string":
        return text.lower() if column.choices else text
    if column.dtype == "boolean":
        text = text.lower()
    if column.dtype == "timestamp":
        return _utc_timestamp(text)
    return try_cast(text, column.dtype)


UTC_OFFSET = r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*([+-])(\d{2}):?(\d{2})$"
"""A time, then a UTC offset (``09:30:00+01:00``, ``09:30 +0100``): groups time, sign, hh, mm."""


def _utc_timestamp(text: ir.StringValue) -> ir.TimestampValue:
    """Text as a UTC timestamp; a UTC offset is applied, never dropped.

    The engine's cast keeps the wall time of ``2024-01-01 09:30:00+01:00`` (09:30) and ignores the
    offset, which silently shifts the event by an hour; here the offset is taken off first and
    subtracted after (08:30 UTC). Without an offset (or with ``Z``) the cast is used as is.
    """
    # The offset's sign is the 5th or 6th character from the end: a cheap test first spares
    # the regular expression the usual values (``2024-01-01 09:30:00``).
    tail = text.right(6)
    signed_tail = tail.contains("+") | tail.contains("-")
    zoned = signed_tail.ifelse(text.re_search(UTC_OFFSET), ibis.literal(False))
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
    cleaned = _cleaned(raw, spec, columns)
    typed: dict[str, ir.Value] = {}
    for column in spec.columns:
        if column.name in columns:
            typed[column.name] = _typed(cleaned, column)
        else:
            typed[column.name] = ibis.null(column.dtype)
    text: dict[str, ir.Value] = {
        name: cleaned[name].cast("string") for name in columns if name in spec.column_names
    }
    row = {ROW: cleaned[ROW]} if ROW in cleaned.columns else {}
    # Typed in a query of its own, so the key derivation and the comparisons below read each
    # typed value instead of repeating its expression.
    step = cleaned.select(**row, **{f"_typed_{k}": v for k, v in typed.items()}, **text)
    typed = {name: step[f"_typed_{name}"] for name in typed}
    if spec.natural_key:
        parts = [typed[name].cast("string").fill_null("") for name in spec.natural_key]
        derived = ibis.literal("|").join(parts)
        typed[spec.key] = typed[spec.key].fill_null(derived) if spec.key in columns else derived
    kept = {name: value for name, value in typed.items() if name in columns or name == spec.key}
    raw_text: dict[str, ir.Value] = {}
    for column in spec.columns:
        if column.name not in columns:
            continue
        value = step[column.name]
        if column.dtype != "string":
            raw_text[f"_raw_{column.name}"] = value
        elif column.name == spec.key and spec.natural_key:  # a derived value fills its blanks
            raw_text[f"_text_{column.name}"] = value
        else:
            changed = value.isnull() != typed[column.name].isnull()
            changed |= value != typed[column.name]
            raw_text[f"_text_{column.name}"] = changed.ifelse(value, ibis.null("string"))
    numbered = {ROW: step[ROW]} if row else {}
    return step.select(**numbered, **kept, **raw_text)


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


def checked_rows(
    raw: ir.Table, spec: Table, columns: list[str], delimiter: str | None = None
) -> ir.Table:
    """The typed values, ``_row`` if staged, and ``_rule``: the first row check that fails.

    The lean first pass of every load. ``_rule`` is NULL on a row that passes every check that
    looks at the row alone (all but the duplicate key); the raw text the rejects quote is not
    kept, so a clean file is typed, checked and stored once, at the size of its typed values.
    """
    typed = typed_rows(raw, spec, columns)
    table = typed.mutate(**{FIRST: ibis.null("int64")})  # no duplicates known yet
    rules = _rules(table, spec, columns, delimiter)
    number = ibis.cases(
        *((cond, i) for i, (cond, _, _) in enumerate(rules)), else_=ibis.null("int64")
    )
    kept = [ROW] if ROW in typed.columns else []
    kept += [c.name for c in spec.columns if c.name in typed.columns]
    return table.select(*kept, **{RULE: number})


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
