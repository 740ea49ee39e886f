"""Apply a mapping to source batches: canonical columns, typed values, and rejections for the rest.

Two passes over the file. The first (:func:`profile`) only looks: it sums, per source column, what
the values say about their format (decimal mark, date order), so the format is decided from the
whole column, not from the first batch. The second (:func:`convert`) turns every batch into a
batch of canonical, typed columns (plus ``_row``) that :func:`crmroi.ingest.load.load_batches`
can cast without loss. A value that does not parse rejects its row, naming the row number and
the column in the source's own words; it never becomes a silent null.

Values from elsewhere are applied here too: a field with a ``lookup`` takes the value its key has
in another file or table (read beforehand by :mod:`crmroi.ingest.lookups`), and an empty date
with a ``fallback`` takes the first fallback that has a value; both are counted in
:class:`~crmroi.ingest.result.MappingNotes`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from crmroi.errors import InputError
from crmroi.ingest import dates as d
from crmroi.ingest import values as v
from crmroi.ingest.lookups import Resolution
from crmroi.ingest.mapping import (
    FIRST_STAGE_ENTRY,
    ROW_COLUMN,
    UNKNOWN,
    FieldSpec,
    Mapping,
    find_column,
    normalise_header,
)
from crmroi.ingest.readers import ROW
from crmroi.ingest.result import MappingNotes, RowRejection
from crmroi.schema import TABLES_BY_NAME

ARROW_TYPES = {
    "string": pa.string(),
    "float64": pa.float64(),
    "int64": pa.int64(),
    "timestamp": pa.timestamp("us"),
    "boolean": pa.bool_(),
}
_WORDS = {
    "float64": "number",
    "int64": "whole number",
    "timestamp": "date/time",
    "boolean": "yes/no value",
}


class MissingColumnError(InputError):
    """The file lacks a column a required field needs."""


@dataclass(frozen=True)
class Binding:
    """One canonical field bound to the source columns that fill it."""

    name: str
    spec: FieldSpec
    dtype: str
    sources: tuple[str, ...]
    factor: str | None = None


@dataclass
class Plan:
    """A mapping bound to one file's header, with the formats decided for its columns."""

    mapping: Mapping
    file: str
    bindings: list[Binding]
    decimals: dict[str, str] = field(default_factory=dict)
    dates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    resolution: Resolution = field(default_factory=lambda: Resolution({}, None))
    """The lookups' data, read with :func:`crmroi.ingest.lookups.resolve` before converting."""
    notes: MappingNotes = field(default_factory=MappingNotes)

    @property
    def needs_profile(self) -> bool:
        """Whether any column's format must be decided from its values first."""
        return any(_profiled(b) for b in self.bindings)

    @property
    def optional(self) -> frozenset[str]:
        """Required fields whose fallback keeps a row with the value unknown."""
        return frozenset(b.name for b in self.bindings if UNKNOWN in b.spec.fallbacks())

    @property
    def recipe(self) -> str:
        """What decides the rows besides the file (part of the import's identity)."""
        return self.resolution.recipe(self.mapping)


def _find(aliases: list[str], header: dict[str, str]) -> str | None:
    return find_column(aliases, header)


def make_plan(mapping: Mapping, names: Iterable[str], file: str) -> Plan:
    """Bind each field to the file's columns; a required field with no column is an error."""
    header = {normalise_header(n): n for n in names if n != ROW}
    spec = TABLES_BY_NAME[mapping.table]
    bindings: list[Binding] = []
    for name, fspec in mapping.fields.items():
        dtype = spec.column(name).dtype
        fspec = _from_header(fspec, header)
        if fspec.columns is not None:
            found = [_find([c], header) for c in fspec.columns]
            missing = [c for c, f in zip(fspec.columns, found, strict=True) if f is None]
            if missing:
                raise MissingColumnError(
                    f"field {name!r} joins columns {fspec.columns}, but {missing} is missing "
                    f"(mapping {mapping.name})",
                    file=file,
                    column=missing[0],
                )
            sources: tuple[str, ...] = tuple(f for f in found if f is not None)
        else:
            hit = _find(fspec.aliases(), header)
            sources = (hit,) if hit is not None else ()
        if not sources and fspec.default is None and not fspec.fallbacks():
            derived = bool(spec.natural_key) and name == spec.key
            if name in spec.required and not derived:
                raise MissingColumnError(
                    f"required field {name!r} of {mapping.table} needs one of the columns "
                    f"{', '.join(map(repr, fspec.aliases()))}; the file has none of them "
                    f"(mapping {mapping.name})",
                    file=file,
                    column=fspec.aliases()[0] if fspec.aliases() else name,
                )
            continue
        factor = _find(_as_list(fspec.multiply), header) if fspec.multiply else None
        if fspec.multiply and factor is None:
            raise InputError(
                f"field {name!r} multiplies by {fspec.multiply!r}, which the file lacks",
                file=file,
            )
        bindings.append(Binding(name, fspec, dtype, sources, factor))
    return Plan(mapping, file, bindings)


def _from_header(fspec: FieldSpec, header: dict[str, str]) -> FieldSpec:
    if fspec.header is None:
        return fspec
    pattern = re.compile(fspec.header)
    for name in header.values():
        found = pattern.search(name)
        if found and found.groups():
            return fspec.model_copy(update={"default": found.group(1)})
    return fspec


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


def _profiled(binding: Binding) -> bool:
    return (
        bool(binding.sources)
        and binding.dtype in {"float64", "int64", "timestamp"}
        and (
            binding.spec.columns is None
            and not binding.spec.values
            and binding.spec.lookup is None
            and binding.sources[0] != ROW_COLUMN
        )
    )


def profile(plan: Plan, batches: Iterable[pa.RecordBatch]) -> None:
    """First pass: decide the decimal mark and date layouts of every typed column."""
    evidence: dict[tuple[str, str], v.Evidence] = {}
    for batch in batches:
        for binding in plan.bindings:
            if not _profiled(binding):
                continue
            kind = "date" if binding.dtype == "timestamp" else "number"
            for column in (binding.sources[0], binding.factor):
                if column is None:
                    continue
                ev = evidence.setdefault((kind, column), v.Evidence())
                values = batch.column(column)
                if kind == "date":
                    d.date_evidence(values, ev)
                else:
                    v.number_evidence(values, ev)
    decide(plan, evidence)


def decide(plan: Plan, evidence: dict[tuple[str, str], v.Evidence]) -> None:
    """Turn the summed evidence into one format per column (or an AmbiguousValueError)."""
    m = plan.mapping
    for binding in plan.bindings:
        if not binding.sources:
            continue
        fixed = binding.spec.format
        for column in (binding.sources[0], binding.factor):
            if column is None:
                continue
            if binding.dtype == "timestamp":
                ev = evidence.get(("date", column), v.Evidence())
                plan.dates[column] = d.decide_dates(
                    ev, locale=m.locale, file=plan.file, column=column, fixed=fixed
                )
            elif binding.dtype in {"float64", "int64"}:
                ev = evidence.get(("number", column), v.Evidence())
                plan.decimals[column] = v.decide_decimal(
                    ev, locale=m.locale, file=plan.file, column=column, fixed=fixed
                )


# -- the second pass -------------------------------------------------------------------------
def _source_text(plan: Plan, binding: Binding, batch: pa.RecordBatch) -> pa.Array:
    text = _joined_text(binding, batch)
    for step in plan.resolution.lookups.get(binding.name, []):
        text, missed = step.apply(text)
        if missed:
            notes = plan.notes.lookups_missed
            notes[binding.name] = notes.get(binding.name, 0) + missed
    return text


def _joined_text(binding: Binding, batch: pa.RecordBatch) -> pa.Array:
    spec = binding.spec
    if not binding.sources:
        return pa.nulls(batch.num_rows, pa.string())
    parts = [v.as_text(batch.column(ROW if s == ROW_COLUMN else s)) for s in binding.sources]
    if len(parts) == 1 and spec.columns is None:
        return parts[0]
    trimmed = [pc.fill_null(pc.utf8_trim_whitespace(p), "") for p in parts]
    joined = pc.binary_join_element_wise(*trimmed, spec.join)
    empty = pc.equal(pc.replace_substring(joined, spec.join, ""), "")
    return pc.if_else(empty, pa.scalar(None, pa.string()), joined)


def _mapped_text(spec: FieldSpec, text: pa.Array) -> pa.Array:
    text = pc.utf8_trim_whitespace(text)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    if not (spec.values or spec.patterns or spec.other is not None):
        return text
    known = pa.array([k.strip().lower() for k in spec.values], pa.string())
    mapped = pc.take(
        pa.array(list(spec.values.values()), pa.string()), pc.index_in(pc.utf8_lower(text), known)
    )
    for pattern, target in spec.patterns.items():
        hit = pc.fill_null(pc.match_substring_regex(text, pattern), False)
        mapped = pc.coalesce(mapped, pc.if_else(hit, target, pa.scalar(None, pa.string())))
    if spec.other is not None:
        fallback = pc.if_else(pc.is_null(text), pa.scalar(None, pa.string()), spec.other)
    else:
        fallback = text
    return pc.coalesce(mapped, fallback)


def email_hash(text: pa.Array | pa.ChunkedArray) -> pa.Array:
    """SHA-256 (hex) of the trimmed, lower-cased address; empty stays empty.

    The one definition of ``contacts.email_hash``: importers and the simulated company both
    use it, so the same person matches across sources. Hashed vectorised by DuckDB.
    """
    clean = pc.utf8_lower(pc.utf8_trim_whitespace(text))
    blank = pc.fill_null(pc.equal(clean, ""), True)
    with duckdb.connect() as con:
        con.register("emails", pa.table({"v": clean}))
        hashed = con.execute("SELECT sha256(v) AS h FROM emails").fetch_arrow_table()["h"]
    return pc.if_else(blank, pa.scalar(None, pa.string()), hashed.combine_chunks())


def _transformed(spec: FieldSpec, text: pa.Array) -> pa.Array:
    if spec.transform == "email_hash":
        text = email_hash(text)
    elif spec.transform == "domain":
        text = pc.utf8_lower(pc.utf8_trim_whitespace(text))
        text = pc.replace_substring_regex(text, r"^.*@|^[a-z]+://|^www\.|[/?#:].*$", "")
        text = pc.replace_substring_regex(text, r"^www\.", "")
    elif spec.transform == "currency":
        text = v.currency_of(text)
    elif spec.transform == "lower":
        text = pc.utf8_lower(text)
    elif spec.transform == "upper":
        text = pc.utf8_upper(text)
    if spec.prefix:
        prefixed = pc.binary_join_element_wise(pa.scalar(spec.prefix), text, "")
        text = pc.if_else(pc.is_null(text), text, prefixed)
    return text


def _typed(
    plan: Plan, b: Binding, batch: pa.RecordBatch
) -> tuple[pa.Array, pa.Array, str, pa.Array]:
    """The field's values, the mask of values that failed, the column to blame and its text."""
    raw = _source_text(plan, b, batch)
    first = b.sources[0] if b.sources else b.name
    formats = _lookup_formats(plan, b) if b.spec.lookup is not None else first
    column = batch.column(first) if b.sources and first != ROW_COLUMN and _profiled(b) else None
    if column is not None and not b.spec.values and b.dtype != "string":
        data: pa.Array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    else:
        data = _transformed(b.spec, _mapped_text(b.spec, raw))
    no_bad = pa.array([False] * batch.num_rows)
    if b.dtype == "string":
        return _fill(data, b), no_bad, first, raw
    if b.dtype == "boolean":
        value, bad = v.parse_boolean(data)
    elif b.dtype == "timestamp":
        layouts = plan.dates.get(formats, ("iso",))
        value, bad = d.parse_timestamp(data, layouts, plan.mapping.timezone)
    else:
        decimal = plan.decimals.get(formats, "dot")
        value, bad = v.parse_number(data, decimal)
        if b.factor is not None:
            other, other_bad = v.parse_number(
                batch.column(b.factor).combine_chunks()
                if isinstance(batch.column(b.factor), pa.ChunkedArray)
                else batch.column(b.factor),
                plan.decimals.get(b.factor, "dot"),
            )
            value = pc.multiply(value, other)
            bad = pc.or_(bad, other_bad)
        if b.spec.scale is not None:  # "90%" already became 0.9: scale only bare numbers
            percent = pc.fill_null(pc.match_substring(v.as_text(data), "%"), False)
            value = pc.if_else(percent, value, pc.multiply(value, b.spec.scale))
        if b.dtype == "int64":
            whole = pc.fill_null(pc.equal(pc.floor(value), value), True)
            bad = pc.or_(bad, pc.invert(whole))
            value = pc.cast(pc.if_else(whole, value, pa.scalar(None, pa.float64())), pa.int64())
    return _fill(value.cast(ARROW_TYPES[b.dtype]), b), bad, first, raw


def _lookup_formats(plan: Plan, b: Binding) -> str:
    """Decide once, from all the values a lookup can give, how its dates or numbers read."""
    key = f"@lookup:{b.name}"
    if (
        key in plan.dates
        or key in plan.decimals
        or b.dtype not in {"timestamp", "float64", "int64"}
    ):
        return key
    values = plan.resolution.lookups[b.name][-1].values
    evidence = v.Evidence()
    locale, fixed = plan.mapping.locale, b.spec.format
    if b.dtype == "timestamp":
        d.date_evidence(values, evidence)
        plan.dates[key] = d.decide_dates(
            evidence, locale=locale, file=plan.file, column=b.name, fixed=fixed
        )
    else:
        v.number_evidence(values, evidence)
        plan.decimals[key] = v.decide_decimal(
            evidence, locale=locale, file=plan.file, column=b.name, fixed=fixed
        )
    return key


def _fill(values: pa.Array, b: Binding) -> pa.Array:
    if b.spec.default is None:
        return values
    default = b.spec.default
    if b.dtype == "timestamp":
        parsed, _ = d.parse_timestamp(pa.array([str(default)]), ("iso",))
        return pc.fill_null(values, parsed[0])
    return pc.fill_null(values, pa.scalar(default).cast(ARROW_TYPES[b.dtype]))


def convert(plan: Plan, batch: pa.RecordBatch, rejected: list[RowRejection]) -> pa.RecordBatch:
    """Map one source batch to canonical columns; rows with unparseable values are rejected."""
    arrays: dict[str, pa.Array] = {}
    blame: pa.Array = pa.nulls(batch.num_rows, pa.string())
    reason: pa.Array = pa.nulls(batch.num_rows, pa.string())
    for b in plan.bindings:
        value, bad, column, text = _typed(plan, b, batch)
        arrays[b.name] = value
        if b.dtype != "string" and pc.any(bad).as_py():
            if b.spec.lookup is not None:
                raw = text  # the looked-up value is the one that failed
            elif b.sources:
                raw = v.as_text(batch.column(ROW if column == ROW_COLUMN else column))
            else:
                raw = v.as_text(value)
            why = pc.binary_join_element_wise(
                "'", pc.fill_null(raw, ""), f"' is not a valid {_WORDS[b.dtype]}", ""
            )
            first = pc.and_(bad, pc.is_null(blame))
            blame = pc.if_else(first, column, blame)
            reason = pc.if_else(first, why, reason)
    rows = batch.column(ROW)
    failed = pc.is_valid(blame)
    if pc.any(failed).as_py():
        _reject(batch, failed, blame, reason, rejected)
        keep = pc.invert(failed)
        arrays = {k: a.filter(keep) for k, a in arrays.items()}
        rows = rows.filter(keep)
    for b in plan.bindings:
        if b.spec.fallbacks():
            arrays[b.name] = _with_fallbacks(plan, b, arrays)
    names = list(arrays)
    return pa.RecordBatch.from_arrays([*arrays.values(), rows], names=[*names, ROW])


def _with_fallbacks(plan: Plan, b: Binding, arrays: dict[str, pa.Array]) -> pa.Array:
    """Fill the field's empty values from its fallbacks in turn, counting each one's rows."""
    values = arrays[b.name]
    for step in b.spec.fallbacks():
        empty = int(pc.sum(pc.is_null(values)).as_py() or 0)
        if not empty:
            break
        if step == UNKNOWN:
            filled = values
        elif step == FIRST_STAGE_ENTRY:
            entries = plan.resolution.first_stage_entry
            assert entries is not None  # resolved for every mapping that names it
            found, _ = entries.apply(arrays["deal_id"])
            filled = pc.coalesce(values, found.cast(values.type))
        else:
            date, _ = d.parse_timestamp(pa.array([step]), ("iso",))
            filled = pc.fill_null(values, date[0])
        taken = empty - int(pc.sum(pc.is_null(filled)).as_py() or 0) if step != UNKNOWN else empty
        if taken:
            label = f"{b.name} ← {step}"
            plan.notes.fallbacks[label] = plan.notes.fallbacks.get(label, 0) + taken
        values = filled
    return values


def _reject(
    batch: pa.RecordBatch,
    failed: pa.Array,
    blame: pa.Array,
    reason: pa.Array,
    rejected: list[RowRejection],
) -> None:
    indices = pc.indices_nonzero(failed)
    source = batch.take(indices).to_pylist()
    for record, column, why in zip(
        source, blame.take(indices).to_pylist(), reason.take(indices).to_pylist(), strict=True
    ):
        number = int(record.pop(ROW))
        rejected.append(
            RowRejection(
                row_number=number,
                column=column,
                reason=str(why),
                raw=json.dumps(record, ensure_ascii=False, default=str),
            )
        )
