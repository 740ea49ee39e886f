"""How well a source header names a canonical field: synonyms (English, German, vendor API names).

Headers are cut into words first: words naming the table's own object go (Pipedrive's
``Deal - Value`` in a deals file says "value"; ``Organization - ID`` there is an account), camelCase
splits (``CreatedDate``), units in brackets drop (``Amount spent (USD)``) and plurals
fold (``IDs``). A header saying exactly a synonym scores 1; one containing a synonym scores less
the more other words it has (``has_company`` is only half about a company); glued spellings
(``CLOSEDATE``) and near-misses score by string similarity.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

SYNONYMS: dict[str, tuple[str, ...]] = {
    "account_id": (
        "account id",
        "company id",
        "organization id",
        "org id",
        "kunden id",
        "firmen id",
        "account",
        "account name",
        "company",
        "company name",
        "organization",
        "organisation",
        "associated company",
        "associated company id",
        "firma",
        "unternehmen",
        "kunde",
        "customer",
        "customer id",
        "customer name",
        "client",
    ),
    "contact_id": (
        "contact id",
        "person id",
        "lead id",
        "kontakt id",
        "contact",
        "contact person",
        "contact name",
        "person",
        "kontakt",
        "associated contact id",
        "customer id",
        "respondent",
        "who id",
        "member id",
        "subscriber id",
    ),
    "user_id": (
        "user id",
        "user",
        "owner id",
        "sales agent",
        "agent",
        "rep",
        "sales rep",
        "login",
        "benutzer",
        "mitarbeiter",
        "assigned to user",
        "assigned to",
    ),
    "deal_id": (
        "deal id",
        "opportunity id",
        "opportunity",
        "deal",
        "record id",
        "datensatz id",
        "id",
        "nr",
        "opp id",
    ),
    "order_id": (
        "order id",
        "order",
        "order number",
        "invoice",
        "invoice no",
        "invoice number",
        "invoice id",
        "rechnung",
        "rechnungsnummer",
        "bestellnummer",
        "bestellung",
        "id",
        "transaction id",
        "charge id",
        "name",
    ),
    "response_id": (
        "response id",
        "respondent id",
        "antwort id",
        "id",
        "#",
        "token",
        "request id",
        "submission id",
    ),
    "campaign_id": (
        "campaign id",
        "campaign",
        "campaign name",
        "kampagne",
        "kampagnen id",
    ),
    "cost_id": ("cost id", "beleg", "belegnummer", "id", "nr", "invoice no"),
    "activity_id": ("activity id", "aktivitat id", "task id", "id"),
    "session_id": ("session id", "visit id", "ga session id"),
    "workflow_id": ("workflow id", "workflow", "sequence", "automation"),
    "name": (
        "name",
        "title",
        "deal name",
        "opportunity name",
        "titel",
        "bezeichnung",
        "full name",
        "subject",
    ),
    "email_hash": ("email", "e mail", "email address", "mail", "e mail adresse", "email work"),
    "amount": (
        "amount",
        "value",
        "betrag",
        "wert",
        "revenue",
        "umsatz",
        "total",
        "total amount",
        "close value",
        "deal value",
        "price",
        "unit price",
        "preis",
        "sales",
        "sum",
        "net",
    ),
    "cost": ("cost", "spend", "amount spent", "kosten", "ausgaben", "actual cost", "budget"),
    "seat_cost": ("seat cost", "licence cost", "license cost", "monthly cost", "cost"),
    "revenue": ("revenue", "total transaction revenue", "purchase revenue", "umsatz"),
    "currency": (
        "currency",
        "wahrung",
        "currency code",
        "curr",
        "currency of value",
        "currency iso code",
        "total amount currency",
    ),
    "stage": ("stage", "deal stage", "phase", "deal phase", "stufe", "stage name", "dealstage"),
    "status": (
        "status",
        "outcome",
        "result",
        "ergebnis",
        "won lost",
        "won",
        "is won",
        "deal status",
    ),
    "owner_id": (
        "owner",
        "owner id",
        "deal owner",
        "assigned to",
        "inhaber",
        "verantwortlich",
        "sales rep",
        "sales agent",
        "agent",
        "rep",
        "assignee",
        "opportunity owner",
        "contact owner",
        "company owner",
        "account owner",
        "user id",
        "lead owner",
        "hubspot owner id",
        "bearbeiter",
        "zustandig",
        "betreuer",
    ),
    "pipeline": ("pipeline",),
    "created_at": (
        "created",
        "create date",
        "created date",
        "created at",
        "created time",
        "creation date",
        "created on",
        "date created",
        "add time",
        "added",
        "date added",
        "erstellt",
        "erstellt am",
        "erstelldatum",
        "angelegt",
        "angelegt am",
        "first contact date",
        "engage date",
        "deal created",
        "person created",
        "organization created",
        "open date",
        "opened",
        "signup date",
        "optin time",
    ),
    "closed_at": (
        "close date",
        "closed",
        "closed at",
        "won date",
        "close time",
        "closed on",
        "closing date",
        "deal closed on",
        "abschlussdatum",
        "won time",
    ),
    "expected_close_at": ("expected close date", "expected close", "erwarteter abschluss"),
    "converted_at": ("converted", "converted date", "conversion date", "won date"),
    "occurred_at": (
        "date",
        "timestamp",
        "time",
        "invoice date",
        "order date",
        "datum",
        "zeitpunkt",
        "due date",
        "activity date",
        "created",
        "created at",
        "created date",
        "paid at",
        "occurred",
        "event time",
        "zeit",
    ),
    "answered_at": (
        "date",
        "response date",
        "submitted",
        "submit date",
        "end date",
        "datum",
        "response received at",
        "created at",
        "completed",
        "answered",
    ),
    "incurred_at": ("date", "datum", "incurred", "start", "start date", "invoice date"),
    "started_at": (
        "start",
        "start date",
        "started",
        "beginn",
        "reporting starts",
        "week",
        "date",
        "day",
        "start time",
    ),
    "ended_at": ("end", "end date", "ended", "ende", "reporting ends", "end time"),
    "enrolled_at": ("enrolled", "enrollment date", "enrolled at", "date"),
    "entered_at": ("entered", "date", "created date", "created at", "changed at", "stage date"),
    "added_at": ("added", "date added", "created date", "created at", "optin time"),
    "active_from": ("active from", "start", "licence start", "license start", "since"),
    "active_to": ("active to", "end", "licence end", "license end", "until"),
    "period_start": ("date", "day", "event date", "period start", "start date", "week", "month"),
    "period_end": ("end date", "period end"),
    "source": (
        "source",
        "lead source",
        "origin",
        "quelle",
        "herkunft",
        "original source",
        "source origin",
        "source channel",
        "channel",
    ),
    "channel": (
        "channel",
        "kanal",
        "medium",
        "source channel",
        "default channel group",
        "campaign type",
    ),
    "interaction": ("interaction", "event", "action", "event name"),
    "score": (
        "score",
        "rating",
        "nps",
        "nps score",
        "bewertung",
        "punkte",
        "star rating",
        "likelihood to recommend",
        "~recommend",
        "~empfehlen",
        "~likely",
    ),
    "scale_max": ("scale max", "scale"),
    "comment": (
        "comment",
        "comments",
        "text",
        "feedback",
        "kommentar",
        "verbatim",
        "reason",
        "primary reason",
        "~reason",
        "~why",
        "~warum",
        "~grund",
    ),
    "country": ("country", "land", "country region", "country code", "office location"),
    "region": ("region", "territory", "regional office", "territory region", "gebiet"),
    "segment": ("segment", "customer segment", "size", "tier"),
    "industry": ("industry", "branche", "business segment", "sector", "sektor"),
    "domain": ("domain", "website", "url", "web", "company domain name", "homepage"),
    "probability": ("probability", "wahrscheinlichkeit", "deal probability", "confidence"),
    "loss_reason": ("lost reason", "loss reason", "verlustgrund", "closed lost reason"),
    "category": ("category", "kategorie", "kostenart", "type", "art"),
    "recurrence": ("recurrence", "frequency", "turnus", "intervall", "billing", "wiederholung"),
    "description": ("description", "beschreibung", "posten", "details", "memo"),
    "product": (
        "product",
        "produkt",
        "product name",
        "stock code",
        "stockcode",
        "item",
        "sku",
        "lineitem name",
        "artikel",
    ),
    "type": ("type", "typ", "activity type", "task subtype", "art"),
    "direction": ("direction", "richtung", "inbound outbound"),
    "outcome": ("outcome", "result", "call result", "done"),
    "lifecycle_stage": ("lifecycle stage", "lebenszyklusphase", "lead status", "lifecycle"),
    "survey": ("survey", "survey type", "umfrage", "survey kind"),
    "ends_at": ("ends", "end", "until", "ende", "bis", "end date", "enddatum"),
    "team": ("team", "sales team", "manager", "group"),
    "role": ("role", "rolle", "job title", "profile"),
    "kind": ("kind", "order type", "transaction type"),
    "user_pseudo_id": ("user pseudo id", "client id", "userid", "visitor id", "user id"),
    "sessions": ("sessions", "visits", "session start"),
    "users": ("users", "active users", "total users"),
    "new_users": ("new users", "new visits"),
    "engaged_sessions": ("engaged sessions",),
    "key_events": ("key events", "conversions", "purchase", "purchases", "transactions"),
    "conversions": ("conversions", "transactions", "key events"),
    "position": ("position", "order", "sort order", "display order", "rank"),
    "is_won": ("is won", "won"),
    "is_closed": ("is closed", "closed"),
    "is_control": ("is control", "control", "holdout", "control group"),
    "holdout": ("holdout", "control", "control group"),
    "kpi": ("kpi", "metric"),
    "grain": ("grain", "period", "interval"),
    "value": ("value", "target", "goal", "ziel"),
    "dimension": ("dimension",),
    "dimension_value": ("dimension value", "assignee"),
}
"""Phrases meaning each field; the field's own name (``created_at`` → "created at") counts too."""

ENTITY_WORDS: dict[str, frozenset[str]] = {
    "deals": frozenset({"deal", "opportunity", "opp", "lead"}),
    "contacts": frozenset({"contact", "person", "lead"}),
    "accounts": frozenset({"account", "company", "organization", "organisation", "org"}),
    "activities": frozenset({"activity", "task"}),
    "campaigns": frozenset({"campaign"}),
    "orders": frozenset({"order"}),
    "users": frozenset({"user"}),
    "survey_responses": frozenset({"response", "survey"}),
    "costs": frozenset({"cost"}),
}
"""Words naming the table's own object: ``Deal - Owner`` in a deals file says only "owner"."""

GENERIC = frozenset({"id", "nr", "no", "number", "#", "date", "time", "name", "value", "type"})
"""Words that say what kind of value a column holds, not which field it is."""

REFERENCE: dict[str, str] = {
    "deals": "deal_id",
    "contacts": "contact_id",
    "accounts": "account_id",
    "activities": "activity_id",
    "campaigns": "campaign_id",
    "orders": "order_id",
    "users": "owner_id",
    "survey_responses": "response_id",
    "costs": "cost_id",
}
"""The field that points at each table's object: "Deal - Organization" is a deal's account."""

UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """A header as lower-case words: prefixes, brackets, camelCase and plurals undone."""
    if text.strip() == "#":
        return ("#",)
    text = re.sub(r"\([^)]*\)", " ", text)  # units: "(USD)", "(%)", "(UTC)"
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)  # CreatedDate, AccountId
    text = text.lower().translate(UMLAUTS)
    parts = re.split(r"[^a-z0-9#]+", text)
    return tuple(_singular(p) for p in parts if p)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _phrase_score(header: tuple[str, ...], phrase: tuple[str, ...]) -> float:
    if not header or not phrase:
        return 0.0
    if header == phrase:
        return 1.0
    if "".join(header) == "".join(phrase):
        return 0.95
    common = set(header) & set(phrase)
    if set(phrase) <= set(header):
        if set(phrase) <= GENERIC:
            return 0.45  # "mql_id" has an id, but whose? "won_date" is a date, but which?
        return 0.6 + 0.35 * len(phrase) / len(header)
    score = 0.8 * len(common) / len(set(header) | set(phrase))
    ratio = _similarity("".join(header), "".join(phrase))
    if ratio >= 0.85:
        score = max(score, 0.85 * ratio)
    return score


@lru_cache(maxsize=65536)
def _similarity(a: str, b: str) -> float:
    """Difflib's ratio where it can reach 0.85 (its cheap upper bounds rule most pairs out)."""
    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.real_quick_ratio() < 0.85 or matcher.quick_ratio() < 0.85:
        return 0.0
    return matcher.ratio()


KEY_PHRASES = ("id", "record id", "legacy id", "external id", "key")
"""Any table's own key may be called just that."""


@lru_cache(maxsize=16384)
def name_score(field: str, header: str, table: str, key: bool = False) -> float:
    """How well ``header`` names ``field`` of ``table`` (0–1); ``key``: the table's own key.

    A phrase starting ``~`` is a keyword: a header containing it anywhere scores 0.85 (survey
    questions are long: "How likely is it that you would recommend us …?").
    """
    said = words(header)
    own = ENTITY_WORDS.get(table, frozenset())
    short = tuple(w for w in said if w not in own) or said
    phrases = [field.replace("_", " "), *SYNONYMS.get(field, ())]
    foreign = (
        {
            w
            for t, ws in ENTITY_WORDS.items()
            if t != table and REFERENCE.get(t) != field
            for w in ws
        }
        - own
        - set(words(field.replace("_", " ")))
    )
    best = 0.0
    if key:  # "Company type" in a companies file is no key; "Campaign" in campaigns may be
        entity = [p for p in phrases if set(words(p)) <= own]
        best = 0.75 if any(words(p) == said for p in entity) else 0.0
        phrases = [p for p in phrases if p not in entity] + list(KEY_PHRASES)
    for phrase in phrases:
        if phrase.startswith("~"):
            if any(w.startswith(phrase[1:]) for w in said):
                best = max(best, 0.85)
            continue
        wanted = words(phrase)
        score = max(_phrase_score(short, wanted), 0.97 * _phrase_score(said, wanted))
        if set(said) & foreign:
            score *= 0.6  # "Opportunity Owner" in an accounts file owns the opportunity
        best = max(best, score)
    return best
