"""Write a drafted mapping as ``--map`` TOML, each guess with its confidence and reason.

The draft must stay a mapping ``crmroi import FILE --map`` accepts, so guesses are real keys and
everything for the user to judge is a comment: the confidence beside each field, ``CHECK`` on the
doubtful ones, required fields nothing could fill (left commented out: the import then stops and
names them) and the columns left unmapped.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from crmroi.schema import TABLES_BY_NAME

if TYPE_CHECKING:
    from crmroi.ingest.draft_model import Draft, Guess

CHECK_BELOW = 0.6


def _q(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _low(confidence: float) -> str:
    return "  CHECK" if confidence < CHECK_BELOW else ""


def _flag(guess: Guess) -> str:
    return _low(guess.confidence)


def _field_lines(guess: Guess) -> list[str]:
    lines = []
    if guess.columns:
        lines.append(f"columns = [{', '.join(map(_q, guess.columns))}]")
    elif guess.column is not None:
        lines.append(f"column = {_q(guess.column)}")
    if guess.default is not None:
        lines.append(f"default = {_q(guess.default)}")
    if guess.multiply is not None:
        lines.append(f"multiply = {_q(guess.multiply)}")
    if guess.transform is not None:
        lines.append(f"transform = {_q(guess.transform)}")
    if guess.prefix:
        lines.append(f"prefix = {_q(guess.prefix)}")
    if guess.values:
        pairs = ", ".join(f"{_q(k)} = {_q(v)}" for k, v in guess.values)
        lines.append(f"values = {{ {pairs} }}")
    if guess.other is not None:
        lines.append(f"other = {_q(guess.other)}")
    if guess.aggregate is not None:
        lines.append(f"aggregate = {_q(guess.aggregate)}")
    return lines


def _locale_lines(draft: Draft) -> list[str]:
    if draft.locale is not None:
        return [f"locale = {_q(draft.locale)}  # {draft.locale_note}"]
    lines = ['# locale = "de"            # decides 1.234 / 01.02.2024 when the values cannot']
    return lines + ([f"# {draft.locale_note}"] if draft.locale_note else [])


def draft_toml(draft: Draft, *, name: str) -> str:
    """The draft as TOML text for ``crmroi import FILE --map``."""
    spec = TABLES_BY_NAME[draft.table]
    sampled = f"the header and {draft.sampled:,} sample rows" if draft.sampled else "the header"
    runner = (
        f"; next best: {draft.runner_up[0]} {draft.runner_up[1]:.2f}" if draft.runner_up else ""
    )
    lines = [
        f"# Draft mapping written by `crmroi import --suggest-map` from {sampled}.",
        f"# Check every guess, above all those marked CHECK (confidence below {CHECK_BELOW:.2f}),",
        "# then import with `crmroi import FILE --map THIS_FILE`. Format: docs/import-mappings.md",
        f"# table {draft.table}: confidence {draft.confidence:.2f}{_low(draft.confidence)}{runner}",
        f"name = {_q(name)}",
        f"table = {_q(draft.table)}",
        *([f"group_by = {_q(draft.group_by)}"] if draft.group_by else []),
        *_locale_lines(draft),
        '# timezone = "Europe/Berlin"',
        "",
    ]
    for guess in draft.guesses:
        column = spec.column(guess.field)
        required = " (required)" if column.required else ""
        lines.append(f"[fields.{guess.field}]  # {column.doc}{required}")
        lines.append(f"# confidence {guess.confidence:.2f}{_flag(guess)}: {guess.reason}")
        lines.extend(_field_lines(guess))
        if column.choices:
            lines.append(f"# allowed values: {', '.join(column.choices)}")
        lines.append("")
    for missing in draft.missing:
        column = spec.column(missing)
        lines.append(f"# [fields.{missing}]  # {column.doc} (required): NO column fits;")
        lines.append('# column = "…"  # name one (or give a default), else the import stops')
        lines.append("")
    if draft.unused:
        lines.append("# Columns not mapped: " + ", ".join(draft.unused))
    return "\n".join(lines) + "\n"


def draft_summary(draft: Draft, *, file: str) -> list[str]:
    """One line per field for the terminal: source, confidence, and CHECK where doubtful."""
    lines = [f"{file} → {draft.table} (confidence {draft.confidence:.2f}){_low(draft.confidence)}"]
    for guess in draft.guesses:
        source = guess.source if not guess.multiply else f"{guess.source} × {guess.multiply}"
        lines.append(f"  {guess.field:<18} ← {source:<28} {guess.confidence:.2f}{_flag(guess)}")
    lines.extend(f"  {m:<18} ← (nothing fits)             0.00  CHECK" for m in draft.missing)
    return lines
