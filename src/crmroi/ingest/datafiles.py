"""Which files in a folder are data: a folder `crmroi synth` wrote also holds truth.json.

Importing a folder takes the files a reader can open as a table and skips the rest with a reason,
so a README, a notes file or a JSON document (an object of settings, not records) does not fail
the import. A file named on its own is not judged here: the reader says why it cannot load it.
"""

from __future__ import annotations

import json
from pathlib import Path

from crmroi.ingest.readers import (
    EXCEL_SUFFIXES,
    JSON_SUFFIXES,
    PARQUET_SUFFIXES,
    TEXT_SUFFIXES,
)

DATA_SUFFIXES = TEXT_SUFFIXES | EXCEL_SUFFIXES | JSON_SUFFIXES | PARQUET_SUFFIXES
HEAD_BYTES = 4096


def folder_files(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The data files in ``folder`` (name order) and the others, each with why it was skipped.

    Hidden files (``.DS_Store``) and sub-folders are passed over without a word.
    """
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        reason = not_data(path)
        if reason is None:
            files.append(path)
        else:
            skipped.append((path, reason))
    return files, skipped


def not_data(path: Path) -> str | None:
    """Why ``path`` is not a table crmroi reads, or None when it is one."""
    suffix = path.suffix.lower()
    if suffix not in DATA_SUFFIXES:
        return f"not a data file ({suffix or 'no extension'})"
    if suffix in JSON_SUFFIXES:
        return _json_not_table(path)
    return None


def _json_not_table(path: Path) -> str | None:
    """A JSON table is an array of objects or one object a line; anything else is a document.

    Only the head is read: the first line of newline-delimited records parses on its own, an
    object spread over several lines (a settings or truth file) does not.
    """
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n")
        handle.seek(0)
        first_line = next((line for line in handle if line.strip()), b"")
    if head.startswith(b"["):
        if head[1:].lstrip(b" \t\r\n")[:1] in {b"{", b"]"}:
            return None
        return "a JSON array of values, not of records"
    if head.startswith(b"{"):
        try:
            record = json.loads(first_line.decode("utf-8-sig").strip())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return "a JSON document, not records (an array of objects or one object a line)"
        return None if isinstance(record, dict) else "not JSON records"
    return "not JSON records (an array of objects or one object a line)"
