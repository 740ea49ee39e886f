"""Draft a mapping from a file's headers, for the user to check and edit (``--suggest-map``).

Each canonical field has synonyms in English and German; every header is compared with them by
``difflib``'s ratio after normalising case and separators. The table whose required fields are
best covered wins, unless one is given. The draft is TOML in the ``--map`` format, with the
match score beside each guess and the unmatched fields left as comments, so nothing is silently
assumed.
"""

from __future__ import annotations

import difflib
import json
import re

from crmroi.schema import TABLES_BY_NAME, USER_TABLES

CUTOFF = 0.75
SYNONYMS: dict[str, list[str]] = {
    "account_id": [
        "account id",
        "company id",
        "organization id",
        "kunden-id",
        "firmen-id",
        "account",
        "company",
        "organization",
        "firma",
        "unternehmen",
        "kunde",
    ],
    "contact_id": [
        "contact id",
        "person id",
        "lead id",
        "kontakt-id",
        "contact",
        "person",
        "kontakt",
        "customer id",
        "customerid",
    ],
    "deal_id": ["deal id", "opportunity id", "record id", "datensatz-id", "deal", "opportunity"],
    "order_id": [
        "order id",
        "invoice",
        "invoice no",
        "invoiceno",
        "rechnung",
        "rechnungsnummer",
        "bestellnummer",
        "order",
    ],
    "response_id": ["response id", "respondent id", "antwort-id"],
    "campaign_id": ["campaign id", "kampagnen-id", "campaign", "kampagne"],
    "cost_id": ["cost id", "beleg", "belegnummer"],
    "activity_id": ["activity id", "aktivitäts-id"],
    "name": ["name", "title", "deal name", "company name", "titel", "bezeichnung"],
    "email_hash": ["email", "e-mail", "email address", "mail", "e-mail-adresse"],
    "amount": ["amount", "value", "betrag", "wert", "revenue", "umsatz", "price", "preis"],
    "cost": ["cost", "spend", "amount spent", "kosten", "ausgaben"],
    "currency": ["currency", "währung", "currency code", "curr"],
    "stage": ["stage", "deal stage", "phase", "deal-phase", "stufe"],
    "status": ["status", "outcome", "result", "ergebnis", "won/lost"],
    "owner_id": ["owner", "deal owner", "assigned to", "inhaber", "verantwortlich", "sales rep"],
    "pipeline": ["pipeline"],
    "created_at": [
        "created",
        "create date",
        "created date",
        "created at",
        "erstellt",
        "erstelldatum",
        "first contact date",
        "date",
        "datum",
    ],
    "closed_at": ["close date", "closed", "closed at", "won date", "abschlussdatum"],
    "occurred_at": ["date", "timestamp", "time", "invoice date", "datum", "zeitpunkt"],
    "answered_at": ["date", "response date", "submitted", "end date", "datum"],
    "incurred_at": ["date", "datum", "incurred"],
    "started_at": ["start", "start date", "started", "beginn"],
    "ended_at": ["end", "end date", "ended", "ende"],
    "source": ["source", "lead source", "origin", "quelle", "herkunft", "channel"],
    "channel": ["channel", "kanal", "medium"],
    "score": ["score", "rating", "nps", "bewertung", "punkte"],
    "comment": ["comment", "text", "feedback", "kommentar", "verbatim"],
    "country": ["country", "land", "country/region"],
    "industry": ["industry", "branche", "business segment", "segment"],
    "domain": ["domain", "website", "url", "web"],
    "probability": ["probability", "wahrscheinlichkeit", "confidence"],
    "loss_reason": ["lost reason", "loss reason", "verlustgrund"],
    "category": ["category", "kategorie", "kostenart"],
    "recurrence": ["recurrence", "frequency", "turnus", "intervall"],
    "description": ["description", "beschreibung"],
    "product": ["product", "produkt", "description", "stock code", "stockcode"],
    "type": ["type", "typ", "activity type"],
    "lifecycle_stage": ["lifecycle stage", "lebenszyklusphase", "lead status"],
    "survey": ["survey", "survey type", "umfrage"],
    "ends_at": ["ends", "end", "until", "ende", "bis", "end date"],
}


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-./]+", " ", text.lower()).strip()


def _best(field: str, header: list[str]) -> tuple[str, float] | None:
    words = [field.replace("_", " "), *SYNONYMS.get(field, [])]
    best: tuple[str, float] | None = None
    for name in header:
        for word in words:
            ratio = difflib.SequenceMatcher(None, _norm(name), _norm(word)).ratio()
            if ratio >= CUTOFF and (best is None or ratio > best[1]):
                best = (name, ratio)
    return best


def _matches(table: str, header: list[str]) -> dict[str, tuple[str, float]]:
    found: dict[str, tuple[str, float]] = {}
    taken: set[str] = set()
    for column in TABLES_BY_NAME[table].columns:
        hit = _best(column.name, [h for h in header if h not in taken])
        if hit is not None:
            found[column.name] = hit
            taken.add(hit[0])
    return found


def best_table(header: list[str]) -> str:
    """The table whose fields (required ones counting double) the header covers best."""

    def coverage(name: str) -> float:
        spec = TABLES_BY_NAME[name]
        found = _matches(name, header)
        weight = sum(2 if c.name in spec.required else 1 for c in spec.columns)
        got = sum(2 if c in spec.required else 1 for c in found)
        return got / weight

    return max(USER_TABLES, key=coverage)


def suggest_mapping(header: list[str], *, table: str | None = None, name: str = "my-export") -> str:
    """A draft mapping (TOML text) for ``header``; see the module docstring."""
    target = table or best_table(header)
    spec = TABLES_BY_NAME[target]
    found = _matches(target, header)
    lines = [
        "# Draft mapping written by `crmroi import --suggest-map`: check every guess, then",
        "# import with `crmroi import FILE --map THIS_FILE`. Format: docs/import-mappings.md",
        f"name = {json.dumps(name, ensure_ascii=False)}",
        f"table = {json.dumps(target, ensure_ascii=False)}",
        '# locale = "de"            # decides 1.234 / 01.02.2024 when the values cannot',
        '# timezone = "Europe/Berlin"',
        "",
    ]
    for column in spec.columns:
        required = " (required)" if column.name in spec.required else ""
        if column.name in found:
            source, ratio = found[column.name]
            lines.append(f"[fields.{column.name}]  # {column.doc}{required}")
            lines.append(f"column = {json.dumps(source, ensure_ascii=False)}  # match {ratio:.2f}")
            if column.name == "email_hash":
                lines.append('transform = "email_hash"')
            if column.choices:
                lines.append(
                    f'# values = {{ "…" = "{column.choices[0]}" }}  '
                    f"# allowed: {', '.join(column.choices)}"
                )
        elif required and not (spec.natural_key and column.name == spec.key):
            lines.append(f"[fields.{column.name}]  # {column.doc}{required}: no column matched")
            lines.append('default = "?"  # or column = "…"')
        else:
            continue
        lines.append("")
    unused = [h for h in header if h not in {s for s, _ in found.values()}]
    if unused:
        lines.append("# Columns not mapped: " + ", ".join(unused))
    return "\n".join(lines) + "\n"
