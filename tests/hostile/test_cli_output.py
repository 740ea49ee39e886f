"""Hostile names reach the terminal as literal text: no markup, no escape sequences, no formulas.

A workspace of the small simulated company gets campaign, account-segment and user names that
are Rich markup, raw ANSI/OSC-8 escape sequences, a C1 control and a BIDI override, and
spreadsheet formulas. The real ``crmroi`` runs in a subprocess (stdout apart from stderr).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crmroi import open_workspace
from crmroi.synth import generate

MARKUP = "[bold red]X[/bold red][link=http://evil.example]L[/link]"
ESCAPES = "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07 \x1b[31mRED\x1b[0m"
SEGMENT = "\x1b[31mSEG\x1b[0m\u202eevil\x9b31m"
FORMULAS = {
    "CMP-002": '=HYPERLINK("http://evil.example","x")',
    "CMP-003": "@SUM(A1:A9)",
    "CMP-004": "+1+1",
    "CMP-006": "-1+1",
    "CMP-007": "\tTAB",
    "CMP-008": "\rCR",
    "CMP-009": "-42",
}
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder with ``crmroi.duckdb`` (hostile names) and a ``crmroi.toml``."""
    folder = tmp_path_factory.mktemp("hostile")
    company = generate("small", 0)
    ws = open_workspace(folder / "crmroi.duckdb")
    for name, frame in company.tables.items():
        ws.con.insert(name, frame)
    con = ws.con.con
    # the two campaigns with the most touches carry the markup and the escape sequences
    busiest = con.sql(
        "select campaign_id from touchpoints where campaign_id is not null "
        "group by 1 order by count(*) desc, 1 limit 2"
    ).fetchall()
    con.execute("update campaigns set name = ? where campaign_id = ?", [MARKUP, busiest[0][0]])
    con.execute("update campaigns set name = ? where campaign_id = ?", [ESCAPES, busiest[1][0]])
    for campaign_id, name in FORMULAS.items():
        if campaign_id not in {busiest[0][0], busiest[1][0]}:
            con.execute("update campaigns set name = ? where campaign_id = ?", [name, campaign_id])
    con.execute("update accounts set segment = ? where segment = 'SMB'", [SEGMENT])
    ws.close()
    adoption = str(company.truth["adoption_date"])[:10]
    (folder / "crmroi.toml").write_text(f"[company]\nadoption_date = {adoption}\n")
    yield folder


def crmroi(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update({"COLUMNS": "200", **env})
    run = subprocess.run(
        [sys.executable, "-m", "crmroi", *args],
        cwd=folder,
        capture_output=True,
        env=environment,
        timeout=600,
    )
    # decoded by hand: text mode would turn a CR inside a CSV field into a line break
    return subprocess.CompletedProcess(
        run.args, run.returncode, run.stdout.decode("utf-8"), run.stderr.decode("utf-8")
    )


def assert_inert(text: str) -> None:
    for char in RAW_CONTROLS:
        assert char not in text, f"raw {char!r} reached the terminal"


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (("attribution", "--level", "campaign", "--bootstrap", "0"), "[bold red]X[/bold red]["),
        (("attribution", "--level", "campaign", "--bootstrap", "0"), "\\e]8;;http://evil.ex"),
        (("roi",), MARKUP),
        (("roi",), "\\e]8;;http://evil.example\\x07click\\e]8;;\\x07 \\e[31mRED\\e[0m"),
        (("engagement",), "\\e[31mSEG\\e[0m\\u202eevil\\x9b31m"),
        (("kpis", "--kpi", "won_revenue", "--by", "segment"), "\\e[31mSEG\\e[0m\\u202eevil"),
    ],
)
def test_names_print_as_literal_text(hostile: Path, args: tuple[str, ...], shown: str) -> None:
    """The name is printed with its markup as text and its control characters spelled out."""
    run = crmroi(hostile, *args)
    assert run.returncode == 0, run.stderr
    assert shown in run.stdout
    assert_inert(run.stdout)


def test_a_colour_terminal_gets_no_link_and_no_data_colour(hostile: Path) -> None:
    """With colours on, Rich writes escapes of its own, but never an OSC-8 link from data.

    Rich renders ``[link=…]`` as ``ESC ] 8 ; id=… ; URL``; a raw OSC 8 would start
    ``ESC ] 8 ; ;``. Neither may appear, and the data's red (``ESC [ 31 m``) neither.
    """
    run = crmroi(hostile, "roi", FORCE_COLOR="1")
    assert run.returncode == 0, run.stderr
    assert "\x1b[" in run.stdout  # colours are on: the check below is not vacuous
    assert "\x1b]8;" not in run.stdout
    assert "\x1b[31mRED" not in run.stdout
    assert "evil.example" in run.stdout  # the name is shown, as text


def test_json_keeps_the_names_and_escapes_what_a_terminal_acts_on(hostile: Path) -> None:
    run = crmroi(hostile, "engagement", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert_inert(run.stdout)
    segments = {row["segment"] for row in json.loads(run.stdout)["by_segment"]}
    assert SEGMENT in segments  # decoding gives the exact name back


def test_csv_neutralises_formulas_but_keeps_numbers(hostile: Path) -> None:
    """OWASP: a cell starting with = + - @ tab or CR gets a leading apostrophe.

    ``-42`` is a plain number written as text and stays as it is; numeric columns (revenue,
    conversions) stay parseable numbers.
    """
    run = crmroi(
        hostile, "attribution", "--level", "campaign", "--bootstrap", "0", "--format", "csv"
    )
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout, newline="")))
    names = {row["channel"] for row in rows}
    for name in FORMULAS.values():
        if name == "-42":
            assert "-42" in names
        else:
            assert "'" + name in names, name
            assert name not in names
    assert all(not n.startswith(("=", "+", "@", "\t", "\r")) for n in names)
    assert all(not n.startswith("-") or n == "-42" for n in names)
    for row in rows:
        float(row["revenue"])
        float(row["conversions"])


def test_negative_figures_stay_numbers_in_csv(hostile: Path) -> None:
    """A negative number in a numeric column is written as a number, not neutralised.

    At a gross margin of 0.1 % every basis's profit is far below the CRM's cost, so every ROI
    is negative (about −99 %).
    """
    run = crmroi(hostile, "roi", "--format", "csv", "--margin", "0.001")
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    figures = [row["roi_pct"] for row in rows if row["roi_pct"]]
    assert figures and all(float(value) == float(value) for value in figures)
    negative = [value for value in figures if value.startswith("-")]
    assert negative == figures, "at a 0.1 % margin every ROI is negative"
