"""What one-to-one matching of columns to fields cannot say, filled in for a draft.

A ``Deal Stage`` column holding Won/Lost is the status too; e-mail addresses stand in for a
contact id; a unit price is multiplied by the quantity; ``€`` in amounts gives the currency; a
control-group label sets ``is_control``; a file without an id gets the row number (or a unique
name, or the hashed e-mail); ad reports by day are combined per campaign; required fields without
a column get a stated default (``survey = "nps"`` from a 0–10 score, ``status = "won"`` when every
row has a won date); choice fields get value maps. Each fallback says why, with a confidence.
"""

from __future__ import annotations

import re
from dataclasses import replace

from crmroi.ingest.draft_model import KEY_LINES, ROW, Guess, Pick, fields_of, header_score
from crmroi.ingest.draft_values import CHOICE_RULES, choice_values, value_map
from crmroi.ingest.header_match import name_score, words
from crmroi.ingest.profile import CONTROL


def complete(pick: Pick, stem: str) -> None:
    """Fill in what one-to-one matching cannot: see the module docstring."""
    _share_stage_and_status(pick)
    _contact_from_email(pick)
    _price_times_quantity(pick)
    _currency_from_amount(pick)
    _control_flag(pick)
    _key_fallback(pick, stem)
    _combine_periods(pick)
    _required_fallbacks(pick, stem)
    _value_maps(pick)


def _share_stage_and_status(pick: Pick) -> None:
    if pick.spec.name != "deals":
        return
    stage, status = pick.guesses.get("stage"), pick.guesses.get("status")
    if status is None and stage is not None and stage.column in pick.profiles:
        p = pick.profiles[stage.column]
        if p.won_lost:
            pick.guesses["status"] = Guess(
                "status", 0.75, "the stage column holds Won/Lost-like labels", column=p.name
            )
    elif stage is None and status is not None and status.column in pick.profiles:
        p = pick.profiles[status.column]
        if p.is_enum and p.distinct > 3:
            pick.guesses["stage"] = Guess(
                "stage", 0.5, "the status column holds more than open/won/lost", column=p.name
            )


def _taken(pick: Pick) -> set[str]:
    return {c for g in pick.guesses.values() for c in (g.column, *g.columns) if c is not None}


def _contact_from_email(pick: Pick) -> None:
    if "contact_id" not in pick.spec.column_names or pick.spec.key == "contact_id":
        return
    if "contact_id" in pick.guesses:
        return
    taken = _taken(pick)
    for p in pick.profiles.values():
        if p.email_share >= 0.9 and p.name not in taken:
            pick.guesses["contact_id"] = Guess(
                "contact_id",
                0.6,
                "e-mail addresses: hashed, then linked to the contact with that address",
                column=p.name,
                transform="email_hash",
                prefix="email:",
            )
            return


def _price_times_quantity(pick: Pick) -> None:
    amount = pick.guesses.get("amount")
    if amount is None or amount.column is None:
        return
    if not {"price", "preis", "unit"} & set(words(amount.column)):
        return
    for p in pick.profiles.values():
        if p.is_number and {"quantity", "qty", "menge", "anzahl"} & set(words(p.name)):
            pick.guesses["amount"] = Guess(
                "amount",
                amount.confidence,
                f"unit price × {p.name}",
                column=amount.column,
                multiply=p.name,
            )
            return


def _currency_from_amount(pick: Pick) -> None:
    """``€ 1.234,56`` says its currency: read it from the amount where no column gives one."""
    money = next((n for n in ("amount", "cost", "seat_cost") if n in pick.guesses), None)
    if "currency" not in pick.spec.column_names or "currency" in pick.guesses or money is None:
        return
    p = pick.profiles.get(pick.guesses[money].column or "")
    if p is not None and p.symbol_share >= 0.5:
        pick.guesses["currency"] = Guess(
            "currency",
            0.6,
            f"the currency signs in {p.name}",
            column=p.name,
            transform="currency",
        )


def _control_flag(pick: Pick) -> None:
    flag = next((n for n in ("is_control", "holdout") if n in pick.spec.column_names), None)
    if flag is None or flag in pick.guesses:
        return
    for p in pick.profiles.values():
        if p.control_group:
            labels = tuple((v, "true") for v in p.top if CONTROL.search(v))
            pick.guesses[flag] = Guess(
                flag,
                0.7,
                "labels naming a control group",
                column=p.name,
                values=labels,
                other="false",
            )
            return


def _prefix(stem: str) -> str:
    """Row-number ids namespaced by the file (``hillstrom:17``), so files do not collide."""
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") + ":" if stem else ""


def _key_fallback(pick: Pick, stem: str) -> None:
    spec = pick.spec
    if spec.natural_key:
        return
    key = pick.guesses.get(spec.key)
    prefix = _prefix(stem)
    named = pick.guesses.get("name")
    label = pick.profiles.get(named.column or "") if named else None
    if key is None and label is not None and label.fill >= 0.95:
        how = "unique" if label.unique else "rows sharing it become one"
        pick.guesses[spec.key] = Guess(
            spec.key,
            0.5 if label.unique else 0.4,
            f"no id column: the {label.name} is the id ({how})",
            column=label.name,
        )
        return
    email = pick.guesses.get("email_hash")
    address = pick.profiles.get(email.column or "") if email else None
    if key is None and spec.name == "contacts" and address is not None and address.unique:
        pick.guesses[spec.key] = Guess(
            spec.key,
            0.5,
            "no id column: the hashed e-mail address is the id (links survey answers too)",
            column=address.name,
            transform="email_hash",
            prefix="email:",
        )
        return
    if key is None:
        pick.guesses[spec.key] = Guess(
            spec.key,
            0.5 if spec.name in KEY_LINES else 0.35,
            "no column holds a unique id: the row number is the id (a re-sorted file changes it)",
            column=ROW,
            prefix=prefix,
        )
        return
    p = pick.profiles.get(key.column or "")
    if p is None or p.unique or not p.rows or spec.name == "campaigns":
        return  # repeating campaigns are combined by _combine_periods
    if spec.name in KEY_LINES:
        pick.guesses[spec.key] = Guess(
            spec.key,
            key.confidence,
            f"{p.name} repeats (lines of one document): it and the row number form the id",
            columns=(p.name, ROW),
        )
    else:
        pick.guesses[spec.key] = Guess(
            spec.key,
            round(0.8 * key.confidence, 2),
            f"{p.name} repeats in the sample: rows sharing an id become one record",
            column=p.name,
        )


def _combine_periods(pick: Pick) -> None:
    """Ad reports give a campaign one row per day or week: combine them into the campaign."""
    key = pick.guesses.get("campaign_id")
    p = pick.profiles.get(key.column or "") if key else None
    if pick.spec.name != "campaigns" or key is None or p is None or p.unique or not p.rows:
        return
    pick.group_by = "campaign_id"
    pick.guesses["campaign_id"] = replace(
        key,
        confidence=max(key.confidence, round(header_score(pick.spec, "campaign_id", p.name), 2)),
        reason=f"{p.name} repeats (one row per period): its rows are combined into one campaign",
    )
    for name, how in (("cost", "sum"), ("started_at", "min"), ("ended_at", "max")):
        if name in pick.guesses:
            pick.guesses[name] = replace(pick.guesses[name], aggregate=how)
    start = pick.guesses.get("started_at")
    if start is not None and "ended_at" not in pick.guesses:
        pick.guesses["ended_at"] = replace(
            start, field="ended_at", reason="the last period of the campaign", aggregate="max"
        )


def _required_fallbacks(pick: Pick, stem: str) -> None:
    spec = pick.spec
    for name in fields_of(spec):
        column = spec.column(name)
        if not column.required or name in pick.guesses:
            continue
        if column.dtype == "timestamp":
            dates = sorted(
                (p for p in pick.profiles.values() if p.is_date),
                key=lambda p: name_score(name, p.name, spec.name),
                reverse=True,
            )
            if dates:
                pick.guesses[name] = Guess(
                    name,
                    0.3,
                    "no better date: the file's only dates stand in",
                    column=dates[0].name,
                )
            continue
        fallback = _default_for(pick, name, stem)
        if fallback is not None:
            pick.guesses[name] = fallback


def _default_for(pick: Pick, name: str, stem: str) -> Guess | None:
    table = pick.spec.name
    if name == "survey":
        return _survey_kind(pick)
    if name == "status" and table == "deals":
        won = next(
            (
                p
                for p in pick.profiles.values()
                if p.is_date and p.fill >= 0.95 and "won" in words(p.name)
            ),
            None,
        )
        if won is not None:
            return Guess(name, 0.55, f"every row has a {won.name}: all won", default="won")
        return Guess(name, 0.1, "no status column: every deal taken as open", default="open")
    defaults = {
        ("costs", "category"): ("other", 0.2),
        ("costs", "recurrence"): ("one-off", 0.3),
        ("activities", "type"): ("task", 0.2),
        ("campaign_members", "campaign_id"): (stem or "campaign", 0.35),
    }
    if (table, name) in defaults:
        value, confidence = defaults[table, name]
        return Guess(name, confidence, "no column: one value for every row", default=value)
    if name == "position":
        return Guess(name, 0.4, "the row order is the stage order", column=ROW)
    if name == "contact_id":
        return Guess(
            name,
            0.4,
            "no contact column: each row is one contact",
            column=ROW,
            prefix=_prefix(stem),
        )
    return None


def _survey_kind(pick: Pick) -> Guess:
    """NPS, CSAT or CES from the score's question, else from its scale (NPS alone starts at 0)."""
    score = pick.guesses.get("score")
    p = pick.profiles.get(score.column or "") if score else None
    if p is None:
        return Guess("survey", 0.3, "assumed: an NPS survey", default="nps")
    asked = value_map("survey", p.name)
    if asked is not None:
        return Guess("survey", 0.75, f"the score's header says {asked}", default=asked)
    if p.low is None or p.high is None:
        return Guess("survey", 0.3, "assumed: an NPS survey", default="nps")
    if p.low == 0 or p.high > 7:
        return Guess("survey", 0.7, "the score runs 0–10: an NPS question", default="nps")
    kind = "csat" if p.high <= 5 else "ces"
    return Guess("survey", 0.45, f"scores of 1–{p.high:g}: {kind}?", default=kind)


def _value_maps(pick: Pick) -> None:
    for name, guess in list(pick.guesses.items()):
        p = pick.profiles.get(guess.column or "")
        if name not in CHOICE_RULES or p is None or guess.columns or guess.multiply:
            continue
        if name == "status" and pick.spec.name != "deals":
            continue
        values, other = choice_values(name, p)
        pick.guesses[name] = replace(guess, values=values, other=other)
    if pick.spec.name == "survey_responses" and "scale_max" not in pick.guesses:
        survey = pick.guesses.get("survey")
        if survey is not None and survey.default == "nps":
            pick.guesses["scale_max"] = Guess("scale_max", 0.7, "NPS runs 0–10", default=10)
