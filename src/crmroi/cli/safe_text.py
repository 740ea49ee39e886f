"""Data as inert text: control characters made visible, spreadsheet formulas neutralised.

Names in a workspace come from files anyone can write. Printed raw, an ESC or OSC-8 sequence
recolours the terminal or plants a clickable link, a BIDI override reorders what the reader
sees, and in a CSV opened in a spreadsheet a leading ``=`` runs a formula. Everything the CLI
prints from data passes through here first.
"""

from __future__ import annotations

import re

_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f"  # C0, DEL and C1 controls (ESC, BEL, CSI, OSC …)
    "\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)
"""Characters a terminal acts on, or that reorder or hide text (Trojan-source BIDI controls)."""

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters a spreadsheet reads as a formula (OWASP CSV injection)."""

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def visible(text: str) -> str:
    r"""``text`` with every control or invisible formatting character written out (``\e``)."""
    return _INVISIBLE.sub(_visible, text)


def csv_cell(text: str) -> str:
    """A CSV field that a spreadsheet shows as text: formula starts get a leading ``'``.

    A plain number written as text (``-12.5``) is left alone: it cannot run anything, and a
    quote would turn a genuine negative figure into a string.
    """
    text = visible_in_csv(text)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def visible_in_csv(text: str) -> str:
    """Control characters made visible except tab, CR and LF, which CSV quoting carries."""
    return _INVISIBLE.sub(lambda m: m.group() if m.group() in "\t\r\n" else _visible(m), text)


def json_escaped(text: str) -> str:
    r"""JSON text with C1 controls and BIDI/invisible characters as ``\uXXXX`` escapes.

    ``json.dumps`` escapes C0 controls itself (so the line breaks left are structure) but lets
    these through with ``ensure_ascii=False``; the escaped document decodes to the same data.
    """
    return _INVISIBLE.sub(
        lambda m: m.group() if ord(m.group()) < 0x7F else f"\\u{ord(m.group()):04x}", text
    )
