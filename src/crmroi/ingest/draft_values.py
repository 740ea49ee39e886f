"""Value maps for drafted choice fields: the file's own labels onto the canonical choices.

A deal status column says ``Won``/``Lost``/``Engaging``, a cost ledger ``Lizenzen``/``jährlich``;
the canonical tables accept only their choices (``won``, ``licence``, ``yearly``). The draft maps
every label seen in the sample that a rule recognises, and names an ``other`` value where the
field has a natural one (an unrecognised deal stage is an open deal), so the draft imports.
"""

from __future__ import annotations

import re

from crmroi.ingest.profile import LOST, OPEN, WON, ColumnProfile

CHOICE_RULES: dict[str, dict[str, re.Pattern[str]]] = {
    "status": {"won": WON, "lost": LOST, "open": OPEN},
    "survey": {
        "nps": re.compile(r"\bnps\b|net promoter|recommend", re.I),
        "csat": re.compile(r"csat|satisf|zufrieden", re.I),
        "ces": re.compile(r"\bces\b|effort|aufwand", re.I),
    },
    "category": {
        "licence": re.compile(r"licen[cs]|lizenz|subscription|abonnement|seat", re.I),
        "implementation": re.compile(r"implement|einf(ü|ue)hrung|setup|onboarding", re.I),
        "integration": re.compile(r"integration|schnittstelle|api", re.I),
        "customization": re.compile(r"customi[sz]|anpassung|development|entwicklung", re.I),
        "migration": re.compile(r"migration", re.I),
        "training": re.compile(r"training|schulung", re.I),
        "admin": re.compile(r"admin|verwaltung", re.I),
        "maintenance": re.compile(r"maint|wartung|support|hosting", re.I),
        "other": re.compile(r"other|sonstig|misc", re.I),
    },
    "recurrence": {
        "one-off": re.compile(r"one[- ]?(off|time)|once|einmalig|single", re.I),
        "monthly": re.compile(r"month|monat", re.I),
        "quarterly": re.compile(r"quart|viertelj", re.I),
        "yearly": re.compile(r"year|annual|j(ä|ae)hrlich|jahr", re.I),
    },
    "kind": {
        "return": re.compile(r"return|refund|retour|gutschrift", re.I),
        "cancellation": re.compile(r"cancel|storno", re.I),
        "subscription": re.compile(r"subscri|abo", re.I),
        "order": re.compile(r"order|sale|invoice|paid|bestell|rechnung", re.I),
    },
}
OTHER: dict[str, str] = {"status": "open", "category": "other"}
"""What a label no rule knows becomes, where the field has a natural catch-all."""


def value_map(field: str, label: str) -> str | None:
    """The canonical choice ``label`` means for ``field``, if a rule recognises it."""
    for choice, pattern in CHOICE_RULES.get(field, {}).items():
        if pattern.search(label):
            return choice
    return None


def choice_values(field: str, p: ColumnProfile) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """The value map for the sample's labels (exact identities left out), and ``other``."""
    pairs = []
    for label in p.top:
        choice = value_map(field, label)
        if choice is not None and choice != label.strip():
            pairs.append((label, choice))
    return tuple(pairs), OTHER.get(field)
