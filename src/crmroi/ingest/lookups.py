"""Values a mapping takes from elsewhere: lookups in other files or tables, and date fallbacks.

A lookup is an enrichment join done while importing: the region of a deal owner's sales team,
the channel of the lead a deal came from. Each lookup is read once into a key → value table
(:class:`Resolved`) before the rows are converted; a key held twice with different values is an
error naming the file and the key, since the join would otherwise pick one silently. The values
a lookup resolved to are part of the import's identity (:func:`recipe`): a corrected lookup file
re-loads the rows that used it.

``first_stage_entry`` resolves the same way: each deal's earliest ``deal_stage_history`` entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from crmroi.errors import InputError
from crmroi.ingest import values as v
from crmroi.ingest.mapping import (
    FIRST_STAGE_ENTRY,
    Lookup,
    Mapping,
    find_column,
    header_index,
)
from crmroi.ingest.readers import open_source
from crmroi.workspace import Workspace

RECIPE_EXCLUDES = {"name", "title", "path", "detect", "min_score", "language", "then"}
"""Mapping keys that do not change the rows (how it is found and labelled)."""


@dataclass(frozen=True)
class Resolved:
    """A lookup read into memory: distinct keys and the value each one has."""

    label: str
    keys: pa.Array
    values: pa.Array

    def apply(self, keys: pa.Array) -> tuple[pa.Array, int]:
        """The values of ``keys`` (trimmed text), and how many non-empty keys found nothing."""
        wanted = pc.utf8_trim_whitespace(v.as_text(keys))
        index = pc.index_in(wanted, self.keys)
        missed = pc.sum(pc.and_(pc.is_valid(wanted), pc.is_null(index))).as_py() or 0
        return pc.take(self.values, index), int(missed)

    def digest(self) -> str:
        """A checksum of the pairs, so a changed lookup changes the import's identity."""
        table = pa.table({"k": self.keys, "v": v.as_text(self.values)}).sort_by("k")
        h = hashlib.sha256()
        for column in table.columns:
            for value in column.to_pylist():
                h.update(b"\x00" if value is None else str(value).encode("utf-8") + b"\x1f")
        return h.hexdigest()


@dataclass(frozen=True)
class Resolution:
    """Everything a mapping needs from outside its file, read before the rows are converted."""

    lookups: dict[str, list[Resolved]]
    """Per field, its lookup steps."""
    first_stage_entry: Resolved | None
    """deal_id → earliest stage entry, when a fallback asks for it."""

    def recipe(self, mapping: Mapping) -> str:
        """What decides the rows besides the file: the mapping's content and the lookups' data."""
        parts = [mapping.model_dump_json(exclude=RECIPE_EXCLUDES)]
        for name in sorted(self.lookups):
            parts += [f"{name}:{step.digest()}" for step in self.lookups[name]]
        if self.first_stage_entry is not None:
            parts.append(f"{FIRST_STAGE_ENTRY}:{self.first_stage_entry.digest()}")
        return "\n".join(parts)


def resolve(ws: Workspace, mapping: Mapping) -> Resolution:
    """Read every lookup of ``mapping`` (and the stage entries a fallback needs)."""
    base = Path(mapping.path).parent if mapping.path else Path()
    lookups: dict[str, list[Resolved]] = {}
    for name, spec in mapping.fields.items():
        steps = spec.lookups()
        if steps:
            lookups[name] = [_read(ws, step, base) for step in steps]
    needs_entries = any(FIRST_STAGE_ENTRY in f.fallbacks() for f in mapping.fields.values())
    return Resolution(lookups, first_stage_entries(ws) if needs_entries else None)


def first_stage_entries(ws: Workspace) -> Resolved:
    """Each deal's earliest ``deal_stage_history.entered_at``."""
    h = ws.table("deal_stage_history")
    first = h.group_by(h.deal_id).aggregate(entered_at=h.entered_at.min()).to_pyarrow()
    return Resolved(
        "deal_stage_history.entered_at",
        first.column("deal_id").combine_chunks(),
        first.column("entered_at").combine_chunks().cast(pa.timestamp("us")),
    )


def _read(ws: Workspace, step: Lookup, base: Path) -> Resolved:
    if step.table is not None:
        t = ws.table(step.table)
        for column in (step.key, step.value):
            if column not in t.columns:
                raise InputError(
                    f"lookup: table {step.table!r} has no column {column!r} "
                    f"(its columns: {', '.join(t.columns)})"
                )
        pairs = t.select(k=t[step.key].cast("string"), v=t[step.value].cast("string"))
        data = pairs.filter(pairs.k.notnull()).distinct().to_pyarrow()
        label = f"table {step.table}"
        return _checked(label, step, data.column("k"), data.column("v"))
    assert step.file is not None
    path = Path(step.file) if Path(step.file).is_absolute() else base / step.file
    if not path.is_file():
        raise InputError("lookup file not found", file=str(path))
    src = open_source(path)
    section = src.sections[0]
    header = header_index(list(section.header))
    columns = [find_column([c], header) for c in (step.key, step.value)]
    for wanted, found in zip((step.key, step.value), columns, strict=True):
        if found is None:
            raise InputError(
                f"lookup: no column {wanted!r} (its columns: {', '.join(section.header)})",
                file=str(path),
                column=wanted,
            )
    keys: list[pa.Array] = []
    values: list[pa.Array] = []
    for batch in src.batches(section):
        keys.append(pc.utf8_trim_whitespace(v.as_text(batch.column(columns[0]))))
        text = pc.utf8_trim_whitespace(v.as_text(batch.column(columns[1])))
        values.append(pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text))
    data = pa.table(
        {
            "k": pa.concat_arrays(keys) if keys else pa.array([], pa.string()),
            "v": pa.concat_arrays(values) if values else pa.array([], pa.string()),
        }
    )
    data = data.filter(pc.and_(pc.is_valid(data["k"]), pc.not_equal(data["k"], "")))
    data = data.group_by(["k", "v"], use_threads=False).aggregate([])
    return _checked(path.name, step, data.column("k"), data.column("v"), file=str(path))


def _checked(
    label: str,
    step: Lookup,
    keys: pa.ChunkedArray,
    values: pa.ChunkedArray,
    file: str | None = None,
) -> Resolved:
    """Refuse a key that has several values: which one the row should get is unknowable."""
    counts = pc.value_counts(keys.combine_chunks())
    repeated = counts.filter(pc.greater(counts.field("counts"), 1))
    if len(repeated):
        key = repeated.field("values")[0].as_py()
        raise InputError(
            f"lookup: key {key!r} has several values of {step.value!r} "
            f"({len(repeated):,} keys do); the lookup needs one value per {step.key!r}",
            file=file or label,
            column=step.key,
        )
    return Resolved(
        f"{label}: {step.key} → {step.value}",
        keys.combine_chunks().cast(pa.string()),
        values.combine_chunks().cast(pa.string()),
    )
