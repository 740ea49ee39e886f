"""Render result rows as a Rich table, JSON or CSV: the CLI's only output formats."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()


class OutputFormat(StrEnum):
    """--format choices shared by the commands."""

    table = "table"
    json = "json"
    csv = "csv"


def jsonable(value: Any) -> Any:
    """Turn numpy/pandas scalars, dates and NaN into plain JSON values (NaN → null)."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def print_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON on stdout (no Rich markup)."""
    console.file.write(json.dumps(jsonable(payload), indent=2, ensure_ascii=False) + "\n")


def print_csv(rows: Sequence[Mapping[str, Any]]) -> None:
    """Print rows as CSV with a header taken from the first row."""
    if not rows:
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0].keys()), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: jsonable(v) for k, v in row.items()} for row in rows)
    console.file.write(buffer.getvalue())


def _cell(value: Any) -> str:
    value = jsonable(value)
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def print_table(rows: Sequence[Mapping[str, Any]], *, title: str | None = None) -> None:
    """Print rows as a Rich table; numbers right-aligned, columns empty in every row left out.

    Leaving out empty columns (no targets, no comparison asked for) keeps the table narrow
    enough that the values themselves are not cut off on an 80-column terminal.
    """
    table = Table(title=title, show_lines=False)
    if not rows:
        console.print(f"{title or 'result'}: no rows")
        return
    names = [name for name in rows[0] if any(jsonable(row[name]) is not None for row in rows)]
    for name in names:
        numeric = isinstance(jsonable(rows[0][name]), (int, float))
        table.add_column(str(name), justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(_cell(row[name]) for name in names))
    console.print(table)


def emit(rows: Sequence[Mapping[str, Any]], fmt: OutputFormat, *, title: str | None = None) -> None:
    """Print ``rows`` in the format the user asked for."""
    if fmt is OutputFormat.json:
        print_json(list(rows))
    elif fmt is OutputFormat.csv:
        print_csv(rows)
    else:
        print_table(rows, title=title)
