"""Draft a mapping for an export (``crmroi import FILE --suggest-map``) from its headers and values.

Every (field, column) pair gets a confidence from two sources: how well the header names the
field (:mod:`crmroi.ingest.header_match`) and whether the values fit it
(:mod:`crmroi.ingest.profile`: dates for a date, numbers for an amount, Won/Lost-like labels for a
deal's status, 0–10 whole numbers for a score, unique values for a key). Some values speak for
themselves even under an unhelpful header (a Won/Lost column is a status, e-mail addresses are an
e-mail), so strong value evidence alone can carry a field. Columns are then assigned to fields one
to one, maximising the total confidence (required fields weigh more); a few fields may share a
column (status and stage of one ``Deal Stage`` column). Every table is drafted this way and the
one whose required fields are filled best and which explains most of the file's columns wins,
unless ``--table`` names one. What one-to-one matching cannot say (shared columns, fallbacks,
value maps) is filled in by :mod:`crmroi.ingest.draft_fallbacks`; low confidences are flagged by
:mod:`crmroi.ingest.draft_toml`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from crmroi.ingest.draft_fallbacks import complete
from crmroi.ingest.draft_model import (
    KEY_LINES,
    ROW,
    Draft,
    Guess,
    Pick,
    fields_of,
    header_score,
)
from crmroi.ingest.draft_toml import draft_toml
from crmroi.ingest.draft_values import CHOICE_RULES, value_map
from crmroi.ingest.header_match import words
from crmroi.ingest.profile import (
    SMALL_SAMPLE,
    ColumnProfile,
    profile_rows,
    sample_file,
)
from crmroi.schema import TABLES_BY_NAME, USER_TABLES, Table

MIN_CONFIDENCE = 0.3
"""Below this a column is not proposed for a field at all."""
REQUIRED_WEIGHT = 1.25
FLAG_WORDS = {("has",), ("is",), ("hat",), ("ist",)}
MONEY = {"amount", "cost", "seat_cost", "revenue"}
TABLE_HINTS: dict[str, str] = {
    "deals": r"deal|opportunit|pipeline",
    "contacts": r"contact|lead|people|person|customer|subscriber|member",
    "accounts": r"account|compan|organi[sz]ation|\borgs?\b",
    "users": r"user|team|agent|seat|\breps?\b",
    "orders": r"order|invoice|retail|transaction|charge|purchase",
    "survey_responses": r"nps|survey|csat|feedback|response|verbatim",
    "costs": r"cost|ledger|expense|kosten",
    "campaigns": r"campaign|\bads?\b|kampagne",
    "campaign_members": r"campaign ?member|recipient",
    "activities": r"activit|task|call",
    "deal_stage_history": r"history|stage ?change",
    "stages": r"stage",
    "web_traffic": r"traffic|kpi|analytics",
}


# -- how well values fit a field --------------------------------------------------------------
def _describe(p: ColumnProfile) -> str:
    if p.rows and not p.filled:
        return "empty in the sample"
    if not p.rows:
        return "no sample rows"
    kinds = [
        (p.is_date, "dates"),
        (p.is_zero_to_ten, "whole numbers 0–10"),
        (p.is_flag, "yes/no values"),
        (p.is_number, "numbers"),
        (p.email_share >= 0.9, "e-mail addresses"),
        (p.won_lost, "Won/Lost-like labels"),
        (p.control_group, "labels naming a control group"),
        (p.is_free_text, "free text"),
        (p.unique, "unique values"),
        (p.is_enum, f"{p.distinct} repeating labels"),
    ]
    return next((text for hit, text in kinds if hit), "text")


def _id_fit(p: ColumnProfile, *, key: bool) -> float:
    if p.is_flag or p.is_date or (p.is_number and p.integer_share < 0.9):
        return 0.05
    if p.is_free_text or p.mean_length > 60:
        return 0.15
    if key:
        return 1.0 if p.unique and p.fill >= 0.95 else 0.6 if p.fill >= 0.9 else 0.25
    return 0.9 if p.fill >= 0.2 else 0.3


def _probability_fit(p: ColumnProfile) -> float:
    inside = p.low is not None and p.high is not None and p.low >= 0 and p.high <= 100
    return p.number_share if inside else 0.3 * p.number_share


def _comment_fit(p: ColumnProfile) -> float:
    return 1.0 if p.is_free_text else 0.3 if not (p.is_number or p.is_date) else 0.05


def _money_fit(p: ColumnProfile) -> float:
    return 0.3 * p.number_share if p.is_flag else p.number_share


FIELD_FITS: dict[str, Callable[[ColumnProfile], float]] = {
    "score": lambda p: 1.0 if p.is_zero_to_ten else 0.4 * p.number_share,
    "probability": _probability_fit,
    "email_hash": lambda p: p.email_share,
    "domain": lambda p: max(p.url_share, 0.5 * p.email_share),
    "currency": lambda p: p.currency_share,
    "comment": _comment_fit,
    **{name: _money_fit for name in MONEY},
}
"""Fields whose values have a shape of their own (the rest go by their type)."""


def _status_fit(p: ColumnProfile) -> float:
    return 1.0 if p.won_lost else 0.3 if p.is_enum and not p.is_flag else 0.05


def _typed_fit(spec: Table, name: str, p: ColumnProfile) -> float:
    column = spec.column(name)
    if column.dtype == "timestamp":
        return 0.5 * p.date_share if p.epoch_only else p.date_share
    if name in CHOICE_RULES and column.choices:
        known = sum(1 for v in p.top if value_map(name, v) is not None)
        return known / len(p.top) if p.is_enum else 0.0
    if column.dtype in {"float64", "int64"}:
        return p.number_share
    if column.dtype == "boolean":
        return 1.0 if p.control_group else p.boolean_share if p.distinct <= 2 else 0.1
    if name.endswith("_id"):
        return _id_fit(p, key=name == spec.key)
    if p.is_date:
        return 0.0
    if p.is_flag:
        return 0.1
    return 0.5 if p.is_number else 0.9


def _fit(spec: Table, name: str, p: ColumnProfile) -> float:
    """How well the sampled values suit field ``name`` of ``spec`` (0–1)."""
    if not p.rows:  # a header without sample rows: the name decides; "has_…" is a flag
        flag = words(p.name)[:1] in FLAG_WORDS and spec.column(name).dtype != "boolean"
        return 0.0 if flag else 0.7
    if not p.filled:
        return 0.0
    if name == "status" and spec.name == "deals":
        return _status_fit(p)
    if name in FIELD_FITS:
        return FIELD_FITS[name](p)
    return _typed_fit(spec, name, p)


def _value_evidence(spec: Table, name: str, p: ColumnProfile) -> float:
    """Confidence the values alone give, whatever the header says (0 if they say nothing)."""
    if not p.filled:
        return 0.0
    column = spec.column(name)
    checks = [
        (name == "status" and spec.name == "deals" and p.won_lost, 0.75),
        (name == "score" and p.is_zero_to_ten, 0.65),
        (name == "comment" and spec.name == "survey_responses" and p.is_free_text, 0.55),
        (name == "email_hash" and p.email_share >= 0.9, 0.8),
        (
            name == "currency"
            and p.currency_share >= 0.9
            and p.distinct <= 10
            and all(v.isupper() for v in p.top),
            0.7,
        ),
        (name == "campaign_id" and spec.name == "campaign_members" and p.control_group, 0.75),
        (column.dtype == "timestamp" and column.required and p.is_date, 0.35),
        (
            name == spec.key
            and not spec.natural_key
            and p.unique
            and p.fill >= 0.95
            and p.filled >= SMALL_SAMPLE
            and not (p.is_free_text or p.is_date or p.mean_length > 40),
            0.3,
        ),
    ]
    return max((score for hit, score in checks if hit), default=0.0)


def _confidence(spec: Table, name: str, p: ColumnProfile) -> float:
    said = header_score(spec, name, p.name)
    fit = _fit(spec, name, p)
    by_name = said * (0.35 + 0.65 * fit) if fit > 0.05 else 0.1 * said
    return round(max(by_name, _value_evidence(spec, name, p)), 2)


# -- assignment ---------------------------------------------------------------------------------
def _assign(spec: Table, profiles: Sequence[ColumnProfile]) -> Pick:
    """Columns to fields one to one, maximising the total (required-weighted) confidence."""
    from scipy.optimize import linear_sum_assignment  # heavy: only when drafting

    pick = Pick(spec, {p.name: p for p in profiles})
    names = fields_of(spec)
    if not names or not profiles:
        return pick
    scores = np.array([[_confidence(spec, n, p) for p in profiles] for n in names])
    weights = np.array([REQUIRED_WEIGHT if spec.column(n).required else 1.0 for n in names])
    rows, cols = linear_sum_assignment(
        -(np.where(scores >= MIN_CONFIDENCE, scores, 0) * weights[:, None])
    )
    for r, c in zip(rows, cols, strict=True):
        if scores[r, c] >= MIN_CONFIDENCE:
            p = profiles[c]
            pick.guesses[names[r]] = Guess(
                names[r], float(scores[r, c]), _reason(spec, names[r], p), column=p.name
            )
    return pick


def _reason(spec: Table, name: str, p: ColumnProfile) -> str:
    said = header_score(spec, name, p.name)
    header = "header matches" if said >= 0.9 else "header resembles" if said >= 0.5 else "values"
    return f"{header}; {_describe(p)}"


def draft_mapping(
    profiles: Sequence[ColumnProfile], *, table: str | None = None, stem: str = ""
) -> Draft:
    """Draft the best mapping for these sampled columns (into ``table`` if given)."""
    candidates = [table] if table else [t for t in USER_TABLES if t != "targets"]
    # a draft that lacks a required field cannot import: any draft that can goes first
    drafts = sorted(
        (_draft_for(TABLES_BY_NAME[t], profiles, stem) for t in candidates),
        key=lambda d: (not _blocked(d), d.confidence),
        reverse=True,
    )
    best = drafts[0]
    if len(drafts) > 1:
        runner = drafts[1]
        best = replace(best, runner_up=(runner.table, runner.confidence))
    return _with_locale(best, profiles)


def _blocked(draft: Draft) -> bool:
    """Whether a required field has no column (a natural key is derived, so never blocks)."""
    spec = TABLES_BY_NAME[draft.table]
    return any(not (spec.natural_key and name == spec.key) for name in draft.missing)


def _with_locale(draft: Draft, profiles: Sequence[ColumnProfile]) -> Draft:
    """``de`` when the sample shows decimal commas or dotted dates; else name what is unclear."""
    used = {c for g in draft.guesses for c in (g.column, *g.columns) if c is not None}
    mine = [p for p in profiles if p.name in used]
    german = [p.name for p in mine if p.decimal_mark == "comma" or p.date_order == "dotted"]
    if german:
        return replace(
            draft, locale="de", locale_note=f"decimal commas or dd.mm.yyyy dates in {german[0]}"
        )
    unclear = [p.name for p in mine if "unclear" in (p.decimal_mark, p.date_order)]
    if unclear:
        note = f"CHECK: {', '.join(unclear)} cannot tell 1.234 / 01/02 apart: set the locale"
        return replace(draft, locale_note=note)
    return draft


def _draft_for(spec: Table, profiles: Sequence[ColumnProfile], stem: str) -> Draft:
    pick = _assign(spec, profiles)
    complete(pick, stem)
    fields = fields_of(spec)
    required = [n for n in fields if spec.column(n).required]
    req = sum(pick.guesses[n].confidence if n in pick.guesses else 0.0 for n in required)
    req_share = req / len(required) if required else 0.5
    used: dict[str, float] = {}
    for g in pick.guesses.values():
        for source in (g.column, *g.columns):
            if source is not None and source != ROW and source in pick.profiles:
                used[source] = max(used.get(source, 0.0), g.confidence)
    present = [p for p in profiles if p.filled or not p.rows]
    explained = sum(used.values()) / len(present) if present else 0.0
    hint = TABLE_HINTS.get(spec.name)
    named = 0.12 if hint and re.search(hint, stem.lower().replace("_", " ")) else 0.0
    score = (0.55 * req_share + 0.45 * min(1.0, explained)) * _key_plausibility(pick) + named
    order = {n: i for i, n in enumerate(spec.column_names)}
    return Draft(
        table=spec.name,
        confidence=round(min(score, 1.0), 2),
        guesses=tuple(sorted(pick.guesses.values(), key=lambda g: order[g.field])),
        missing=tuple(n for n in required if n not in pick.guesses),
        unused=tuple(p.name for p in profiles if p.name not in used),
        sampled=max((p.rows for p in profiles), default=0),
        group_by=pick.group_by,
    )


def _key_plausibility(pick: Pick) -> float:
    """How plausible the table's key looks (0.75–1).

    Rows of a table like deals are one per key: a repeating key speaks against the table, a
    repeating deal id in favour of stage history (one row per deal and stage).
    """
    spec = pick.spec
    if spec.name == "deal_stage_history":
        deal = pick.guesses.get("deal_id")
        p = pick.profiles.get(deal.column or "") if deal else None
        return 0.8 if p is not None and p.rows and p.unique else 1.0
    key = pick.guesses.get(spec.key)
    p = pick.profiles.get(key.column or "") if key and not key.columns else None
    if spec.natural_key or spec.name in KEY_LINES or p is None or not p.rows or pick.group_by:
        return 1.0
    return 1.0 if p.unique else 0.75


def draft_for_file(path: Path, *, table: str | None = None) -> Draft:
    """Sample the file's first rows and draft a mapping for it."""
    return draft_mapping(sample_file(path), table=table, stem=path.stem)


def suggest_mapping(
    header: Sequence[str],
    rows: Sequence[Sequence[str | None]] = (),
    *,
    table: str | None = None,
    name: str = "my-export",
) -> str:
    """A draft mapping (TOML text) for a header and optional sample rows."""
    draft = draft_mapping(profile_rows(header, rows), table=table, stem=name)
    return draft_toml(draft, name=name)
