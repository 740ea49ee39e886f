"""Date fallbacks: deals without a created date are kept, counted, and left out only where the
date matters.

The B2B export (see ``b2b_export.py``) has Prospecting deals without an engage date, as the
public sample has, and some won deals without one. With ``fallback = "unknown"`` they load with
``created_at`` empty: open pipeline value counts them, cycle-time KPIs do not. Oracles are pandas
computations on the same CSV.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from crmroi.cli.app import app
from crmroi.errors import InputError
from crmroi.ingest.exports import import_export
from crmroi.ingest.mapping import mapping_from_dict
from crmroi.workspace import Workspace
from tests.ingest.b2b_export import write_b2b_export

runner = CliRunner()


def cli(ws: Path, *args: str) -> str:
    done = runner.invoke(app, ["-w", str(ws), *args])
    assert done.exit_code == 0, done.output
    return done.stdout


def kpi(ws: Path, name: str, *by: str) -> dict[str, float]:
    """One KPI over the whole data range (by region, or the total under "all")."""
    args = ["kpis", "-k", name, "--format", "json", *(a for d in by for a in ("--by", d))]
    rows = json.loads(cli(ws, *args))
    return {(r[by[0]] if by else "all"): r["value"] for r in rows}


@pytest.fixture
def b2b(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    write_b2b_export(tmp_path)
    pipeline = pd.read_csv(tmp_path / "sales_pipeline.csv")
    ws = tmp_path / "w.duckdb"
    (result,) = json.loads(
        cli(ws, "import", str(tmp_path / "sales_pipeline.csv"), "--map",
            str(tmp_path / "deals.toml"), "--format", "json")
    )["files"]  # fmt: skip
    undated = int(pipeline.engage_date.isna().sum())
    assert undated == 67  # 59 Prospecting deals and 8 won deals have no engage date
    assert (result["rows_loaded"], result["rows_quarantined"]) == (240, 0)
    assert result["fallbacks"] == {"created_at ← unknown": undated}
    cli(ws, "import", str(tmp_path / "sales_teams.csv"), "--map", str(tmp_path / "teams.toml"))
    teams = pd.read_csv(tmp_path / "sales_teams.csv")
    return ws, pipeline.merge(teams, on="sales_agent")


def test_deals_without_a_created_date_count_in_open_pipeline(
    b2b: tuple[Path, pd.DataFrame],
) -> None:
    """Open pipeline value at the end of the data = Σ close_value of Engaging and Prospecting
    deals per region (all of them open then), the undated Prospecting deals included."""
    ws, frame = b2b
    still_open = frame[frame.deal_stage.isin(["Engaging", "Prospecting"])]
    expected = still_open.groupby("regional_office").close_value.sum().astype(float).to_dict()
    assert kpi(ws, "open_pipeline_value", "region") == pytest.approx(expected)
    undated_open = still_open[still_open.engage_date.isna()]
    assert len(undated_open) == 59 and undated_open.close_value.sum() > 0


def test_deals_without_a_created_date_stay_out_of_cycle_time(
    b2b: tuple[Path, pd.DataFrame],
) -> None:
    """Cycle time = mean(close_date − engage_date) over the won deals that have an engage date;
    won revenue still counts every won deal (it needs only the close date)."""
    ws, frame = b2b
    won = frame[frame.deal_stage == "Won"]
    dated = won[won.engage_date.notna()]
    days = (pd.to_datetime(dated.close_date) - pd.to_datetime(dated.engage_date)).dt.days
    assert len(won) - len(dated) == 8
    assert kpi(ws, "sales_cycle_days") == pytest.approx({"all": days.mean()})
    assert kpi(ws, "won_revenue") == pytest.approx({"all": float(won.close_value.sum())})


def test_without_a_fallback_undated_deals_are_quarantined(tmp_path: Path) -> None:
    """The old rule still holds where no fallback is given: a required date stays required."""
    write_b2b_export(tmp_path)
    strict = (tmp_path / "deals.toml").read_text().replace('fallback = "unknown"\n', "")
    (tmp_path / "strict.toml").write_text(strict)
    out = cli(tmp_path / "w.duckdb", "import", str(tmp_path / "sales_pipeline.csv"), "--map",
              str(tmp_path / "strict.toml"), "--format", "json")  # fmt: skip
    (result,) = json.loads(out)["files"]
    assert (result["rows_loaded"], result["rows_quarantined"]) == (173, 67)


HISTORY = """deal_id,stage,entered_at
D1,Qualified,2024-02-10
D1,Proposal,2024-02-01
D2,Qualified,2024-03-05
"""
DEALS = """id,status,amount,created
D1,open,100,
D2,won,200,
D3,open,300,
D4,open,400,2024-01-15
"""


def fallback_mapping(fallback: str) -> dict[str, object]:
    return {
        "name": "fallbacks",
        "table": "deals",
        "fields": {
            "deal_id": {"column": "id"},
            "status": {"column": "status"},
            "amount": {"column": "amount"},
            "created_at": {"column": "created", "fallback": json.loads(fallback)},
        },
    }


def test_first_stage_entry_then_unknown(workspace: Workspace, tmp_path: Path) -> None:
    """D1's earliest stage entry is 2024-02-01 (the later of its two rows is not taken), D2's
    2024-03-05; D3 has no history and stays unknown; D4 has its own date. Counted: 2 + 1."""
    (tmp_path / "deal_stage_history.csv").write_text(HISTORY)
    (tmp_path / "deals.csv").write_text(DEALS)
    import_export(workspace, tmp_path / "deal_stage_history.csv", mapping=_history_mapping())
    mapping = mapping_from_dict(fallback_mapping('["first_stage_entry", "unknown"]'), origin="m")
    (done,) = import_export(workspace, tmp_path / "deals.csv", mapping=mapping)
    assert dict(done.result.fallbacks) == {
        "created_at ← first_stage_entry": 2,
        "created_at ← unknown": 1,
    }
    deals = workspace.table("deals").execute().set_index("deal_id")
    created = deals.created_at.dropna().dt.strftime("%Y-%m-%d").to_dict()
    assert created == {"D1": "2024-02-01", "D2": "2024-03-05", "D4": "2024-01-15"}
    assert deals.created_at.isna().to_dict() == {"D1": False, "D2": False, "D3": True, "D4": False}
    assert done.result.rows_loaded == 4


def test_a_fixed_date_fallback_is_counted(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "deals.csv").write_text(DEALS)
    mapping = mapping_from_dict(fallback_mapping('"2024-01-01"'), origin="m")
    (done,) = import_export(workspace, tmp_path / "deals.csv", mapping=mapping)
    assert dict(done.result.fallbacks) == {"created_at ← 2024-01-01": 3}
    deals = workspace.table("deals").execute()
    assert (deals.created_at.dt.strftime("%Y-%m-%d") == "2024-01-01").sum() == 3


@pytest.mark.parametrize(
    ("field", "fallback", "message"),
    [
        ("amount", '"unknown"', "only date fields take a fallback"),
        ("created_at", '["unknown", "2024-01-01"]', "'unknown' can only come last"),
        ("created_at", '"yesterday"', "'yesterday' is not unknown, first_stage_entry or a date"),
    ],
)
def test_bad_fallbacks_are_refused_naming_the_key(field: str, fallback: str, message: str) -> None:
    data = fallback_mapping('"unknown"')
    fields = data["fields"]
    assert isinstance(fields, dict)
    fields[field] = {"column": "x", "fallback": json.loads(fallback)}
    with pytest.raises(InputError, match=message):
        mapping_from_dict(data, origin="m.toml")


def test_first_stage_entry_is_for_deals_only() -> None:
    with pytest.raises(InputError, match="first_stage_entry is for deals only"):
        mapping_from_dict(
            {
                "name": "c",
                "table": "contacts",
                "fields": {
                    "contact_id": {"column": "id"},
                    "created_at": {"column": "c", "fallback": "first_stage_entry"},
                },
            },
            origin="m.toml",
        )


def _history_mapping() -> object:
    return mapping_from_dict(
        {
            "name": "history",
            "table": "deal_stage_history",
            "fields": {
                "deal_id": {"column": "deal_id"},
                "stage": {"column": "stage"},
                "entered_at": {"column": "entered_at"},
            },
        },
        origin="h",
    )
