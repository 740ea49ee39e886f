"""Import mappings: a TOML file that says which source column fills which canonical field.

Presets (``crmroi/ingest/presets/*.toml``) and users' own ``--map`` files share this one format,
documented with a worked example in ``docs/import-mappings.md``::

    name = "my-crm-deals"
    table = "deals"
    locale = "de"                 # decides 1.234 and 01/02/2024 when the values cannot
    timezone = "Europe/Berlin"    # for times without a zone

    [fields.deal_id]
    column = ["Deal ID", "ID"]    # aliases: the first one the file has wins
    [fields.status]
    column = "Phase"
    values = { "Gewonnen" = "won", "Verloren" = "lost" }
    other = "open"
    [fields.currency]
    default = "EUR"
    [fields.source]               # looked up in another file by key: the lead's channel
    column = "Lead"
    lookup = { file = "leads.csv", key = "Lead ID", value = "Channel" }
    [fields.created_at]
    column = "Angelegt"
    fallback = ["first_stage_entry", "unknown"]   # an empty date does not drop the deal
    [file]                        # only for files that cannot say it themselves
    names = ["Nr", "Datum", "Betrag"]   # no header row: name the columns
    delimiter = "whitespace"      # runs of blanks separate the values

Files are validated with pydantic; an error names the TOML file and the key at fault.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from crmroi.errors import InputError
from crmroi.ingest.dates import DATE_FORMATS
from crmroi.schema import TABLES_BY_NAME, USER_TABLES

Transform = Literal["email_hash", "domain", "lower", "upper", "currency", "strip"]
Aggregate = Literal["first", "min", "max", "sum", "any", "count"]
NUMBER_FORMATS = ("auto", "comma", "dot")
ROW_COLUMN = "@row"
"""A pseudo-column: the row's number in the file, for exports without an id."""
UNKNOWN = "unknown"
FIRST_STAGE_ENTRY = "first_stage_entry"
NAMED_FALLBACKS = (UNKNOWN, FIRST_STAGE_ENTRY)


class Lookup(BaseModel):
    """Take a field's value from another file or workspace table, by key (an enrichment join)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str | None = None
    """A file to look in (any format ``crmroi import`` reads); relative to the mapping file."""
    table: str | None = None
    """A workspace table to look in instead (import it first)."""
    key: str
    """The column of that file or table holding the key the source value is matched with."""
    value: str
    """The column of that file or table whose value the field takes."""

    @model_validator(mode="after")
    def _check(self) -> Lookup:
        if (self.file is None) == (self.table is None):
            raise ValueError("a lookup names either `file` or `table`")
        if self.table is not None and self.table not in TABLES_BY_NAME:
            raise ValueError(f"lookup table {self.table!r} is not one of {', '.join(USER_TABLES)}")
        return self


class FieldSpec(BaseModel):
    """How one canonical field is filled from the source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str | list[str] | None = None
    """The source column; a list gives aliases (labels in several languages, API names)."""
    columns: list[str] | None = None
    """Several source columns joined with ``join`` (a composite id)."""
    join: str = "|"
    default: str | int | float | bool | None = None
    """Used when the column is missing from the file or the value is empty."""
    values: dict[str, str] = Field(default_factory=dict)
    """Value map, matched case-insensitively: ``{"Closed Won" = "won"}``."""
    patterns: dict[str, str] = Field(default_factory=dict)
    """Regular-expression map for values the value map lacks: ``{"^C" = "cancellation"}``."""
    other: str | None = None
    """The value for any text neither map knows (default: keep the text)."""
    format: str | None = None
    """Numbers: auto, comma, dot. Dates: auto, iso, dayfirst, monthfirst, dotted, compact,
    epoch_s, epoch_ms, epoch_us."""
    scale: float | None = None
    """Multiply numbers by this (0.01 for a probability exported in percent)."""
    multiply: str | list[str] | None = None
    """Another numeric source column to multiply by (quantity × unit price)."""
    transform: Transform | None = None
    prefix: str = ""
    """Prepended to non-empty text (namespacing ids by source)."""
    header: str | None = None
    """A regular expression over the headers whose first group is the value for every row
    (Meta's ``Amount spent (EUR)`` carries the currency in the header)."""
    aggregate: Aggregate = "first"
    """With ``group_by``: how rows sharing a key combine into one."""
    lookup: Lookup | list[Lookup] | None = None
    """Replace the source value by the value another file or table holds for it; a list looks
    up step by step (agent → team, then team → region)."""
    fallback: str | list[str] | None = None
    """Dates only: what an empty value becomes, tried in order and counted in the import's
    result: ``first_stage_entry`` (deals: the deal's earliest ``deal_stage_history`` entry),
    an ISO date, or ``unknown`` (the row is kept with the date empty, even a required one)."""

    def lookups(self) -> list[Lookup]:
        """The lookup steps, in order."""
        if self.lookup is None:
            return []
        return [self.lookup] if isinstance(self.lookup, Lookup) else list(self.lookup)

    def fallbacks(self) -> list[str]:
        """The fallbacks, in order."""
        if self.fallback is None:
            return []
        return [self.fallback] if isinstance(self.fallback, str) else list(self.fallback)

    def aliases(self) -> list[str]:
        """The source column names this field can come from."""
        if self.column is None:
            return []
        return [self.column] if isinstance(self.column, str) else list(self.column)


class FileSpec(BaseModel):
    """What sniffing cannot know about a file: a header-less log, a whitespace-aligned table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    delimiter: Literal[",", ";", "\t", "|", "whitespace"] | None = None
    """Force the delimiter; ``whitespace`` splits on runs of blanks (fixed-width logs)."""
    names: list[str] | None = None
    """The file has no header row: these name its columns, in order."""

    @model_validator(mode="after")
    def _check(self) -> FileSpec:
        if self.names is not None and (not self.names or len(set(self.names)) < len(self.names)):
            raise ValueError("file.names must list each column once")
        return self


class Mapping(BaseModel):
    """One export format (or one user's file) mapped onto one canonical table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str = ""
    table: str
    locale: str | None = None
    timezone: str = "UTC"
    language: str | None = None
    """The export's language, recorded with the import (HubSpot exports in DE or EN)."""
    detect: list[str | list[str]] = Field(default_factory=list)
    """Headers that must all be present to pick this preset; a list gives alternatives."""
    min_score: float | None = Field(default=None, ge=0.0, le=1.0)
    """Share of the mapped columns a header needs to pick this preset (default 0.5); lower for
    reports whose columns vary by what the user chose to show, like GA4's."""
    quirk: Literal["ga4_events"] | None = None
    """Code for what a table of fields cannot say (GA4's nested ``event_params``)."""
    group_by: str | None = None
    """Canonical key whose rows combine into one (hits → sessions); see ``aggregate``."""
    then: list[str] = Field(default_factory=list)
    """Presets to run on the same file afterwards (one file feeding two tables)."""
    file: FileSpec | None = None
    """Layout the file cannot announce itself (no header row, whitespace-separated)."""
    fields: dict[str, FieldSpec]
    path: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Mapping:
        if self.table not in USER_TABLES:
            raise ValueError(f"table {self.table!r} is not one of {', '.join(USER_TABLES)}")
        spec = TABLES_BY_NAME[self.table]
        for name, field in self.fields.items():
            if name not in spec.column_names:
                raise ValueError(
                    f"fields.{name}: {self.table} has no field {name!r} "
                    f"(its fields: {', '.join(spec.column_names)})"
                )
            if (
                field.column is None
                and field.columns is None
                and field.default is None
                and (field.header is None)
            ):
                raise ValueError(f"fields.{name}: give `column`, `columns`, `header` or `default`")
            _check_format(name, field, spec.column(name).dtype)
            _check_fallback(name, field, spec.column(name).dtype, self.table)
        if self.group_by is not None and self.group_by not in self.fields:
            raise ValueError(f"group_by: {self.group_by!r} is not one of the mapped fields")
        return self

    def detect_groups(self) -> list[list[str]]:
        """The ``detect`` entries, each as a list of alternative headers."""
        return [[entry] if isinstance(entry, str) else entry for entry in self.detect]


def _check_format(name: str, field: FieldSpec, dtype: str) -> None:
    if field.format is None:
        return
    if dtype in {"float64", "int64"} and field.format not in NUMBER_FORMATS:
        raise ValueError(f"fields.{name}.format: {field.format!r} is not one of {NUMBER_FORMATS}")
    if dtype == "timestamp" and field.format not in DATE_FORMATS:
        raise ValueError(f"fields.{name}.format: {field.format!r} is not one of {DATE_FORMATS}")


def _check_fallback(name: str, field: FieldSpec, dtype: str, table: str) -> None:
    steps = field.fallbacks()
    if not steps:
        return
    if dtype != "timestamp":
        raise ValueError(f"fields.{name}.fallback: only date fields take a fallback")
    if field.default is not None:
        raise ValueError(f"fields.{name}: give `default` or `fallback`, not both")
    for step in steps:
        if step == FIRST_STAGE_ENTRY and table != "deals":
            raise ValueError(f"fields.{name}.fallback: {FIRST_STAGE_ENTRY} is for deals only")
        if step not in NAMED_FALLBACKS and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", step):
            raise ValueError(
                f"fields.{name}.fallback: {step!r} is not {', '.join(NAMED_FALLBACKS)} "
                "or a date like 2024-01-31"
            )
    if UNKNOWN in steps[:-1]:
        raise ValueError(f"fields.{name}.fallback: {UNKNOWN!r} can only come last")


def normalise_header(name: str) -> str:
    """Compare headers loosely: case, spacing, quotes and BOMs do not matter."""
    return re.sub(r"\s+", " ", name.replace("\ufeff", "").strip().strip('"').lower())


def find_column(aliases: list[str], header: dict[str, str]) -> str | None:
    """The first alias the header has (``header``: normalised name → name as in the file).

    An alias ``re:<pattern>`` matches a header by regular expression (question texts of survey
    exports vary); ``@row`` is the row number.
    """
    for alias in aliases:
        if alias == ROW_COLUMN:
            return ROW_COLUMN
        if alias.startswith("re:"):
            pattern = re.compile(alias[3:], re.IGNORECASE)
            for norm, name in header.items():
                if pattern.search(norm):
                    return name
            continue
        found = header.get(normalise_header(alias))
        if found is not None:
            return found
    return None


def header_index(names: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Normalised name → name as in the file."""
    return {normalise_header(n): n for n in names}


def mapping_from_dict(data: dict[str, object], *, origin: str) -> Mapping:
    """Validate a parsed mapping; errors name ``origin`` and the key at fault."""
    try:
        return Mapping.model_validate({**data, "path": origin})
    except ValidationError as exc:
        issues = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            issues.append(f"key `{key}`: {message}" if key else message)
        raise InputError("invalid mapping: " + "; ".join(issues), file=origin) from None


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping TOML file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such mapping file", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=str(path)) from None
    return mapping_from_dict(data, origin=str(path))
