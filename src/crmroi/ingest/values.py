"""Parse the values of messy exports: German and English numbers and booleans (dates: ``dates``).

A column's format is decided once, from every value in it, and never guessed per value:

* **Numbers.** ``1.234,56`` can only be German and ``1,234.56`` only English; ``12,5`` is German,
  ``12.5`` English. ``1.234`` and ``1,234`` fit both, so they count only as *ambiguous*: if the
  column holds nothing but those, the locale of the mapping decides, and without one the column is
  an :class:`AmbiguousValueError`. A column with certain evidence for both marks is an error too.
  Currency symbols and codes (``€ 1.234,56``, ``$1,234``, ``1.234,56 EUR``), spaces and
  apostrophes as thousands marks, ``(1.234)`` and ``1.234-`` negatives are understood; ``12 %``
  is the fraction 0.12.
* **Dates** are parsed in :mod:`crmroi.ingest.dates` by the same rule.
* **Booleans.** ``true/false``, ``yes/no``, ``ja/nein``, ``y/n``, ``j/n``, ``1/0``, ``wahr/falsch``.

Everything is vectorised with Arrow compute (regular expressions over whole columns); a value
that does not parse comes back in a ``bad`` mask, so the caller can quarantine its row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from crmroi.errors import AmbiguousValueError

INT = r"^[+-]?\d+$"
COMMA_OK = r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$"
DOT_OK = r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?$"
_CURRENCY = r"(?:US\$|R\$|[A-Za-z]{3}|[€$£¥₹])"
SYMBOLS = {"€": "EUR", "$": "USD", "US$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "R$": "BRL"}

TRUE = ["true", "t", "yes", "y", "ja", "j", "1", "wahr", "x", "1.0"]
FALSE = ["false", "f", "no", "n", "nein", "0", "falsch", "0.0"]


@dataclass
class Evidence:
    """What the values of one column said about its format, summed over every batch."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, mask: pa.Array, values: pa.Array) -> None:
        """Count the values where ``mask`` holds and keep the first as an example."""
        n = pc.sum(pc.cast(pc.fill_null(mask, False), pa.int64())).as_py() or 0
        if n:
            self.counts[key] += n
            if key not in self.examples:
                self.examples[key] = str(values.filter(pc.fill_null(mask, False))[0].as_py())


def nonempty(values: pa.Array) -> pa.Array:
    """Which values hold more than whitespace (null: no)."""
    return pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(values), ""), False)


def as_text(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Any Arrow column as one string array (numbers, dates and booleans as their text)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_string(values.type):
        return values
    if pa.types.is_large_string(values.type) or pa.types.is_dictionary(values.type):
        return values.cast(pa.string())
    if pa.types.is_null(values.type):
        return pa.nulls(len(values), pa.string())
    return values.cast(pa.string())


# -- numbers -------------------------------------------------------------------------------------
def _clean_number(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Strip currency, spaces and thousands apostrophes; return (clean text, had a % sign)."""
    text = pc.utf8_trim_whitespace(values)
    percent = pc.fill_null(pc.match_substring_regex(text, r"%\s*$"), False)
    text = pc.replace_substring_regex(text, r"[\s\x{00a0}\x{202f}'’%]", "")
    text = pc.replace_substring_regex(text, rf"^([+-]?){_CURRENCY}", r"\1")
    text = pc.replace_substring_regex(text, rf"{_CURRENCY}$", "")
    text = pc.replace_substring_regex(text, r"^\((.+)\)$", r"-\1")
    text = pc.replace_substring_regex(text, r"^(.*\d)-$", r"-\1")
    return text, percent


def number_evidence(values: pa.Array, evidence: Evidence) -> None:
    """Add what this batch says about the column's decimal mark to ``evidence``."""
    text, _ = _clean_number(as_text(values))
    comma = pc.fill_null(pc.match_substring_regex(text, COMMA_OK), False)
    dot = pc.fill_null(pc.match_substring_regex(text, DOT_OK), False)
    integer = pc.fill_null(pc.match_substring_regex(text, INT), False)
    evidence.add("comma", pc.and_(comma, pc.invert(dot)), values)
    evidence.add("dot", pc.and_(dot, pc.invert(comma)), values)
    evidence.add("either", pc.and_(pc.and_(comma, dot), pc.invert(integer)), values)


def decide_decimal(
    evidence: Evidence, *, locale: str | None, file: str, column: str, fixed: str | None = None
) -> str:
    """``"comma"`` or ``"dot"``: the column's decimal mark; see the module docstring."""
    if fixed in {"comma", "dot"}:
        return fixed
    c, d, e = (evidence.counts[k] for k in ("comma", "dot", "either"))
    if c and d:
        raise AmbiguousValueError(
            f"numbers in two formats: {c:,} with a decimal comma (e.g. "
            f"{evidence.examples['comma']!r}) and {d:,} with a decimal point (e.g. "
            f"{evidence.examples['dot']!r}); set `format` for this field in a mapping",
            file=file,
            column=column,
        )
    if c or d:
        return "comma" if c else "dot"
    if e and locale is None:
        raise AmbiguousValueError(
            f"cannot tell the decimal mark: every number looks like {evidence.examples['either']!r}"
            ' (thousands or decimals?); give the locale (`locale = "de"` or "en") or '
            '`format = "comma"`/`"dot"` in a mapping',
            file=file,
            column=column,
        )
    return "comma" if (locale or "en").lower().startswith("de") else "dot"


def parse_number(values: pa.Array, decimal: str) -> tuple[pa.Array, pa.Array]:
    """Float64 values and a mask of non-empty values that are not numbers."""
    raw = as_text(values)
    if pa.types.is_floating(values.type) or pa.types.is_integer(values.type):
        return values.cast(pa.float64()), pa.array([False] * len(values), pa.bool_())
    text, percent = _clean_number(raw)
    if decimal == "comma":
        valid = pc.fill_null(pc.match_substring_regex(text, COMMA_OK), False)
        norm = pc.replace_substring(pc.replace_substring(text, ".", ""), ",", ".")
    else:
        valid = pc.fill_null(pc.match_substring_regex(text, DOT_OK), False)
        norm = pc.replace_substring(text, ",", "")
    number = pc.cast(pc.if_else(valid, norm, pa.scalar(None, pa.string())), pa.float64())
    number = pc.if_else(percent, pc.divide(number, 100.0), number)
    bad = pc.and_(nonempty(raw), pc.invert(valid))
    return number, bad


def parse_integer(values: pa.Array, decimal: str) -> tuple[pa.Array, pa.Array]:
    """Int64 values; a number with a fraction is bad."""
    number, bad = parse_number(values, decimal)
    whole = pc.fill_null(pc.equal(pc.floor(number), number), True)
    bad = pc.or_(bad, pc.invert(whole))
    number = pc.if_else(whole, number, pa.scalar(None, pa.float64()))
    return pc.cast(number, pa.int64()), bad


def currency_of(values: pa.Array) -> pa.Array:
    """The ISO code in a formatted amount (``€ 1.234,56`` → EUR, ``1,234 USD``), else null."""
    text = pc.utf8_trim_whitespace(as_text(values))
    code = pc.extract_regex(text, r"^[+-]?(?P<c>[A-Za-z]{3}|US\$|R\$|[€$£¥₹])")
    tail = pc.extract_regex(text, r"(?P<c>[A-Za-z]{3}|[€$£¥₹])$")
    found = pc.coalesce(
        pc.if_else(pc.is_valid(code), pc.struct_field(code, [0]), None),
        pc.if_else(pc.is_valid(tail), pc.struct_field(tail, [0]), None),
    )
    keys = pa.array(list(SYMBOLS))
    mapped = pc.take(pa.array(list(SYMBOLS.values())), pc.index_in(found, keys))
    return pc.utf8_upper(pc.coalesce(mapped, found))


# -- booleans ------------------------------------------------------------------------------------
def parse_boolean(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Boolean values and a mask of non-empty values that are not booleans."""
    if pa.types.is_boolean(values.type):
        return values, pa.array([False] * len(values), pa.bool_())
    raw = as_text(values)
    text = pc.utf8_lower(pc.utf8_trim_whitespace(raw))
    is_true = pc.is_in(text, pa.array(TRUE))
    is_false = pc.is_in(text, pa.array(FALSE))
    known = pc.or_(is_true, is_false)
    value = pc.if_else(known, is_true, pa.scalar(None, pa.bool_()))
    return value, pc.and_(nonempty(raw), pc.invert(known))
