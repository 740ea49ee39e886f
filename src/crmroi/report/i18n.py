"""Report wording in English and German, and locale-aware number formatting (Babel)."""

from __future__ import annotations

import math
from typing import Literal

from babel.numbers import format_currency, format_decimal, format_percent

from crmroi.report.model import Unit

LOCALES = {"en": "en_GB", "de": "de_DE"}
VEGA_LOCALES: dict[str, Literal["en-GB", "de-DE"]] = {"en": "en-GB", "de": "de-DE"}

TEXT: dict[str, dict[str, str]] = {
    "report_title": {"en": "Does the CRM pay for itself?", "de": "Rechnet sich das CRM?"},
    "generated": {"en": "Generated", "de": "Erstellt"},
    "period": {"en": "Data period", "de": "Datenzeitraum"},
    "data": {"en": "Data", "de": "Daten"},
    "rows": {"en": "rows", "de": "Zeilen"},
    "contents": {"en": "Contents", "de": "Inhalt"},
    "range": {"en": "range", "de": "Spanne"},
    "previous": {"en": "before", "de": "vorher"},
    "no_data": {"en": "no data", "de": "keine Daten"},
    "window": {"en": "ROI window", "de": "ROI-Zeitraum"},
    "your_company": {"en": "Your company", "de": "Ihr Unternehmen"},
    "missing": {"en": "Missing", "de": "Fehlt"},
    "add_with": {"en": "add it with", "de": "hinzufügen mit"},
    "footer": {
        "en": "Made with crmroi. Every figure is computed from the workspace listed above.",
        "de": "Erstellt mit crmroi. Alle Zahlen stammen aus dem oben genannten Arbeitsbereich.",
    },
}


TERMS: dict[str, dict[str, str]] = {
    "ledger": {"en": "cost ledger", "de": "Kostenbuch"},
    "seats": {"en": "seat list (users)", "de": "Lizenzliste (Nutzer)"},
    "(baseline)": {"en": "(baseline)", "de": "(Basis)"},
}
"""Words of the analyses' own vocabulary that reach the report as data (sources, channels)."""


def term(word: object, lang: str) -> str:
    """``word`` of an analysis's vocabulary in ``lang``; anything else (data) as it is."""
    entry = TERMS.get(str(word))
    return str(word) if entry is None else entry.get(lang, entry["en"])


def t(key: str, lang: str) -> str:
    """The text ``key`` in ``lang`` (falls back to English)."""
    entry = TEXT[key]
    return entry.get(lang, entry["en"])


def format_value(value: object, unit: Unit, lang: str, currency: str) -> str:
    """Format a number for display in ``lang``; None and NaN become an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    unit = Unit(unit)
    if unit is Unit.trend:
        return ""  # drawn as a sparkline, not written
    if unit is Unit.text or not isinstance(value, (int, float)):
        return str(value)
    locale = LOCALES.get(lang, "en_GB")
    number = float(value)
    if unit is Unit.currency:
        digits = 0 if abs(number) >= 1000 else 2
        fmt = "¤#,##0" if digits == 0 else "¤#,##0.00"
        if lang == "de":
            fmt = fmt.replace("¤", "") + "\xa0¤"
        return format_currency(number, currency, format=fmt, locale=locale, currency_digits=False)
    percent = "#,##0.0\xa0%" if lang == "de" else "#,##0.0%"  # German sets a space before %
    if unit is Unit.ratio:
        return format_percent(number, format=percent, locale=locale)
    if unit is Unit.percent:
        return format_percent(number / 100, format=percent, locale=locale)
    if unit is Unit.days:
        return format_decimal(number, format="#,##0.0", locale=locale) + (
            " Tage" if lang == "de" else " days"
        )
    if unit is Unit.months:
        one = number == 1
        words = ("Monat" if one else "Monate") if lang == "de" else ("month" if one else "months")
        return format_decimal(number, format="#,##0.#", locale=locale) + " " + words
    if unit is Unit.integer:
        return format_decimal(round(number), format="#,##0", locale=locale)
    return format_decimal(number, format="#,##0.##", locale=locale)
