"""Read a company's existing warehouse tables instead of files: canonical views over them.

A company that already keeps its CRM data in PostgreSQL, Spark or DuckDB need not export it to
files. A warehouse mapping (TOML) names, per canonical table, the source table and which of its
columns is which canonical column, with value translations and constants::

    [deals]
    from = "sales.opportunities"          # schema.table, as the workspace's connection sees it
    [deals.columns]
    deal_id = "opp_id"
    status = "stage_name"
    amount = "amount_eur"
    [deals.values.status]
    "Closed Won" = "won"
    "Closed Lost" = "lost"
    [deals.constants]
    currency = "EUR"

:func:`map_tables` turns each entry into a view named like the canonical table, built as an Ibis
expression (each column cast to its canonical type, unmapped columns NULL), so every analysis
reads the warehouse rows where they are, always current, with no import. The view replaces the
empty canonical table that ``crmroi init`` made; a table that already holds rows is refused (it
was imported, and a view would hide those rows). Views are read-only: imports into a mapped
table fail, so map a table or import it, not both.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from crmroi.errors import InputError, WorkspaceError, did_you_mean
from crmroi.schema import TABLES_BY_NAME, USER_TABLES, Table
from crmroi.workspace import Workspace


@dataclass(frozen=True)
class Source:
    """One canonical table's source: the relation, its columns, value translations, constants."""

    table: str
    relation: str
    columns: Mapping[str, str]
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Mapped:
    """What :func:`map_tables` made of one source."""

    table: str
    relation: str
    rows: int
    columns_mapped: int
    columns_null: tuple[str, ...]


def read_mapping(path: str | Path) -> list[Source]:
    """The sources of a warehouse mapping file; errors name the file, table and key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read the warehouse mapping: {exc}", file=str(path)) from exc
    return [_source(str(path), name, entry) for name, entry in data.items()]


def _source(file: str, name: str, entry: Any) -> Source:
    if name not in USER_TABLES:
        raise InputError(
            f"[{name}]: not a canonical table ({did_you_mean(name, USER_TABLES)})", file=file
        )
    if not isinstance(entry, dict) or not isinstance(entry.get("from"), str):
        raise InputError(f'[{name}] needs from = "schema.table" (the table to read)', file=file)
    spec = TABLES_BY_NAME[name]
    unknown = set(entry) - {"from", "columns", "values", "constants"}
    if unknown:
        raise InputError(f"[{name}]: unknown key(s) {', '.join(sorted(unknown))}", file=file)
    columns = dict(entry.get("columns", {}))
    values = {k: dict(v) for k, v in entry.get("values", {}).items()}
    constants = dict(entry.get("constants", {}))
    for part, names in (("columns", columns), ("values", values), ("constants", constants)):
        wrong = [c for c in names if c not in spec.column_names]
        if wrong:
            raise InputError(
                f"[{name}.{part}] {wrong[0]!r} is not a column of {name} "
                f"({did_you_mean(wrong[0], spec.column_names)})",
                file=file,
            )
    missing = [c for c in spec.required if c not in columns and c not in constants]
    if missing:
        raise InputError(
            f"[{name}]: required column(s) {', '.join(missing)} need a source column or a constant",
            file=file,
        )
    return Source(name, entry["from"], columns, values, constants)


def view_expression(ws: Workspace, source: Source) -> ir.Table:
    """The canonical table ``source.table`` as an expression over the source relation."""
    spec: Table = TABLES_BY_NAME[source.table]
    database, _, name = source.relation.rpartition(".")
    try:
        raw = ws.con.table(name, database=database or None)
    except Exception as exc:  # each backend raises its own "no such table"
        raise WorkspaceError(f"[{source.table}] from = {source.relation!r}: {exc}") from exc
    absent = [c for c in source.columns.values() if c not in raw.columns]
    if absent:
        raise WorkspaceError(
            f"[{source.table}] {source.relation} has no column {absent[0]!r} "
            f"({did_you_mean(absent[0], tuple(raw.columns))})"
        )
    out: dict[str, ir.Value] = {}
    for column in spec.columns:
        if column.name in source.columns:
            value: ir.Value = raw[source.columns[column.name]]
            if column.name in source.values:
                text = value.cast("string")
                value = text.substitute(source.values[column.name], else_=text)
            out[column.name] = value.cast(column.dtype)
        elif column.name in source.constants:
            out[column.name] = ibis.literal(source.constants[column.name]).cast(column.dtype)
        else:
            out[column.name] = ibis.null(column.dtype)
    return raw.select(**out)


def map_tables(ws: Workspace, sources: list[Source]) -> list[Mapped]:
    """Create (or replace) one canonical view per source; see the module docstring."""
    built = [(source, view_expression(ws, source)) for source in sources]  # all checked first
    done = []
    for source, expr in built:
        _make_room(ws, source)
        ws.con.create_view(source.table, expr, overwrite=True)
        spec = TABLES_BY_NAME[source.table]
        mapped = set(source.columns) | set(source.constants)
        done.append(
            Mapped(
                table=source.table,
                relation=source.relation,
                rows=ws.count(source.table),
                columns_mapped=len(mapped),
                columns_null=tuple(c for c in spec.column_names if c not in mapped),
            )
        )
    return done


def _make_room(ws: Workspace, source: Source) -> None:
    """Drop what holds the name: an earlier mapping's view, or the empty canonical table."""
    try:
        ws.con.drop_view(source.table, force=True)
        return
    except Exception:  # noqa: S110 - not a view: the engine says so in its own words
        pass
    if source.table not in ws.con.list_tables():
        return
    if ws.count(source.table):
        raise WorkspaceError(
            f"{source.table} already holds imported rows: a view over {source.relation} "
            "would hide them; map it in a new workspace"
        )
    ws.con.drop_table(source.table, force=True)
