"""Hostile delimited text through `crmroi import`: quotes, encodings, line endings, cut files,
binary garbage, and the cases that already held (delimiters, ragged rows, quoted newlines, huge
fields, duplicate ids).

All files are imported in one `crmroi import` run; a file that cannot be read at all is refused
with a one-line message naming it, the others load or quarantine every row.
"""

from __future__ import annotations

import pytest

from tests.hostile.ingest_probe import Imported, crmroi_import, reconciled

HEADER = "deal_id,name,status,amount,created_at"
GOOGLE_ADS = (
    "\ufeffCampaign performance report\n"
    '"Week of Mar 4, 2024 - Mar 17, 2024"\n'
    "Campaign,Week,Campaign type,Currency code,Impr.,Clicks,Cost\n"
    'Brand search,"Week of Mar 4, 2024",Search,USD,"12,345",456,"1,234.56"\n'
)
HUGE = "x" * (2 << 20)
HUBSPOT = "Record ID,Deal Name,Deal Stage,Amount,Deal owner,Pipeline,Close Date,Create Date\n"


def _lines(prefix: str, *names: str, sep: str = ",") -> str:
    rows = [HEADER.replace(",", sep)]
    rows += [sep.join([f"{prefix}{i}", n, "won", "1", "2024-01-01"]) for i, n in enumerate(names)]
    return "\n".join(rows) + "\n"


FILES: dict[str, bytes] = {
    # an opening quote never closed: the rest of the file is one field
    "deals-unclosed.csv": (HEADER + '\nu1,"A,won,1,2024-01-01\nu2,B,won,1,2024-01-01\n').encode(),
    # a stray quote closed by the next one, two rows down: every reader merges the rows between
    "deals-stray.csv": (
        HEADER + '\nq1,"A,won,1,2024-01-01\nq2,B,won,1,2024-01-01\nq3,"C,won,1,2024-01-01\n'
        "q4,D,won,1,2024-01-01\n"
    ).encode(),
    "deals-mixed.csv": (HEADER + "\nm1,Müller GmbH,won,1,2024-01-01\n").encode()
    + "m2,Bäckerei,won,1,2024-01-01\n".encode("cp1252"),
    "deals-cr.csv": _lines("c", "A", "B").replace("\n", "\r").encode(),
    "hubspot-cr.csv": (HUBSPOT + "301,A,Closed Won,5,o,p,2024-02-01,2024-01-01\n")
    .replace("\n", "\r")
    .encode(),
    "deals-utf16cut.csv": _lines("w", "A").encode("utf-16")[:-1],
    "deals-nul.csv": b"\x00" * 20_000,
    "google-ads-cut.csv": GOOGLE_ADS[: GOOGLE_ADS.rindex("Mar 4, 2") + 8].encode(),
    # found by mutating the fixtures: both were internal errors
    "hubspot-header-only.csv": HUBSPOT.rstrip("\n").encode(),
    "hubspot-totals-only.csv": (HUBSPOT + "Grand Totals (0 records),,,,,,,\n").encode(),
    # the cases that already held
    "deals-cp1252.csv": _lines("k", "Müller", "Straße", sep=";").encode("cp1252"),
    "deals-utf16.csv": _lines("v", "Ölmühle").encode("utf-16"),
    "deals-tab.tsv": _lines("tab", "A", "B", sep="\t").encode(),
    "deals-pipe.csv": _lines("pipe", "A, Inc.", "B", sep="|").encode(),
    "deals-ragged.csv": (
        HEADER + "\nr1,A,won,1,2024-01-01\nr2,B,won,1,2024-01-01,extra\nr3,C,won\n"
        "r4,D,won,1,2024-01-01\n"
    ).encode(),
    "deals-newlines.csv": (
        HEADER + '\nl1,"two\nlines",won,1,2024-01-01\nl2,"a, b\r\nc",won,1,2024-01-01\n'
    ).encode(),
    "deals-huge.csv": (
        HEADER + f'\nh1,"{HUGE}",won,1,2024-01-01\nh2,B,won,1,2024-01-01\n'
    ).encode(),
    "deals-dupes.csv": (
        HEADER + "\nx1,A,won,1,2024-01-01\nx2,B,won,2,2024-01-01\nx1,C,lost,3,2024-01-01\n"
    ).encode(),
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    folder = tmp_path_factory.mktemp("text")
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
    return crmroi_import(folder, *(folder / name for name in FILES))


def test_an_unclosed_quote_says_what_it_swallowed(imported: Imported) -> None:
    """The quote opened on row 1 runs to the end of the file: one row read, quarantined with
    the reason saying the next line belongs to it (u2 is not silently lost)."""
    reconciled(imported, "deals-unclosed.csv", read=1, loaded=0)
    (reason,) = imported.reasons("deals-unclosed.csv").values()
    assert reason == (
        "expected 5 fields, found 2; a quote opened in field 2 is never closed: it runs over "
        "the next 1 line(s) to the end of the file, which are part of this rejected row"
    )


def test_a_stray_quote_never_merges_rows_silently(imported: Imported) -> None:
    """q1's stray quote is closed by q3's: readers see q1 with name `A,won,…\\nq2,…\\nq3,C`.
    That row is quarantined naming the swallowed line; q4 loads."""
    reconciled(imported, "deals-stray.csv", read=2, loaded=1)
    assert imported.reasons("deals-stray.csv") == {
        1: "a quote opened in this field runs over the next line(s), which look like rows of "
        "their own ('q2,B,won,1,2024-01-01'): a stray or unclosed quote merged them; fix the "
        "quote and import again"
    }
    assert imported.rows("deals", "deal_id", where="deal_id LIKE 'q%'") == [("q4",)]


def test_mixed_utf8_and_cp1252_is_refused_naming_both_lines(imported: Imported) -> None:
    """Line 2 is UTF-8, line 3 cp1252: read either way one name would be garbled (`MÃ¼ller`
    or `B�ckerei`), so the file is refused naming both lines."""
    message = imported.error("deals-mixed.csv")
    assert "the file mixes encodings: line 2 is UTF-8 ('Müller') but line 3 is not" in message
    assert "\\xe4ckerei" in message and "save it again as UTF-8" in message
    assert imported.rows("deals", "deal_id", where="deal_id LIKE 'm%'") == []


def test_cr_only_line_endings_read_as_lines(imported: Imported) -> None:
    """Classic-Mac `\\r` line ends: the rows load (it was "the file has no header row"), in a
    canonical file and through a preset."""
    reconciled(imported, "deals-cr.csv", read=2, loaded=2)
    assert reconciled(imported, "hubspot-cr.csv", read=1, loaded=1)["mapping"] == "hubspot-deals"


def test_utf16_cut_at_an_odd_byte(imported: Imported) -> None:
    message = imported.error("deals-utf16cut.csv")
    assert message.endswith(
        "deals-utf16cut.csv: the file is UTF-16 but ends 1 byte(s) into a character: it was "
        "cut off (copy or export it again)"
    )


def test_binary_garbage_gets_a_short_message(imported: Imported) -> None:
    """20,000 NUL bytes: one short line (it was a 20 KB message of escaped bytes)."""
    message = imported.error("deals-nul.csv")
    assert message.endswith(
        "deals-nul.csv: binary content (a NUL byte at byte 0): not a text export; give "
        "CSV/TSV, XLSX, Parquet or JSON"
    )
    assert len(message) < 300 and "\x00" not in message


def test_google_ads_export_cut_mid_row(imported: Imported) -> None:
    """The download stopped inside the first data row: the preset is still found (the report
    title is not taken for the header) and the cut row is quarantined saying so."""
    result = reconciled(imported, "google-ads-cut.csv", read=1, loaded=0)
    assert result["mapping"] == "google-ads-costs"
    (reason,) = imported.reasons("google-ads-cut.csv").values()
    # `Brand search,"Week of Mar 4, 2` is all that arrived: two fields, the second unclosed
    assert reason == "expected 7 fields, found 2; the file ends inside this row: it was cut off"


def test_cp1252_and_utf16_files_decode(imported: Imported) -> None:
    reconciled(imported, "deals-cp1252.csv", read=2, loaded=2)
    reconciled(imported, "deals-utf16.csv", read=1, loaded=1)
    names = imported.rows("deals", "deal_id", "name", where="deal_id LIKE 'k%' OR deal_id = 'v0'")
    assert names == [("k0", "Müller"), ("k1", "Straße"), ("v0", "Ölmühle")]


def test_tab_and_pipe_delimiters(imported: Imported) -> None:
    reconciled(imported, "deals-tab.tsv", read=2, loaded=2)
    reconciled(imported, "deals-pipe.csv", read=2, loaded=2)
    assert imported.rows("deals", "name", where="deal_id = 'pipe0'") == [("A, Inc.",)]


def test_ragged_rows_are_quarantined_with_their_width(imported: Imported) -> None:
    reconciled(imported, "deals-ragged.csv", read=4, loaded=2)
    assert imported.reasons("deals-ragged.csv") == {
        2: "expected 5 fields, found 6",
        3: "expected 5 fields, found 3",
    }


def test_quoted_newlines_stay_in_their_field(imported: Imported) -> None:
    """A note over two lines, with a comma and CRLF inside quotes, is one legitimate value."""
    reconciled(imported, "deals-newlines.csv", read=2, loaded=2)
    names = imported.rows("deals", "deal_id", "name", where="deal_id LIKE 'l%'")
    assert names == [("l1", "two\nlines"), ("l2", "a, b\r\nc")]


def test_a_two_megabyte_field_loads(imported: Imported) -> None:
    reconciled(imported, "deals-huge.csv", read=2, loaded=2)
    (length,) = imported.rows("deals", "length(name)", where="deal_id = 'h1'")
    assert length == (len(HUGE),)


def test_duplicate_ids_name_the_first_row(imported: Imported) -> None:
    reconciled(imported, "deals-dupes.csv", read=3, loaded=2)
    assert imported.reasons("deals-dupes.csv") == {3: "duplicate key 'x1' (first seen on row 1)"}


def test_a_header_without_rows_or_line_end(imported: Imported) -> None:
    """A vendor header with no line break after it, and one whose only row is a trailer:
    nothing to load, recorded as 0 read (they were internal errors from Arrow)."""
    for name in ("hubspot-header-only.csv", "hubspot-totals-only.csv"):
        assert reconciled(imported, name, read=0, loaded=0)["mapping"] == "hubspot-deals"
