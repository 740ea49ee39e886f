"""Import a vendor export (or any file with a mapping): read → map → validate → load, per table.

The steps: open the file (encoding, delimiter, header position, tables in it); pick the mapping
(``--map FILE``, ``--source NAME``, or the preset whose columns the header covers best); decide
each typed column's format from all its values (first pass); convert every batch to canonical
columns, rejecting rows whose values do not parse (second pass); and hand the batches with the
rejections to :func:`crmroi.ingest.load.load_batches`, which validates in the engine and loads
all-or-nothing. A mapping with ``group_by`` first combines rows sharing a key in the engine
(GA4 events or GA360 hits → sessions); its result says how many source rows were combined.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import ibis.expr.types as ir
import pyarrow as pa

from crmroi.errors import InputError
from crmroi.ingest import sources
from crmroi.ingest.canonical import detect_table, import_file, sha256_of
from crmroi.ingest.ga4 import QUIRK_COLUMNS, lift_event_params
from crmroi.ingest.load import append_batch, load_batches
from crmroi.ingest.lookups import resolve
from crmroi.ingest.mapping import FieldSpec, Mapping, load_mapping
from crmroi.ingest.readers import (
    EXCEL_SUFFIXES,
    JSON_SUFFIXES,
    ROW,
    Section,
    SourceFile,
    open_source,
)
from crmroi.ingest.result import LoadResult, RowRejection
from crmroi.ingest.transform import (
    ARROW_TYPES,
    MissingColumnError,
    Plan,
    convert,
    make_plan,
    profile,
)
from crmroi.schema import TABLES_BY_NAME, USER_TABLES
from crmroi.workspace import Workspace

QUIRKS: dict[str, Callable[[pa.RecordBatch], pa.RecordBatch]] = {"ga4_events": lift_event_params}


@dataclass(frozen=True)
class ExportResult:
    """One table loaded from one file (or one table of a multi-table file)."""

    result: LoadResult
    mapping: str
    """The preset's name, the mapping file's path, or ``canonical``."""
    score: float | None = None
    """Header overlap of a detected preset (None when forced or canonical)."""
    section: int = 0
    rows_combined: int | None = None
    """Source rows combined into the loaded rows by ``group_by`` (hits → sessions)."""
    language: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON shape shown by ``crmroi import --format json``."""
        out = self.result.as_dict()
        out.update(
            mapping=self.mapping,
            score=self.score,
            section=self.section,
            rows_combined=self.rows_combined,
            language=self.language,
        )
        return out


def import_any(
    ws: Workspace,
    path: str | Path,
    *,
    table: str | None = None,
    source: str | None = None,
    mapping: str | Path | None = None,
    force: bool = False,
) -> list[ExportResult]:
    """Import one file: canonical if its columns are canonical, else through a preset/mapping.

    ``force`` loads it even where the same file was loaded the same way before.
    """
    path = Path(path)
    if source is None and mapping is None:
        canonical, src = _canonical_table(path, table)
        if canonical is not None and src is not None:
            plain = src.kind == "parquet" or (
                src.layout is not None
                and src.layout.encoding in {"utf-8", "utf-8-sig"}
                and src.layout.delimiter == ","
                and not (src.layout.skip_lines or src.layout.skip_records)
            )
            if plain:
                result = import_file(ws, path, table=canonical, force=force)
                return [ExportResult(result, "canonical")]
            # Canonical names in a German Excel file (cp1252, `;`, 1.234,56): map them 1:1.
            header = src.sections[0].header
            fields = {name: FieldSpec(column=name) for name in header}
            identity = Mapping(name="canonical", table=canonical, fields=fields)
            return import_export(ws, path, mapping=identity, force=force)
    return import_export(ws, path, source=source, mapping=mapping, force=force)


def _canonical_table(path: Path, table: str | None) -> tuple[str | None, SourceFile | None]:
    """The table whose field names the file's header uses, if any (from --table or the name).

    The opened file comes back too, so it is not sniffed twice (sniffing reads it whole).
    """
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".txt", ".tsv", ".parquet"} | EXCEL_SUFFIXES | JSON_SUFFIXES:
        return None, None
    try:
        name = table or detect_table(path)
    except InputError:
        return None, None
    if name not in USER_TABLES:
        return None, None
    src = open_source(path)
    header = src.sections[0].header
    return (name if set(header) <= set(TABLES_BY_NAME[name].column_names) else None), src


def import_export(
    ws: Workspace,
    path: str | Path,
    *,
    source: str | None = None,
    mapping: str | Path | Mapping | None = None,
    force: bool = False,
) -> list[ExportResult]:
    """Import a vendor export through a forced or detected preset, or a mapping (file)."""
    path = Path(path)
    if mapping is not None and not isinstance(mapping, Mapping):
        mapping = load_mapping(Path(mapping))
    src = open_source(path, mapping.file if mapping is not None else None)
    digest = sha256_of(path)
    results: list[ExportResult] = []
    for section in src.sections:
        for chosen, match_score in _choose(section, src, source, mapping):
            sha = digest if section.index == 0 else f"{digest}#{section.index}"
            for position, m in enumerate(_chain(chosen)):
                if position and not sources.score(m, [*section.header]).found:
                    continue  # a chained preset whose columns the file lacks
                try:
                    results.append(_run(ws, src, section, m, sha, match_score, force))
                except MissingColumnError:
                    if position == 0:
                        raise  # presets chained with `then` are optional; the first is not
    if not results:
        raise InputError(
            f"no preset matches the columns ({shown_names(src.sections[0].header)}): force one "
            "with --source NAME, or draft a mapping with --suggest-map and import with --map FILE",
            file=str(path),
        )
    return results


SHOWN_NAMES = 8
SHOWN_NAME_CHARS = 40


def shown_names(names: tuple[str, ...]) -> str:
    """A header for a message: a few names, each cut short, control characters escaped.

    A binary file's "header" is its first bytes; quoted whole, one NUL file made a 20 KB error.
    """
    shown = []
    for name in names[:SHOWN_NAMES]:
        cut = name[:SHOWN_NAME_CHARS]
        shown.append(ascii(cut)[:-1] + "…'" if len(name) > SHOWN_NAME_CHARS else repr(cut))
    more = f", … {len(names) - SHOWN_NAMES:,} more" if len(names) > SHOWN_NAMES else ""
    return ", ".join(shown) + more


def _chain(first: Mapping) -> Iterator[Mapping]:
    yield first
    for name in first.then:
        yield sources.preset(name)


def _choose(
    section: Section, src: SourceFile, source: str | None, mapping: Mapping | None
) -> list[tuple[Mapping, float | None]]:
    header = [*section.header, *src.preamble]
    if mapping is not None:
        return [(mapping, None)]
    if source is not None:
        forced = sources.preset(source)
        fit = sources.score(forced, header)
        return [(forced, None)] if fit.found or section.index == 0 else []
    matches = sources.choose(header)
    return [(matches[0].mapping, matches[0].score)] if matches else []


def _source_batches(
    src: SourceFile, section: Section, m: Mapping, rejected: list[RowRejection] | None
) -> Iterator[pa.RecordBatch]:
    quirk = QUIRKS.get(m.quirk or "")
    for batch in src.batches(section, rejected):
        yield quirk(batch) if quirk else batch


def _run(
    ws: Workspace,
    src: SourceFile,
    section: Section,
    m: Mapping,
    sha: str,
    match_score: float | None,
    force: bool = False,
) -> ExportResult:
    file = str(src.path)
    header = [*section.header, *src.preamble, *QUIRK_COLUMNS.get(m.quirk or "", [])]
    plan = make_plan(m, header, file)
    plan.resolution = resolve(ws, m)
    if plan.needs_profile:
        profile(plan, _source_batches(src, section, m, None))
    rejected: list[RowRejection] = []
    converted = _converted(plan, _source_batches(src, section, m, rejected), rejected, header)
    combined: int | None = None
    batches: Iterable[pa.RecordBatch] = converted
    if m.group_by is not None:
        batches, combined = _combine(ws, plan, converted)
    result = load_batches(
        ws,
        m.table,
        batches,
        file=file,
        source=m.name,
        sha256=sha,
        rejected=rejected,
        recipe=plan.recipe,
        force=force,
        optional=plan.optional,
        notes=plan.notes,
        delimiter=src.layout.delimiter if src.layout is not None else None,
    )
    label = m.path if m.path and not m.path.startswith("presets/") else m.name
    return ExportResult(result, label, match_score, section.index, combined, m.language)


def _converted(
    plan: Plan,
    batches: Iterable[pa.RecordBatch],
    rejected: list[RowRejection],
    header: list[str],
) -> Iterator[pa.RecordBatch]:
    produced = False
    for batch in batches:
        produced = True
        yield convert(plan, batch, rejected)
    if not produced:  # a header with no rows still loads (nothing), and is recorded
        empty = pa.RecordBatch.from_arrays(
            [pa.array([], pa.string()) for _ in header] + [pa.array([], pa.int64())],
            names=[*header, ROW],
        )
        yield convert(plan, empty, rejected)


def _aggregate(table: ir.Table, name: str, how: str, dtype: str) -> ir.Value:
    column = table[name]
    if how == "min":
        return column.min()
    if how == "max":
        return column.max()
    if how == "sum":
        return column.sum()
    if how == "count":
        return column.count()
    if how == "any":
        return column.any() if dtype == "boolean" else column.max()
    return column.first(order_by=table[ROW])


def _combine(
    ws: Workspace, plan: Plan, batches: Iterable[pa.RecordBatch]
) -> tuple[list[pa.RecordBatch], int]:
    """Combine rows sharing the ``group_by`` key, in the engine; return batches and row count."""
    key = plan.mapping.group_by
    assert key is not None
    name = f"_combine_{uuid.uuid4().hex[:12]}"
    try:
        created = False
        for batch in batches:
            append_batch(ws, name, batch, create=not created)
            created = True
        if not created:
            return [], 0
        t = ws.con.table(name)
        aggs = {
            b.name: _aggregate(t, b.name, b.spec.aggregate, b.dtype)
            for b in plan.bindings
            if b.name != key
        }
        grouped = t.group_by(t[key]).aggregate(**aggs, **{ROW: t[ROW].min()}, _n=t.count())
        arrow = grouped.order_by(ROW).to_pyarrow()
    finally:
        ws.con.drop_table(name, force=True)
    rows = int(pa.compute.sum(arrow.column("_n")).as_py() or 0)
    arrow = arrow.drop_columns(["_n"])
    types = {b.name: ARROW_TYPES[b.dtype] for b in plan.bindings}
    arrow = arrow.cast(
        pa.schema([pa.field(n, types.get(n, pa.int64())) for n in arrow.schema.names])
    )
    out = arrow.to_batches(max_chunksize=128_000)
    # No rows left (every row rejected): an empty batch still tells the loader the columns.
    return out or [pa.RecordBatch.from_pylist([], schema=arrow.schema)], rows
