"""Readers: encodings, delimiters, header position, trailers, several tables, spreadsheets."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
import xlsxwriter

from crmroi.errors import InputError
from crmroi.ingest.encoding import detect_encoding
from crmroi.ingest.mapping import FileSpec
from crmroi.ingest.readers import ROW, open_source
from crmroi.ingest.result import RowRejection

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"


def read_all(path: Path, section: int = 0) -> tuple[pa.Table, list[RowRejection]]:
    src = open_source(path)
    rejected: list[RowRejection] = []
    batches = list(src.batches(src.sections[section], rejected))
    return pa.Table.from_batches(batches), rejected


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("hubspot_deals_de.csv", "cp1252"),
        ("meta_ads_campaigns.csv", "utf-16"),
        ("google_ads_weekly.csv", "utf-8-sig"),
        ("hubspot_deals_en.csv", "utf-8-sig"),
        ("pipedrive_deals.csv", "utf-8"),
    ],
)
def test_encodings(name: str, encoding: str) -> None:
    assert detect_encoding(EXPORTS / name) == encoding


def test_cp1252_semicolon_decimal_comma_with_newline_in_quotes() -> None:
    table, rejected = read_all(EXPORTS / "hubspot_deals_de.csv")
    assert open_source(EXPORTS / "hubspot_deals_de.csv").layout.delimiter == ";"
    assert table.column("Deal-Name").to_pylist()[0] == "Müller GmbH Verlängerung"
    assert table.column("Deal-Name").to_pylist()[2] == "Straße & Söhne\r\nPilot"
    assert table.column("Betrag").to_pylist()[:3] == ["1.234,56", "12.000,00", "-1.000"]
    assert table.column(ROW).to_pylist() == [1, 2, 3, 4]
    assert not rejected


def test_salesforce_trailer_rows_are_not_data() -> None:
    table, rejected = read_all(EXPORTS / "salesforce_opportunity_report.csv")
    assert table.num_rows == 4
    assert "Grand Totals (4 records)" not in table.column("Opportunity Owner").to_pylist()
    assert not rejected


def test_ga4_comments_and_two_tables() -> None:
    src = open_source(EXPORTS / "ga4_ui_traffic_acquisition.csv")
    assert [s.header[0] for s in src.sections] == [
        "Date",
        "Session primary channel group (Default Channel Group)",
    ]
    first, _ = read_all(EXPORTS / "ga4_ui_traffic_acquisition.csv", 0)
    second, _ = read_all(EXPORTS / "ga4_ui_traffic_acquisition.csv", 1)
    assert first.column("Date").to_pylist() == ["20240101", "20240102"]
    assert second.column(0).to_pylist() == ["Organic Search", "Direct"]  # no "Grand total"


def test_surveymonkey_two_row_header_is_merged() -> None:
    src = open_source(EXPORTS / "surveymonkey_nps.csv")
    header = src.sections[0].header
    assert header[9] == "How likely is it that you would recommend us to a friend or colleague?"
    assert header[12:14] == (
        "Which channels do you use? - Email",
        "Which channels do you use? - Phone",
    )
    table, _ = read_all(EXPORTS / "surveymonkey_nps.csv")
    assert table.num_rows == 3
    assert table.column(ROW).to_pylist() == [1, 2, 3]


def test_google_ads_title_rows_before_the_header_and_total_rows() -> None:
    table, _ = read_all(EXPORTS / "google_ads_weekly.csv")
    assert table.schema.names[:2] == ["Campaign", "Week"]
    assert table.num_rows == 3


def test_a_row_with_the_wrong_width_is_rejected_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('a,b\n1,2\n"3\n3",4,5\n6,7\n')
    table, rejected = read_all(path)
    assert table.column("a").to_pylist() == ["1", "6"]
    assert table.column(ROW).to_pylist() == [1, 3]
    assert [(r.row_number, r.reason) for r in rejected] == [(2, "expected 2 fields, found 3")]


def test_xlsx_with_typed_cells(tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    rows = [
        ["Kategorie", "Betrag", "Datum"],
        ["Lizenz", 1234.5, "01.02.2024"],
        [None, None, None],
        ["Schulung", 300, "05.02.2024"],
    ]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    table, _ = read_all(path)
    assert table.column("Betrag").to_pylist() == ["1234.5", "300"]
    assert table.column(ROW).to_pylist() == [1, 3]


def test_parquet_and_ndjson_keep_types_and_flatten_records(tmp_path: Path) -> None:
    table, _ = read_all(EXPORTS / "ga4_events.ndjson")
    assert table.num_rows == 6
    assert "traffic_source.source" in table.schema.names
    pq_path = tmp_path / "events.parquet"
    import pyarrow.parquet as pq

    pq.write_table(table.drop_columns([ROW]), pq_path)
    again, _ = read_all(pq_path)
    assert again.column("event_timestamp").type == pa.int64()


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot read '\.pdf'"):
        (tmp_path / "a.pdf").write_text("x")
        open_source(tmp_path / "a.pdf")
    with pytest.raises(InputError, match="no such file"):
        open_source(tmp_path / "missing.csv")


def test_fast_and_exact_readers_agree_across_the_seam(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arrow reads blocks until a malformed line, then the exact reader carries on from the same
    data row: with tiny blocks the seam falls mid-file, and the rows must still be numbered as
    the exact reader alone numbers them (empty lines do not count; `;;` rows count, then drop).
    """
    import crmroi.ingest.delimited as delimited

    lines = ["a;b;c"]
    for i in range(1, 400):
        lines.append(f"{i};x{i};y" if i % 37 else ";;")
        if i % 50 == 0:
            lines.append("")
    lines.insert(300, "broken;line")
    path = tmp_path / "seam.csv"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(delimited, "BLOCK_BYTES", 1 << 10)
    fast, fast_rejected = read_all(path)
    src = open_source(path)
    exact_rejected: list[RowRejection] = []
    assert src.layout is not None
    exact = pa.Table.from_batches(
        list(delimited.exact_batches(path, src.layout, src.sections[0], exact_rejected))
    )
    assert fast.column("a").to_pylist() == exact.column("a").to_pylist()
    assert fast.column(ROW).to_pylist() == exact.column(ROW).to_pylist()
    assert [r.row_number for r in fast_rejected] == [r.row_number for r in exact_rejected] == [295]
    assert fast.num_rows == 399 - 399 // 37  # the `;;` rows are not data; 5 empty lines, 1 broken


def test_whitespace_aligned_file_without_header(tmp_path: Path) -> None:
    """CDNOW-style: leading blanks, runs of blanks, CRLF, no header; blank lines are not rows,
    a short line is rejected with its raw values and its row number."""
    path = tmp_path / "log.txt"
    path.write_bytes(
        b"    4   1 19970101  2  29.33\r\n"
        b"    4   1 19970118  2  29.73\r\n"
        b"\r\n"
        b"   18   2 19970101\r\n"
        b"   21   3 19970101  3  63.34\r\n"
    )
    names = ["sample", "customer", "date", "cds", "dollars"]
    src = open_source(path, FileSpec(delimiter="whitespace", names=names))
    assert src.layout is not None and src.layout.header == tuple(names)
    rejected: list[RowRejection] = []
    table = pa.Table.from_batches(list(src.batches(src.sections[0], rejected)))
    assert table.column("customer").to_pylist() == ["1", "1", "3"]
    assert table.column("dollars").to_pylist() == ["29.33", "29.73", "63.34"]
    assert table.column(ROW).to_pylist() == [1, 2, 4]
    assert [(r.row_number, r.reason) for r in rejected] == [(3, "expected 5 fields, found 3")]
    assert rejected[0].raw == '["18", "2", "19970101"]'


def test_whitespace_aligned_file_with_its_own_header(tmp_path: Path) -> None:
    path = tmp_path / "aligned.txt"
    path.write_text("id    amount  day\n 1    10.5    2024-01-02\n22     3      2024-01-03\n")
    src = open_source(path, FileSpec(delimiter="whitespace"))
    assert src.layout is not None and src.layout.header == ("id", "amount", "day")
    table = pa.Table.from_batches(list(src.batches(src.sections[0])))
    assert table.column("id").to_pylist() == ["1", "22"]
    assert table.column(ROW).to_pylist() == [1, 2]


def test_names_for_a_headerless_csv_keep_the_first_line_as_data(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("1;Alpha;3\n2;Beta;4\n")
    src = open_source(path, FileSpec(names=["id", "name", "n"]))
    assert src.layout is not None and src.layout.delimiter == ";"
    table = pa.Table.from_batches(list(src.batches(src.sections[0])))
    assert table.column("name").to_pylist() == ["Alpha", "Beta"]
    assert table.column(ROW).to_pylist() == [1, 2]


def test_file_names_must_be_distinct() -> None:
    with pytest.raises(ValueError, match="each column once"):
        FileSpec(names=["a", "a"])


def test_euro_sign_alone_decides_cp1252(tmp_path: Path) -> None:
    """0x80 is `€` in cp1252 and a control character in ISO 8859-15; a short file whose only
    non-ASCII byte is a euro sign (found by Hypothesis) must read as cp1252."""
    path = tmp_path / "euro.csv"
    path.write_bytes(b'id,text\nR1,\nR2,b\nR3,"b\x80;a"\n')
    assert detect_encoding(path) == "cp1252"
    table, _ = read_all(path)
    assert table.column("text").to_pylist() == [None, "b", "b€;a"]
