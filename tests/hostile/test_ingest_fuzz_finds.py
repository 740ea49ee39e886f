"""Files the fuzzer (``test_fuzz.py``) built from the vendor fixtures that once crashed
`crmroi import` or lost rows: each is rebuilt here from its fixture and imported through the CLI.
"""

from __future__ import annotations

from pathlib import Path

from tests.hostile.ingest_probe import crmroi_import

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"


def _fixture(name: str) -> str:
    return (EXPORTS / name).read_text(encoding="utf-8")


def test_utf16_cut_at_an_odd_byte_is_refused(tmp_path: Path) -> None:
    """Nutshell people with a `"` at offset 1, as UTF-16-LE (no BOM) cut after 367 bytes:
    183½ characters, so the file was cut inside one (was `UnicodeDecodeError ... truncated`)."""
    text = _fixture("nutshell_people.csv")
    path = tmp_path / "nutshell_people.csv"
    path.write_bytes((text[:1] + '"' + text[1:]).encode("utf-16-le")[:367])
    done = crmroi_import(tmp_path, path)
    assert done.exit_code == 2 and done.files == []
    assert done.error("nutshell_people.csv").endswith(
        "nutshell_people.csv: the file is UTF-16-LE but ends 1 byte(s) into a character: it "
        "was cut off (copy or export it again)"
    )


def test_a_byte_that_breaks_a_utf8_bom_file_is_refused_naming_its_line(tmp_path: Path) -> None:
    """Nutshell companies with a UTF-8 BOM, CRLF, and the cp1252 byte 0x99 in `Manu?acturing`
    (line 2: the header is line 1). The BOM makes UTF-8 certain, so the byte is damage: it was
    `ArrowInvalid: invalid UTF8 data`, then loaded silently as `Manu�acturing`."""
    text = _fixture("nutshell_companies.csv").replace("\n", "\r\n")
    raw = ("\ufeff" + text).encode().replace(b"Manufacturing", b"Manu\x99acturing")
    path = tmp_path / "nutshell_companies.csv"
    path.write_bytes(raw)
    done = crmroi_import(tmp_path, path)
    assert done.exit_code == 2 and done.files == []
    assert done.error("nutshell_companies.csv").endswith(
        "nutshell_companies.csv: the file is UTF-8 (it starts with a byte-order mark) but line 2 "
        "holds bytes that are not UTF-8 (b'example,Manu\\x99acturing,Cus'): save it again as "
        "UTF-8"
    )


def test_a_bad_byte_in_a_ragged_row_is_refused_not_swallowed(tmp_path: Path) -> None:
    """A BOM'd UTF-8 file whose row 2 has an 11th field ending in the lone byte 0xCF: Arrow's
    invalid-row callback could not decode the row and the `UnicodeDecodeError` was only printed
    ("Exception ignored"; pytest's unraisable-exception check fails on it), while the row was
    quarantined with `extra�`. The file is refused naming line 3 instead."""
    lines = _fixture("nutshell_companies.csv").splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\n") + ",extra@\n"
    raw = ("\ufeff" + "".join(lines)).encode().replace(b"extra@", b"extra\xcf")
    path = tmp_path / "nutshell_companies.csv"
    path.write_bytes(raw)
    done = crmroi_import(tmp_path, path)
    assert done.exit_code == 2 and done.files == []
    assert done.error("nutshell_companies.csv").endswith(
        "but line 3 holds bytes that are not UTF-8 (b'y,West,extra\\xcf\\n'): save it again as "
        "UTF-8"
    )


def test_a_utf16_file_with_a_lone_surrogate_is_refused(tmp_path: Path) -> None:
    """UTF-16 with a BOM, whole code units, but the `e` of `Beta` (row 2, line 3) replaced by
    the unit 0xD800, a high surrogate with no low one after it: no character, so refused."""
    text = _fixture("nutshell_companies.csv").replace("Beta", "B\ud800ta")
    path = tmp_path / "nutshell_companies.csv"
    path.write_bytes(text.encode("utf-16", errors="surrogatepass"))
    done = crmroi_import(tmp_path, path)
    assert done.exit_code == 2 and done.files == []
    message = done.error("nutshell_companies.csv")
    assert message.endswith(
        "the file is UTF-16 (it starts with a byte-order mark) but line 3 holds bytes that are "
        "not UTF-16 (b'\\x00\\xd8'): save it again as UTF-16"
    )


def test_ga4_export_with_doubled_line_breaks_loads_every_row(tmp_path: Path) -> None:
    """The GA4 traffic-acquisition fixture with a BOM and every line break doubled: its two
    tables (2 days; 2 channels and a Grand total) are separated by three blank lines, and each
    single blank line is a line break. Taking each blank line for the end of a table read 0 rows
    of each without a word (earlier an `ArrowNotImplementedError` in the date parser)."""
    text = _fixture("ga4_ui_traffic_acquisition.csv")
    doubled = "".join(line + "\n\n" for line in text.splitlines())
    path = tmp_path / "ga4_ui_traffic_acquisition.csv"
    path.write_bytes(("\ufeff" + doubled).encode())
    done = crmroi_import(tmp_path, path)
    assert done.exit_code == 0, done.output
    counts = [(f["rows_read"], f["rows_loaded"], f["rows_quarantined"]) for f in done.files]
    assert counts == [(2, 2, 0), (2, 2, 0)]  # the Grand total row is not data
    rows = done.rows("web_traffic", "count(*)", "sum(sessions)")
    assert rows == [(4, 120 + 98 + 150 + 68)]


def test_ga4_export_of_empty_tables_keeps_its_tables_apart(tmp_path: Path) -> None:
    """The fixture with its four data rows removed: two headers with a blank line between them,
    like the doubled file, but its preamble lines are not double-spaced, so the blank line ends
    the first table and the second header is not read as a data row of the first."""
    lines = _fixture("ga4_ui_traffic_acquisition.csv").splitlines()
    kept = [line for line in lines if not line[:1].isdigit() and not line.startswith("Organic")]
    kept = [line for line in kept if not line.startswith(("Direct", "Grand total"))]
    path = tmp_path / "ga4_ui_traffic_acquisition.csv"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert kept[-3:] == [
        "Date,Sessions,Engaged sessions,Engagement rate",
        "",
        "Session primary channel group (Default Channel Group),Sessions,Engaged sessions,"
        "Engagement rate",
    ]
    done = crmroi_import(tmp_path, path)
    assert done.exit_code == 0, done.output
    counts = [(f["rows_read"], f["rows_loaded"], f["rows_quarantined"]) for f in done.files]
    assert counts == [(0, 0, 0), (0, 0, 0)]
