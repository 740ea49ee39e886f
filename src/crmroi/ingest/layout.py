"""Sniff how a delimited text export is laid out: delimiter, where the header is, how many rows.

Exports rarely start with their header on line 1: GA4 and Google Ads put ``#`` comment lines
first, SurveyMonkey writes a second header row of sub-answer labels (``Response``, option
labels), and German Excel separates with ``;``. The layout is decided from a decoded sample of
the file's head; the readers then stream the whole file with it.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from crmroi.errors import InputError

SAMPLE_CHARS = 256 << 10
MAX_SAMPLE_CHARS = 16 << 20
MIN_SAMPLE_LINES = 50
SAMPLE_RECORDS = 200
DELIMITERS = (",", ";", "\t", "|")
WHITESPACE = "whitespace"
"""The delimiter of whitespace-aligned files: any run of blanks, no quoting."""
_SUB_LABELS = {"response", "open-ended response", "antwort", "offene antwort"}


@dataclass(frozen=True)
class Layout:
    """How one delimited file is laid out."""

    encoding: str
    delimiter: str
    skip_lines: int
    """Physical lines before the header: comments and blank lines."""
    header: tuple[str, ...]
    header_rows: int
    """1, or 2 for SurveyMonkey's question + sub-answer header."""
    commented: bool
    """The file had ``#`` lines: it may hold several tables separated by blank lines."""
    skip_records: int = 0
    """Records after the skipped lines and before the header (a report title, a date range)."""
    preamble: tuple[tuple[str, str], ...] = ()
    """``# Key: value`` pairs of the skipped lines, keyed ``# Key`` (GA4's report dates)."""

    @property
    def whitespace(self) -> bool:
        """Values are separated by runs of blanks (read line by line, without quoting)."""
        return self.delimiter == WHITESPACE


def read_sample(path: Path, encoding: str) -> tuple[str, bool]:
    """The decoded head of the file, and whether it is the whole file.

    The head grows (up to ``MAX_SAMPLE_CHARS``) until it holds ``MIN_SAMPLE_LINES`` lines, so a
    few huge notes near the top cannot leave the sniffer with a header and one row.
    """
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        text = handle.read(SAMPLE_CHARS)
        more = handle.read(1)
        while more and text.count("\n") < MIN_SAMPLE_LINES and len(text) < MAX_SAMPLE_CHARS:
            text += more + handle.read(len(text))
            more = handle.read(1)
    return text + more, more == ""


def preamble_pairs(lines: list[str]) -> tuple[tuple[str, str], ...]:
    """``# Start date: 20240101`` → ``("# Start date", "20240101")``; the first of a key wins.

    GA4 explorations write their range as ``# 20260723-20260922``: it gives both dates.
    """
    found: dict[str, str] = {}
    for raw in lines:
        line = raw.strip().strip('"')
        if match := re.match(r"^#\s*([^:#,;]+?)\s*:\s*(.+?)\s*$", line):
            found.setdefault(f"# {match.group(1)}", match.group(2))
        elif match := re.match(r"^#\s*(\d{8})\s*-\s*(\d{8})\s*$", line):
            found.setdefault("# Start date", match.group(1))
            found.setdefault("# End date", match.group(2))
    return tuple(found.items())


def _comment_lines(lines: list[str]) -> tuple[int, bool]:
    skipped, commented = 0, False
    for line in lines:
        stripped = line.strip().strip('"')
        if stripped.startswith("#") and not re.match(r"^#\s*[,;\t|]", stripped):
            commented = True
        elif stripped.strip(",;\t|") != "":
            break
        skipped += 1
    return skipped, commented


def _records(body: str, delimiter: str, whole: bool) -> list[list[str]]:
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > SAMPLE_RECORDS:
                break
    except csv.Error:
        pass
    if not whole and len(records) > 1 and len(records) <= SAMPLE_RECORDS:
        records.pop()  # the sample may cut the last record in half
    return [r for r in records if any(cell.strip() for cell in r)]


def _modal_width(records: list[list[str]]) -> tuple[int, int]:
    """The most common record width and how many records have it (ties: the earliest width)."""
    widths = Counter(len(r) for r in records)
    if not widths:
        return 0, 0
    first: dict[int, int] = {}
    for index, record in enumerate(records):
        first.setdefault(len(record), index)
    width, count = max(widths.items(), key=lambda item: (item[1], -first[item[0]]))
    return width, count


def _score(records: list[list[str]]) -> float:
    """Share of rows with the common width × that width, halved when the first row differs.

    Wide and consistent wins; a delimiter that only splits the header's neighbours by accident
    (a comma inside quoted text of a ``|`` file) gives narrow or ragged rows.
    """
    if not records:
        return 0.0
    width, count = _modal_width(records)
    if width < 2:
        return 0.0
    share = count / len(records)
    return share * width * (1.0 if len(records[0]) == width else 0.5)


def sniff_delimiter(body: str, whole: bool) -> str:
    """The delimiter that gives the widest header with the most rows of the same width."""
    scored = [(_score(_records(body, d, whole)), -i, d) for i, d in enumerate(DELIMITERS)]
    return max(scored)[2]


def clean_header(names: list[str]) -> tuple[str, ...]:
    """Trim names, name empty ones after their position, and number repeats: ``Name (2)``."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for position, raw in enumerate(names, start=1):
        name = raw.replace("\ufeff", "").strip() or f"column_{position}"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return tuple(out)


def two_row_header(first: list[str], second: list[str]) -> bool:
    """SurveyMonkey's sub-answer row: blank under the metadata, ``Response`` under questions."""
    if not second or second[0].strip():
        return False
    labels = {cell.strip().lower() for cell in second if cell.strip()}
    return bool(labels & _SUB_LABELS) or first[0].strip().lower() == "respondent id"


def merge_header(first: list[str], second: list[str]) -> list[str]:
    """SurveyMonkey: carry each question forward over its options; ``Question - Option``."""
    merged: list[str] = []
    question = ""
    for index, top in enumerate(first):
        question = top.strip() or question
        sub = second[index].strip() if index < len(second) else ""
        if not sub or (top.strip() and sub.lower() in _SUB_LABELS):
            merged.append(question)
        else:
            merged.append(f"{question} - {sub}")
    return merged


def sniff_layout(
    path: Path,
    encoding: str,
    *,
    delimiter: str | None = None,
    names: list[str] | None = None,
) -> Layout:
    """Decide the layout of a delimited file from its decoded head.

    A mapping may fix what the head cannot tell: the ``delimiter`` (``whitespace`` for aligned
    logs) and the column ``names`` of a file without a header row.
    """
    text, whole = read_sample(path, encoding)
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    skipped, commented = _comment_lines(lines)
    layout = _layout(path, encoding, lines, skipped, commented, whole, delimiter, names)
    return replace(layout, preamble=preamble_pairs(lines[:skipped]))


def _layout(
    path: Path,
    encoding: str,
    lines: list[str],
    skipped: int,
    commented: bool,
    whole: bool,
    delimiter: str | None,
    names: list[str] | None,
) -> Layout:
    """The layout of the sample's ``lines`` after the ``skipped`` comment lines."""
    body = "".join(lines[skipped:])
    if not body.strip() and names is None:
        raise InputError("the file has no header row", file=str(path))
    if delimiter == WHITESPACE or (names is not None and not body.strip()):
        return _plain_layout(path, encoding, delimiter or ",", skipped, body, names)
    delimiter = delimiter or sniff_delimiter(body, whole)
    if names is not None:
        return _plain_layout(path, encoding, delimiter, skipped, body, names)
    records = _records(body, delimiter, whole)
    if not records:
        raise InputError("the file has no header row", file=str(path))
    # Preamble rows (Google Ads' title and date range) are narrower than the table: one-cell
    # rows do not vote, or a file cut after its first rows would take its title for the header.
    wide = [r for r in records if len(r) > 1]
    width, _ = _modal_width(wide or records)
    skip_records = next(i for i, r in enumerate(records) if len(r) == width)
    records = records[skip_records:]
    first = records[0]
    header_rows = 1
    if len(records) > 1 and two_row_header(first, records[1]):
        first, header_rows = merge_header(first, records[1]), 2
    return Layout(
        encoding=encoding,
        delimiter=delimiter,
        skip_lines=skipped,
        header=clean_header(first),
        header_rows=header_rows,
        commented=commented,
        skip_records=skip_records,
    )


def _plain_layout(
    path: Path,
    encoding: str,
    delimiter: str,
    skipped: int,
    body: str,
    names: list[str] | None,
) -> Layout:
    """A layout fixed by the mapping: the header is ``names``, or the first line's words."""
    if names is None:  # a whitespace-aligned file with its own header line
        header, header_rows = clean_header(body.split("\n", 1)[0].split()), 1
    else:
        header, header_rows = clean_header(names), 0
    return Layout(
        encoding=encoding,
        delimiter=delimiter,
        skip_lines=skipped,
        header=header,
        header_rows=header_rows,
        commented=False,
    )
