"""The pieces of a drafted mapping: a guess per field, the draft, and the draft under way.

Shared by the matcher (:mod:`crmroi.ingest.suggest`), the fallbacks
(:mod:`crmroi.ingest.draft_fallbacks`) and the TOML writer (:mod:`crmroi.ingest.draft_toml`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crmroi.ingest.header_match import name_score
from crmroi.ingest.profile import ColumnProfile
from crmroi.schema import Table

ROW = "@row"
"""The mapping's pseudo-column for the row number."""
KEY_LINES = {"orders", "touchpoints", "activities", "survey_responses", "costs"}
"""Tables whose key may be a repeating document number plus the row (invoice lines)."""


@dataclass(frozen=True)
class Guess:
    """How the draft fills one field, and how sure it is."""

    field: str
    confidence: float
    reason: str
    column: str | None = None
    columns: tuple[str, ...] = ()
    default: str | int | None = None
    values: tuple[tuple[str, str], ...] = ()
    other: str | None = None
    transform: str | None = None
    prefix: str = ""
    multiply: str | None = None
    aggregate: str | None = None

    @property
    def source(self) -> str:
        """The source column (first of a composite), ``@row``, or ``default:<value>``."""
        if self.columns:
            return self.columns[0]
        if self.column is not None:
            return self.column
        return f"default:{self.default}"


@dataclass(frozen=True)
class Draft:
    """A drafted mapping: the table, a guess per field it could fill, and what it could not."""

    table: str
    confidence: float
    guesses: tuple[Guess, ...]
    missing: tuple[str, ...]
    unused: tuple[str, ...]
    sampled: int
    runner_up: tuple[str, float] | None = None
    group_by: str | None = None
    locale: str | None = None
    locale_note: str = ""
    """Why the locale was chosen, or which columns need one (shown in the draft)."""

    def guess(self, name: str) -> Guess | None:
        """The guess for field ``name``, if the draft has one."""
        return next((g for g in self.guesses if g.field == name), None)


@dataclass
class Pick:
    """The assignment under construction for one table."""

    spec: Table
    profiles: dict[str, ColumnProfile]
    guesses: dict[str, Guess] = field(default_factory=dict)
    group_by: str | None = None


def fields_of(spec: Table) -> list[str]:
    """The fields a mapping fills (a key derived from a natural key is not one)."""
    derived = spec.key if spec.natural_key else None
    return [c.name for c in spec.columns if c.name != derived]


def header_score(spec: Table, name: str, header: str) -> float:
    """How well ``header`` names field ``name``, the table's own key told apart."""
    return name_score(name, header, spec.name, name == spec.key and not spec.natural_key)
