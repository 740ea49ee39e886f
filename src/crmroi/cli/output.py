"""Render result rows as a table, JSON or CSV: the CLI's only output formats.

Every value from data is printed as literal text: Rich markup in a name is shown, not obeyed,
and control characters are made visible (``safe_text``). A table too wide for the terminal is
printed one field a line, so no value is cut to "won_re…".
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from crmroi.cli.safe_text import csv_cell, json_escaped, visible

console = Console(highlight=False)


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


err_console = Console(stderr=True, highlight=False)


def literal(value: object, *, style: str | None = None) -> Text:
    """``value`` as Rich text that is never read as markup, control characters visible."""
    return Text(visible(str(value)), style=style or "")


def say(message: str, *, style: str | None = None, err: bool = False) -> None:
    """Print one line that may quote data (a note, a name): literal, never markup.

    ``err`` sends it to stderr, where errors go so that stdout stays the command's output.
    """
    (err_console if err else console).print(literal(message, style=style), soft_wrap=True)


def json_text(payload: Any) -> str:
    """``payload`` as indented JSON; characters a terminal acts on are escaped."""
    return json_escaped(json.dumps(jsonable(payload), indent=2, ensure_ascii=False))


def print_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON on stdout (no Rich markup)."""
    console.file.write(json_text(payload) + "\n")


def _csv_value(value: Any) -> Any:
    value = jsonable(value)
    return csv_cell(value) if isinstance(value, str) else value


def print_csv(rows: Sequence[Mapping[str, Any]]) -> None:
    """Print rows as CSV with a header taken from the first row; text cannot become a formula.

    Lines end in CRLF (RFC 4180): the writer then quotes a field holding a bare CR, which
    with LF endings it would leave unquoted for a reader to take as a line break.
    """
    if not rows:
        return
    buffer = io.StringIO()
    names = list(rows[0].keys())
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(str(name)) for name in names])
    writer.writerows([_csv_value(row.get(name)) for name in names] for row in rows)
    console.file.write(buffer.getvalue())


def cell(value: Any) -> str:
    """One value as table text: thousands separators, 4 significant digits, — for missing."""
    value = jsonable(value)
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _wide_table(rows: Sequence[Mapping[str, Any]], names: list[str], title: str | None) -> Table:
    table = Table(title=literal(title) if title else None, box=box.SIMPLE_HEAD, pad_edge=False)
    for name in names:
        numeric = isinstance(jsonable(rows[0][name]), (int, float))
        table.add_column(literal(name), justify="right" if numeric else "left", no_wrap=True)
    for row in rows:
        table.add_row(*(literal(cell(row[name])) for name in names))
    return table


def _tall_table(rows: Sequence[Mapping[str, Any]], names: list[str], title: str | None) -> Table:
    """One field a line, a rule between records: fits any width, cuts nothing."""
    table = Table(
        title=literal(title) if title else None,
        box=box.HORIZONTALS,
        show_header=False,
        pad_edge=False,
    )
    table.add_column(no_wrap=True, style="bold")
    table.add_column(overflow="fold")
    for row in rows:
        for index, name in enumerate(names):
            last = index == len(names) - 1
            table.add_row(literal(name), literal(cell(row[name])), end_section=last)
    return table


def print_table(rows: Sequence[Mapping[str, Any]], *, title: str | None = None) -> None:
    """Print rows as a table; numbers right-aligned, columns empty in every row left out.

    When the columns do not fit the terminal side by side, each record is printed one field
    a line instead (a table of ten columns at 80 characters would cut every value).
    """
    if not rows:
        say(f"{title or 'result'}: no rows")
        return
    names = [name for name in rows[0] if any(jsonable(row[name]) is not None for row in rows)]
    table = _wide_table(rows, names, title)
    unlimited = console.options.update_width(1_000_000)
    if Measurement.get(console, unlimited, table).maximum > console.width:
        table = _tall_table(rows, names, title)
    console.print(table)


def emit(rows: Sequence[Mapping[str, Any]], fmt: OutputFormat, *, title: str | None = None) -> None:
    """Print ``rows`` in the format the user asked for."""
    if fmt is OutputFormat.json:
        print_json(list(rows))
    elif fmt is OutputFormat.csv:
        print_csv(rows)
    else:
        print_table(rows, title=title)
