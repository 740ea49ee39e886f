"""`crmroi targets set | import | list` and `[targets]` in crmroi.toml, through the real CLI.

The company is world.py's; `targets list` paces July as of its last record (July 11 00:00:
10 of 31 days gone), the moment the findings use.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmroi import open_workspace
from crmroi.cli.app import app
from crmroi.errors import ConfigError, InputError

from .world import build

runner = CliRunner()


@pytest.fixture
def ws_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # ./crmroi.toml is the test's own
    path = tmp_path / "w.duckdb"
    ws = open_workspace(path)
    build(ws)
    ws.close()
    return path


def crm(ws: Path, *args: str) -> str:
    result = runner.invoke(app, ["-w", str(ws), *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def fails(ws: Path, *args: str) -> str:
    result = runner.invoke(app, ["-w", str(ws), *args])
    assert result.exit_code != 0
    assert isinstance(result.exception, InputError | ConfigError), result.exception
    return str(result.exception)


def listed(ws: Path) -> list[dict[str, object]]:
    rows = json.loads(crm(ws, "targets", "list", "--format", "json"))
    assert isinstance(rows, list)
    return rows


def test_set_then_list_with_attainment(ws_path: Path) -> None:
    """Anna (u1) has won 10,000 of her 33,000 July target: attainment 0.303; paced over 10 of
    31 days (to the last record, July 11), 0.939 → at risk (0.9 – 1). The company's 2025-Q2
    target of 150,000 against April–June's 30,000+31,000+29,000 (u1) + 21,000+19,000+20,000
    (u2) = 150,000: attainment 1."""
    crm(ws_path, "targets", "set", "won_revenue", "33000", "--period", "2025-07",
        "--owner", "Anna Berg")  # fmt: skip
    crm(ws_path, "targets", "set", "won_revenue", "150_000", "--period", "2025-Q2")
    rows = listed(ws_path)
    assert [(r["kpi"], r["period"], r["for"]) for r in rows] == [
        ("won_revenue", "2025-Q2", "company"),
        ("won_revenue", "2025-07", "owner Anna Berg"),
    ]
    q2, july = rows
    assert (q2["target"], q2["value"], q2["attainment"], q2["status"]) == (
        150_000.0, 150_000.0, 1.0, "on track",
    )  # fmt: skip
    assert july["value"] == 10_000.0
    assert july["attainment"] == pytest.approx(10 / 33)
    assert july["status"] == "at risk"
    assert {r["source"] for r in rows} == {"workspace"}


def test_set_again_replaces(ws_path: Path) -> None:
    crm(ws_path, "targets", "set", "won_revenue", "1000", "--period", "2025-07", "--team", "North")
    crm(ws_path, "targets", "set", "won_revenue", "2000", "--period", "2025-07", "--team", "North")
    rows = listed(ws_path)
    assert [(r["for"], r["target"], r["value"]) for r in rows] == [("team North", 2000.0, 10_000.0)]


def test_a_rep_with_nothing_won_is_off_track(ws_path: Path) -> None:
    """Ben (u2) won nothing in January 2024 (no data then): value 0, attainment 0, off track."""
    crm(ws_path, "targets", "set", "won_revenue", "5000", "--period", "2024-01", "--owner", "u2")
    (row,) = listed(ws_path)
    assert (row["value"], row["attainment"], row["status"]) == (0.0, 0.0, "off track")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["won_revenu", "1", "--period", "2025-07"],
         "unknown KPI 'won_revenu' (did you mean 'won_revenue'?)"),
        (["won_revenue", "1", "--period", "2025-07", "--owner", "Anna Burg"],
         "no user 'Anna Burg' in the workspace (did you mean 'Anna Berg'?)"),
        (["won_revenue", "1", "--period", "2025-07", "--team", "Nort"],
         "no team 'Nort' in the workspace (did you mean 'North'?)"),
        (["nps", "1", "--period", "2025-07", "--dimension", "pipeline", "--value", "x"],
         "KPI 'nps' cannot be sliced by pipeline"),
        (["won_revenue", "1", "--period", "2025-07", "--dimension", "colour", "--value", "x"],
         "unknown dimension 'colour'"),
        (["won_revenue", "1", "--period", "2025-Q5"], "period '2025-Q5' is not one of"),
        (["won_revenue", "1", "--period", "2025-02-01", "--grain", "quarter"],
         "period '2025-02-01' does not start a quarter; that quarter starts on 2025-01-01"),
        (["won_revenue", "lots", "--period", "2025-07"], "target value 'lots' is not a number"),
        (["won_revenue", "1"], "targets set needs --period"),
        (["won_revenue", "1", "--period", "2025-07", "--owner", "u1", "--team", "North"],
         "give one of --owner, --team"),
    ],
)  # fmt: skip
def test_bad_targets_are_refused_by_name(ws_path: Path, args: list[str], message: str) -> None:
    assert message in fails(ws_path, "targets", "set", *args)
    assert listed(ws_path) == []


def test_import_csv_and_xlsx(ws_path: Path, tmp_path: Path) -> None:
    """A CSV row with a typo goes to quarantine with the suggestion; the good rows load. The
    same columns in an XLSX sheet load through the same path."""
    (tmp_path / "goals.csv").write_text(
        "kpi,grain,period_start,dimension,dimension_value,value\n"
        "won_revenue,month,2025-07-01,owner,u2,25000\n"
        "won_revenu,month,2025-07-01,,,1\n"
        "nps,month,2025-07-01,pipeline,x,1\n",
        encoding="utf-8",
    )
    crm(ws_path, "targets", "import", str(tmp_path / "goals.csv"))
    import xlsxwriter

    book = xlsxwriter.Workbook(str(tmp_path / "goals.xlsx"))
    sheet = book.add_worksheet()
    for r, row in enumerate(
        [["kpi", "grain", "period_start", "value"], ["won_deals", "month", "2025-07-01", 3]]
    ):
        sheet.write_row(r, 0, row)
    book.close()
    crm(ws_path, "targets", "import", str(tmp_path / "goals.xlsx"))
    rows = listed(ws_path)
    assert [(r["kpi"], r["for"], r["target"], r["value"]) for r in rows] == [
        ("won_deals", "company", 3.0, 2.0),
        ("won_revenue", "owner Ben Roth", 25_000.0, 9_000.0),
    ]
    ws = open_workspace(ws_path)
    reasons = ws.table("quarantine").order_by("row_number").execute()["reason"].tolist()
    ws.close()
    assert reasons == [
        "unknown KPI 'won_revenu' (did you mean 'won_revenue'?)",
        "KPI 'nps' cannot be sliced by pipeline (it can by industry, owner, region, segment, team)",
    ]


def test_kpis_show_target_attainment_and_status(ws_path: Path) -> None:
    crm(ws_path, "targets", "set", "won_revenue", "40000", "--period", "2025-06", "--owner", "u1")
    args = ["kpis", "--kpi", "won_revenue", "--grain", "month", "--by", "owner",
            "--from", "2025-06-01", "--to", "2025-06-30"]  # fmt: skip
    rows = {r["owner"]: r for r in json.loads(crm(ws_path, *args, "--format", "json"))}
    assert rows["u1"]["target"] == 40_000.0
    assert rows["u1"]["attainment"] == pytest.approx(30_000 / 40_000)
    assert rows["u2"]["target"] is None
    table = crm(ws_path, *args, "--format", "csv")
    assert "off track" in table  # June is over: 0.75 < 0.9


CONFIG = """
[targets.won_revenue]
"2025-07" = 60000

[targets.won_revenue.owner]
"Anna Berg" = { "2025-07" = 33000 }
"""


def test_config_targets_win_and_follow_the_file(ws_path: Path, tmp_path: Path) -> None:
    """[targets] lands in the table on the next command; set refuses its keys; an import of
    the same key is put back; a target taken out of the file leaves the table."""
    config = tmp_path / "crmroi.toml"
    config.write_text(CONFIG, encoding="utf-8")
    crm(ws_path, "targets", "set", "won_revenue", "25000", "--period", "2025-07", "--owner", "u2")
    rows = listed(ws_path)
    assert [(r["for"], r["target"], r["source"]) for r in rows] == [
        ("company", 60_000.0, "crmroi.toml"),
        ("owner Anna Berg", 33_000.0, "crmroi.toml"),
        ("owner Ben Roth", 25_000.0, "workspace"),
    ]
    message = fails(ws_path, "targets", "set", "won_revenue", "1", "--period", "2025-07")
    assert "set in [targets] of crmroi.toml; change it there" in message
    (tmp_path / "t.csv").write_text(
        "kpi,grain,period_start,value\nwon_revenue,month,2025-07-01,1\n", encoding="utf-8"
    )
    crm(ws_path, "targets", "import", str(tmp_path / "t.csv"))
    assert listed(ws_path)[0]["target"] == 60_000.0
    config.write_text(CONFIG.replace('"2025-07" = 60000', ""), encoding="utf-8")
    assert [r["for"] for r in listed(ws_path)] == ["owner Anna Berg", "owner Ben Roth"]
    config.write_text("", encoding="utf-8")
    assert [r["for"] for r in listed(ws_path)] == ["owner Ben Roth"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[targets.won_revenu]\n"2025-07" = 1\n',
         "[targets.won_revenu] \"2025-07\": unknown KPI 'won_revenu' (did you mean"),
        ('[targets.won_revenue]\n"2025-07" = "lots"\n', "a target must be a number"),
        ('[targets.won_revenue]\nownr = 5\n', "neither a period"),
        ('[targets.won_revenue.owner]\n"Ana Berg" = { "2025-07" = 1 }\n',
         "no user 'Ana Berg' in the workspace (did you mean 'Anna Berg'?)"),
    ],
)  # fmt: skip
def test_config_mistakes_name_the_file_and_place(
    ws_path: Path, tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "crmroi.toml").write_text(text, encoding="utf-8")
    got = fails(ws_path, "targets", "list")
    assert "crmroi.toml" in got
    assert message in got


def test_set_in_json_says_what_was_stored(ws_path: Path) -> None:
    """Anna Berg is stored by her user id; the period by its first day."""
    out = crm(ws_path, "targets", "set", "won_deals", "4", "--period", "2025-Q3",
              "--owner", "Anna Berg", "--format", "json")  # fmt: skip
    assert json.loads(out) == {
        "kpi": "won_deals",
        "grain": "quarter",
        "period_start": "2025-07-01",
        "dimension": "owner",
        "dimension_value": "u1",
        "value": 4.0,
    }
