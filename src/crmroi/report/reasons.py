"""The ROI analysis's reasons in German, for the German report.

The analysis (``roi``, ``impact``) says why a figure is not computed in one English line built
from fixed phrases with numbers and data names in them, joined with "; ", " — " and ": ". The
report renders it piece by piece: a piece that is a known phrase becomes German with its numbers
and names kept; an unknown piece (a workflow key, an error message) is left as it is.
"""

from __future__ import annotations

import re

PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(english), german)
    for english, german in (
        # roi/headline.py: what would give a stronger basis
        ("the incremental basis is computed", "die inkrementelle Basis ist berechnet"),
        ("the attributed basis is computed", "die zugeordnete Basis ist berechnet"),
        (r"choose it with (--basis \S+)", r"wählbar mit \1"),
        ("an incremental basis needs one of", "eine inkrementelle Basis braucht eine hiervon"),
        ("an attributed basis needs", "eine zugeordnete Basis braucht"),
        ("difference-in-differences", "Differenz-von-Differenzen"),
        ("before/after time series", "Vorher-nachher-Zeitreihe"),
        ("holdout groups", "Holdout-Gruppen"),
        # impact/did.py
        ("no won deals owned by CRM users", "keine gewonnenen Deals von CRM-Nutzern"),
        ("staggered_teams", "gestaffelte Teams"),
        ("low_adoption_reps", "Vertriebler mit wenig CRM-Nutzung"),
        (
            r"needs ≥(\d+) reps, ≥(\d+) months, exposed and unexposed cells",
            r"braucht ≥\1 Vertriebler, ≥\2 Monate, Zellen mit und ohne CRM",
        ),
        # impact/its.py, impact/incremental.py
        (
            r"needs ≥(\d+) months of won deals before adoption and ≥(\d+) after",
            r"braucht ≥\1 Monate mit gewonnenen Deals vor der Einführung und ≥\2 danach",
        ),
        (r"found (\d+) and (\d+)", r"gefunden: \1 und \2"),
        (
            "no workflow holdout or campaign control group",
            "keine Workflow-Holdout- oder Kampagnen-Kontrollgruppe",
        ),
        # impact/holdout.py
        (
            r"needs at least (\d+) treated and (\d+) control contacts",
            r"braucht mindestens \1 Kontakte mit und \2 ohne Maßnahme",
        ),
        (
            r"([\d,]+) of ([\d,]+) contacts were left out because their (\d+)-day conversion "
            r"window ends after the data((?: \(\S+\))?)",
            r"\1 von \2 Kontakten fehlen, weil ihr \3-tägiges Konversionsfenster nach dem "
            r"Datenende\4 endet",
        ),
        (
            r"([\d,]+) of ([\d,]+) contacts were left out because their conversion window ends "
            r"after the data((?: \(\S+\))?)",
            r"\1 von \2 Kontakten fehlen, weil ihr Konversionsfenster nach dem Datenende\3 endet",
        ),
        (
            r"(`\[roi\] conversion_window_days`) in crmroi\.toml shortens it",
            r"\1 in crmroi.toml verkürzt es",
        ),
        # roi/benefits.py
        ("no won deals", "keine gewonnenen Deals"),
        ("import deals with status won", "Deals mit Status „won“ importieren"),
        (
            r"no won deal closed since the adoption date (\S+) \((\d+) closed before it\)",
            r"kein gewonnener Deal seit dem Einführungsdatum \1 abgeschlossen (\2 davor)",
        ),
        ("check the adoption date", "Einführungsdatum prüfen"),
        ("no touchpoints", "keine Touchpoints"),
        (
            r"import touchpoints \(the campaign and channel touches of contacts\) to attribute "
            "revenue",
            "Touchpoints (Kampagnen- und Kanalkontakte der Kontakte) importieren, um Umsatz "
            "zuzuordnen",
        ),
        (
            r"crmroi\.attribution\.attribute is not available in this installation",
            "crmroi.attribution.attribute ist in dieser Installation nicht verfügbar",
        ),
        ("attribution failed", "Attribution fehlgeschlagen"),
        (
            r"no won deal had a campaign touch before it within the attribution lookback "
            r"\(attribution_lookback_days\)",
            "kein gewonnener Deal hatte zuvor einen Kampagnenkontakt im Attributionszeitraum "
            "(attribution_lookback_days)",
        ),
        ("nothing to attribute", "nichts zuzuordnen"),
        # roi/finance.py: ROI and payback
        ("benefit or cost is not a finite number", "Nutzen oder Kosten sind keine endliche Zahl"),
        ("no cost recorded", "keine Kosten erfasst"),
        (
            r"ROI is undefined \(add cost lines or seats\)",
            "ROI ist nicht definiert (Kostenzeilen oder Lizenzen ergänzen)",
        ),
        ("there is nothing to pay back", "es gibt nichts zu amortisieren"),
        (
            r"never pays back within the (\d+)-month window",
            r"amortisiert sich nicht innerhalb des Zeitraums von \1 Monaten",
        ),
    )
)
"""(English phrase as a regex matched whole, German template with the phrase's groups)."""


def german_reason(reason: str) -> str:
    """``reason`` in German, piece by piece (see module docstring)."""
    return "; ".join(
        " — ".join(_phrase(part) for part in clause.split(" — ")) for clause in reason.split("; ")
    )


def _phrase(text: str) -> str:
    for english, german in PHRASES:
        match = english.fullmatch(text)
        if match:
            return match.expand(german)
    head, colon, tail = text.partition(": ")
    if colon:
        return f"{_phrase(head)}: {_phrase(tail)}"
    return text
