"""Hostile spreadsheets, Parquet and JSON through `crmroi import --table deals`.

A crafted XLSX claiming a cell at XFD1048576 aborted the process (the reader allocated 512 GiB);
damaged Parquet was an internal error; canonical XLSX and JSON were refused as "no preset
matches". All files here are imported in one run; each is refused with a one-line message naming
it, or loads with read = loaded + quarantined.
"""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from tests.hostile.ingest_probe import Imported, crmroi_import, reconciled

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def far_cell_workbook(path: Path) -> None:
    """A 1.5 KB XLSX: `deal_id` in A1 and one number at XFD1048576, the last cell a sheet has."""
    sheet = (
        f'<worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>deal_id</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
    )
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{RELS}/officeDocument"'
            ' Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="Sheet1" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{RELS}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)


def canonical_workbook(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["deal_id", "name", "status", "amount", "created_at"])
    sheet.write_row(1, 0, ["x1", "Alpha", "won", 1200.5])
    sheet.write_datetime(1, 4, datetime(2024, 3, 1), dates)
    sheet.write_row(2, 0, ["x2", "Beta", "maybe", 7, "2024-03-02"])
    book.close()


def zip_bomb_workbook(path: Path) -> None:
    """A valid workbook whose sheet member is 80 MiB of blanks, compressed to about 80 KB."""
    canonical_workbook(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/worksheets/sheet2.xml", b" " * (80 << 20))


def parquet_bytes(path: Path) -> bytes:
    table = pa.table({"deal_id": ["p1", "p2"], "name": ["P", "Q"], "status": ["won", "won"]})
    table = table.append_column("amount", pa.array([5.0, float("nan")]))
    table = table.append_column("created_at", pa.array([datetime(2024, 1, 1)] * 2))
    pq.write_table(table, path)
    return path.read_bytes()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    folder = tmp_path_factory.mktemp("files")
    far_cell_workbook(folder / "far-cell.xlsx")
    zip_bomb_workbook(folder / "bomb.xlsx")
    canonical_workbook(folder / "export.xlsx")
    (folder / "export.json").write_text(
        json.dumps(
            [
                {
                    "deal_id": "j1",
                    "name": "J",
                    "status": "won",
                    "amount": 5,
                    "created_at": "2024-1-1",
                },
                {"deal_id": "j2", "name": "K", "status": "open", "amount": None, "created_at": ""},
            ]
        )
    )
    (folder / "cut.json").write_text('[{"deal_id": "c1", "name": "C", "sta')
    whole = parquet_bytes(folder / "whole.parquet")
    (folder / "cut.parquet").write_bytes(whole[: len(whole) // 2])
    (folder / "random.parquet").write_bytes(b"PAR1" + bytes(range(200)) + b"PAR1")
    (folder / "control.csv").write_bytes(bytes(range(1, 256)) * 40)
    files = [
        "far-cell.xlsx",
        "bomb.xlsx",
        "export.xlsx",
        "export.json",
        "cut.json",
        "whole.parquet",
    ]
    files += ["cut.parquet", "random.parquet", "control.csv"]
    return crmroi_import(folder, *(folder / f for f in files), args=("--table", "deals"))


def test_a_far_cell_workbook_is_refused_before_reading(imported: Imported) -> None:
    assert imported.error("far-cell.xlsx").endswith(
        "far-cell.xlsx: sheet sheet1.xml spans 1,048,576 rows × 16,384 columns "
        "(17,179,869,184 cells, limit 50,000,000); its cells reach row 1,048,576, column "
        "16,384: delete the stray cells or export it as CSV"
    )
    assert (Path(imported.workspace).parent / "far-cell.xlsx").stat().st_size < 2000


def test_a_zip_bomb_workbook_is_refused(imported: Imported) -> None:
    """80 MiB of blanks deflate about 1,000-fold: refused before anything is unpacked."""
    message = imported.error("bomb.xlsx")
    assert "bomb.xlsx: xl/worksheets/sheet2.xml unpacks to " in message, message
    assert message.endswith("times its size (a zip bomb?): refused")
    size = (Path(imported.workspace).parent / "bomb.xlsx").stat().st_size
    assert size < 200_000


def test_canonical_xlsx_loads_with_table(imported: Imported) -> None:
    """Typed cells (a number, a date cell) and text cells; `maybe` is not a status."""
    reconciled(imported, "export.xlsx", read=2, loaded=1)
    assert imported.reasons("export.xlsx") == {2: "'maybe' is not one of open, won, lost"}
    assert imported.rows("deals", "deal_id", "amount", "created_at", where="deal_id = 'x1'") == [
        ("x1", 1200.5, datetime(2024, 3, 1))
    ]


def test_canonical_json_loads_with_table(imported: Imported) -> None:
    reconciled(imported, "export.json", read=2, loaded=1)
    assert imported.reasons("export.json") == {2: "required field 'created_at' is empty"}
    assert imported.rows("deals", "deal_id", "amount", where="deal_id = 'j1'") == [("j1", 5.0)]


def test_cut_json_is_one_line(imported: Imported) -> None:
    message = imported.error("cut.json")
    assert "cut.json: cannot parse the JSON:" in message and "\n" not in message


def test_parquet_loads_and_damaged_parquet_is_refused(imported: Imported) -> None:
    """A NaN in a typed Parquet column is quarantined like the text `NaN` of a CSV."""
    reconciled(imported, "whole.parquet", read=2, loaded=1)
    (reason,) = imported.reasons("whole.parquet").values()
    assert reason.endswith("is not a finite number (infinite or NaN)"), reason
    for name in ("cut.parquet", "random.parquet"):
        message = imported.error(name)
        assert f"{name}: not a readable Parquet file:" in message, message
        assert len(message) < 400


def test_control_bytes_in_a_header_are_capped_and_escaped(imported: Imported) -> None:
    """10 KB of control and high bytes: no NUL, so it is text (cp1252), but its header shows
    as a few escaped, shortened names, never the file's bytes."""
    message = imported.error("control.csv")
    assert "no preset matches the columns ('\\x01\\x02" in message
    assert len(message) < 800 and all(c.isprintable() for c in message), message
