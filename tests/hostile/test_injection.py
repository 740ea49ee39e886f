"""Injection payloads in every name that reaches a report, the terminal or a CSV (issue 16).

The small simulated company is written to CSV with its campaign, workflow, user, account and deal
names replaced by attack strings, imported through the real import path, and reported on. Each
test asserts the safe outcome: the payload is shown as literal text, never executed, evaluated,
rendered as markup or turned into a formula, and no table is harmed.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from crmroi import open_workspace
from crmroi.config import load_config
from crmroi.ingest import import_file

pytestmark = pytest.mark.slow

FORMULA = "=1+1"
MARKUP = "[bold red]X[/bold red][link=http://evil.example]L[/link]"
ANSI = "\x1b[31mRED\x1b]8;;http://evil.example\x1b\\L\x1b]8;;\x1b\\"
SCRIPT = "</script><script>alert(1)</script>"
TEMPLATE = "{{7*7}}"
SQL = "'; DROP TABLE deals;--"
PATH = "../../etc/passwd"
PAYLOADS = (FORMULA, MARKUP, ANSI, SCRIPT, TEMPLATE, SQL, PATH)
"""In this order so that even the four workflows carry a formula, markup, ANSI and a script."""
NAMED = (("campaigns", "name"), ("workflows", "name"), ("users", "name"), ("accounts", "name"))
CRMROI = str(Path(sys.executable).parent / "crmroi")
ATTRIBUTION = ("--level", "campaign", "--bootstrap", "0")
SRC = str(Path(__file__).resolve().parents[2] / "src")


@dataclass(frozen=True)
class Hostile:
    """The poisoned company's folder, workspace and report files."""

    root: Path
    workspace: Path
    html: str
    xlsx: Path
    deals: int
    sql_named_deals: int


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    from crmroi.report import build_report, write_report
    from crmroi.synth import generate

    root = tmp_path_factory.mktemp("hostile")
    company = generate("small", 0)
    for table, column in (*NAMED, ("deals", "name")):
        frame = company.tables[table]
        frame[column] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(frame))]
    data = root / "data"
    data.mkdir()
    for name, frame in company.tables.items():
        frame.to_csv(data / f"{name}.csv", index=False)
    workspace = root / "w.duckdb"
    with open_workspace(workspace) as ws:
        for path in sorted(data.glob("*.csv")):
            result = import_file(ws, path)
            assert result.rows_quarantined == 0, (path, result.problems)
        report = build_report(ws, load_config(None), sections=None)
        written = write_report(report, root / "out" / "report", formats=("html", "xlsx"))
    deals = company.tables["deals"]
    return Hostile(
        root=root,
        workspace=workspace,
        html=written["html"].read_text(encoding="utf-8"),
        xlsx=written["xlsx"],
        deals=len(deals),
        sql_named_deals=int((deals["name"] == SQL).sum()),
    )


def test_html_report_escapes_names(hostile: Hostile) -> None:
    """The script payload reaches the report only as text; the template is not evaluated."""
    assert "<script>alert(1)" not in hostile.html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in hostile.html
    assert TEMPLATE in hostile.html  # shown as written, so no template engine evaluated it


def test_sql_payload_is_data_not_a_statement(hostile: Hostile) -> None:
    with open_workspace(hostile.workspace) as ws:
        assert ws.count("deals") == hostile.deals
        deals = ws.table("deals")
        assert int(deals.filter(deals.name == SQL).count().execute()) == hostile.sql_named_deals
        campaigns = ws.table("campaigns").execute()
    assert set(campaigns["name"]) == set(PAYLOADS)  # every payload stored verbatim


def test_path_payload_writes_nothing_outside_the_output(hostile: Hostile) -> None:
    assert sorted(p.name for p in (hostile.root / "out").iterdir()) == [
        "report.html",
        "report.xlsx",
    ]
    assert not (hostile.root / "etc").exists() and not (hostile.root.parent / "etc").exists()


def _formula_cells(path: Path) -> list[str]:
    import openpyxl  # type: ignore[import-untyped]

    book = openpyxl.load_workbook(path)
    return [
        f"{sheet.title}!{cell.coordinate}={cell.value!r}"
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def test_xlsx_names_are_never_formulas(hostile: Hostile) -> None:
    assert _formula_cells(hostile.xlsx) == []


def _attribution(hostile: Hostile, fmt: str) -> str:
    done = subprocess.run(
        [CRMROI, "-w", str(hostile.workspace), "attribution", *ATTRIBUTION, "--format", fmt],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, "PYTHONPATH": SRC, "COLUMNS": "250"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_json_output_escapes_control_characters(hostile: Hostile) -> None:
    out = _attribution(hostile, "json")
    assert "\x1b" not in out
    assert "\\u001b[31mRED" in out


def test_terminal_table_shows_markup_and_escapes_as_text(hostile: Hostile) -> None:
    out = _attribution(hostile, "table")
    assert "\x1b" not in out  # no raw ESC/OSC-8 reaches the terminal
    assert "[bold red]X[/bold red]" in out  # markup shown, not rendered


def test_csv_output_neutralises_formulas(hostile: Hostile) -> None:
    cells = [cell for row in csv.reader(io.StringIO(_attribution(hostile, "csv"))) for cell in row]
    assert FORMULA in {c.lstrip("'") for c in cells}  # the name is there …
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]  # … inert
