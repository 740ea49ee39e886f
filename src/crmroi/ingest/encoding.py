"""Find a text file's character encoding: UTF-8 (with or without BOM), UTF-16, or what Excel wrote.

German Excel saves "CSV" as cp1252; Meta exports some reports as UTF-16; most tools write UTF-8,
sometimes with a BOM. DuckDB cannot read cp1252 offline, so crmroi decodes in Python (through
Arrow's transcoding reader) and hands Arrow to the engine.

The order of evidence: a byte-order mark is certain; a file that decodes as UTF-8 from its first
byte to its last is UTF-8 (checked in 1 MiB blocks, so memory stays bounded); NUL bytes on every
other position mean UTF-16 without a BOM; otherwise charset-normalizer guesses from a sample, and
the guess is narrowed to the single-byte encodings real exports use (cp1252 when unsure,
ISO 8859-15 when that fits better, Latin-1 when a byte is undefined in cp1252).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from crmroi.errors import InputError

BLOCK = 1 << 20
SAMPLE = 4 << 20

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SINGLE_BYTE = {
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",
    "iso8859_15": "iso8859_15",
}
"""The candidates charset-normalizer chooses among. DOS and Mac code pages are left out: on short
German samples they win by accident (``ß`` scores as cp850), and exports are not written in them."""
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
_C1_RANGE = frozenset(range(0x80, 0xA0))


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            for block in iter(lambda: handle.read(BLOCK), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _utf16_without_bom(head: bytes) -> str | None:
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _single_byte(sample: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["cp1252", "iso8859_15"]).best()
    guess = _SINGLE_BYTE.get(best.encoding if best is not None else "", "cp1252")
    if guess == "iso8859_15" and _C1_RANGE.intersection(sample) - _CP1252_UNDEFINED:
        # Bytes 0x80-0x9F are control characters in ISO 8859, which text never holds, and
        # printable in cp1252 (0x80 is €): a short sample can fool the statistical guess.
        guess = "cp1252"
    if guess == "cp1252" and _CP1252_UNDEFINED.intersection(sample):
        return "latin-1"
    return guess


def detect_encoding(path: Path) -> str:
    """The Python codec name to read ``path`` with; see the module docstring for the order.

    Files no encoding reads right are refused, naming what is wrong: binary content, UTF-16 cut
    in the middle of a character, lines in UTF-8 mixed with lines in a single-byte encoding
    (decoding them all one way would load ``MÃ¼ller`` or ``M�ller`` without a word), bytes
    the encoding a byte-order mark declares cannot decode.
    """
    with path.open("rb") as handle:
        head = handle.read(SAMPLE)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return _decodes(
                path, _whole_units(path, name, len(bom)), "it starts with a byte-order mark"
            )
    utf16 = _utf16_without_bom(head[:4096])
    if utf16 is not None:
        return _decodes(path, _whole_units(path, utf16, 0), "every other byte is NUL")
    nul = head.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"binary content (a NUL byte at byte {nul:,}): not a text export; "
            "give CSV/TSV, XLSX, Parquet or JSON",
            file=str(path),
        )
    if _is_utf8(path):
        return "utf-8"
    _refuse_mixed(path)
    return _single_byte(head)


def _whole_units(path: Path, name: str, bom: int) -> str:
    """UTF-16/32 text is whole code units; an odd tail means the file was cut off."""
    if not name.startswith("utf-16") and not name.startswith("utf-32"):
        return name
    unit = 4 if name.startswith("utf-32") else 2
    extra = (path.stat().st_size - bom) % unit
    if extra:
        raise InputError(
            f"the file is {name.upper()} but ends {extra} byte(s) into a character: it was cut "
            "off (copy or export it again)",
            file=str(path),
        )
    return name


def _decodes(path: Path, name: str, evidence: str) -> str:
    """``name`` when the whole file decodes with it; else refuse, naming the first bad line.

    A byte-order mark (or UTF-16's NUL pattern) makes the encoding certain, so a byte that does
    not decode is damage or a line pasted from elsewhere: read on, it would load as ``�`` (or
    stop Arrow's reader half-way), so the file is refused instead.
    """
    decoder = codecs.getincrementaldecoder(name)()
    lines = 0
    with path.open("rb") as handle:
        try:
            for block in iter(lambda: handle.read(BLOCK), b""):
                lines += decoder.decode(block).count("\n")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            before = exc.object[: exc.start].decode(name, errors="replace")
            line = lines + before.count("\n") + 1
            # UTF-8 context reads as text; in UTF-16/32 only the bad unit itself is legible
            around = 12 if name.startswith("utf-8") else 0
            shown = exc.object[max(exc.start - around, 0) : exc.end + around]
            label = name.upper().removesuffix("-SIG")
            raise InputError(
                f"the file is {label} ({evidence}) but line {line:,} holds bytes that are not "
                f"{label} ({shown!r}): save it again as {label}",
                file=str(path),
            ) from None
    return name


def _refuse_mixed(path: Path) -> None:
    """Raise when some lines are UTF-8 (with non-ASCII letters) and others are not UTF-8."""
    utf8: tuple[int, str] | None = None
    other: tuple[int, bytes] | None = None
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.isascii():
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                other = other or (number, line[max(exc.start - 12, 0) : exc.end + 12])
            else:
                utf8 = utf8 or (number, text)
            if utf8 and other:
                word = next(w for w in re.split(r"[\s,;|]+", utf8[1]) if not w.isascii())[:40]
                raise InputError(
                    f"the file mixes encodings: line {utf8[0]:,} is UTF-8 ({word!r}) but line "
                    f"{other[0]:,} is not ({other[1]!r}, likely cp1252); read as one encoding "
                    "either would garble names: save it again as UTF-8",
                    file=str(path),
                )


def arrow_encoding(name: str) -> str:
    """The name to give Arrow's CSV reader: it skips a UTF-8 BOM itself and wants plain utf8."""
    return "utf8" if name in {"utf-8", "utf-8-sig"} else name
