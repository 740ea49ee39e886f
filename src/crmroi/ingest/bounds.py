"""Check what a workbook claims before the spreadsheet reader believes it.

python-calamine allocates a sheet as one dense grid from its first to its last used cell, so a
1.6 KB XLSX holding a single cell at ``XFD1048576`` asks for 17 billion cells (512 GiB) and the
process aborts in Rust, where no Python error can catch it. An XLSX is a zip of XML: before the
reader sees it, the zip's uncompressed size is bounded (against zip bombs) and the cell
references of every worksheet are scanned in a stream to bound the grid it spans.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from pathlib import Path

from crmroi.errors import InputError

MAX_UNCOMPRESSED = 2 << 30
"""Bytes a workbook may unpack to (2 GiB: far beyond any export of a million rows)."""
MAX_CELLS = 50_000_000
"""Cells the dense grid of one sheet may span (about 1.6 GB in the reader)."""
MAX_RATIO = 200
"""Uncompressed / compressed size of one member above which it counts as a zip bomb."""
BOMB_BYTES = 64 << 20
"""Members smaller than this are never called a bomb, however well they compress."""
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"")
_CHUNK = 1 << 20
ZIP_SUFFIXES = {".xlsx", ".xlsm"}


def _column_number(letters: bytes) -> int:
    number = 0
    for byte in letters:
        number = number * 26 + (byte - 64)
    return number


def check_workbook(path: Path) -> None:
    """Raise :class:`InputError` when the workbook would unpack or spread beyond the bounds."""
    if path.suffix.lower() not in ZIP_SUFFIXES:
        return
    try:
        with zipfile.ZipFile(path) as book:
            members = book.infolist()
            total = sum(m.file_size for m in members)
            if total > MAX_UNCOMPRESSED:
                raise InputError(
                    f"the workbook unpacks to {total:,} bytes, over the limit of "
                    f"{MAX_UNCOMPRESSED:,}: export it as CSV",
                    file=str(path),
                )
            for member in members:
                ratio = member.file_size / max(member.compress_size, 1)
                if member.file_size > BOMB_BYTES and ratio > MAX_RATIO:
                    raise InputError(
                        f"{member.filename} unpacks to {ratio:,.0f} times its size "
                        "(a zip bomb?): refused",
                        file=str(path),
                    )
                if member.filename.startswith("xl/worksheets/") and member.filename.endswith(
                    ".xml"
                ):
                    _check_sheet(path, book, member.filename)
    except zipfile.BadZipFile as exc:
        raise InputError(f"not a valid XLSX workbook (a zip file): {exc}", file=str(path)) from None


def _check_sheet(path: Path, book: zipfile.ZipFile, name: str) -> None:
    """Stream the sheet's XML and bound the grid from its first to its last cell reference."""
    rows: list[int] = []
    cols: list[int] = []
    tail = b""
    with book.open(name) as handle:
        for block in itertools.chain(iter(lambda: handle.read(_CHUNK), b""), [b""]):
            text = tail + block
            cut = text.rfind(b"<") if block else len(text)
            for letters, digits in _CELL_REF.findall(text[: max(cut, 0)]):
                rows.append(int(digits))
                cols.append(_column_number(letters))
            tail = text[max(cut, 0) :]
            if len(rows) > 4096:  # keep only the extremes found so far
                rows, cols = [min(rows), max(rows)], [min(cols), max(cols)]
    if not rows:
        return
    height, width = max(rows) - min(rows) + 1, max(cols) - min(cols) + 1
    if height * width > MAX_CELLS:
        raise InputError(
            f"sheet {name.rsplit('/', 1)[-1]} spans {height:,} rows × {width:,} columns "
            f"({height * width:,} cells, limit {MAX_CELLS:,}); its cells reach "
            f"row {max(rows):,}, column {max(cols):,}: delete the stray cells or export it as CSV",
            file=str(path),
        )
