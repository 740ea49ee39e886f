"""The headline on ordinary data: strongest supported basis, inferred adoption date, no won deals.

Every case is a hand-made workspace whose figures are worked out in the docstring; the CLI cases
run the installed ``crmroi`` entry point on a real DuckDB file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from crmroi import Workspace, open_workspace
from crmroi.roi import RoiSettings, analyse
from crmroi.roi.benefits import Attribution
from tests.support import insert_rows

CRMROI = Path(sys.executable).with_name("crmroi")
FAST = RoiSettings(attribution_bootstrap=0)

DEALS = [
    {"deal_id": "d1", "status": "won", "amount": 10_000.0, "currency": "EUR",
     "created_at": "2024-01-05", "closed_at": "2024-02-10"},
    {"deal_id": "d2", "status": "won", "amount": 20_000.0, "currency": "EUR",
     "created_at": "2024-03-01", "closed_at": "2024-04-15"},
    {"deal_id": "d3", "status": "lost", "amount": 5_000.0, "currency": "EUR",
     "created_at": "2024-03-01", "closed_at": "2024-04-20"},
    {"deal_id": "d4", "status": "won", "amount": 30_000.0, "currency": "EUR",
     "created_at": "2023-10-01", "closed_at": "2023-11-20"},
]  # fmt: skip
LEDGER = [
    {"cost_id": "c1", "category": "implementation", "amount": 5_000.0, "currency": "EUR",
     "incurred_at": "2023-12-10", "recurrence": "one-off"},
    {"cost_id": "c2", "category": "licence", "amount": 1_000.0, "currency": "EUR",
     "incurred_at": "2024-01-01", "recurrence": "monthly"},
]  # fmt: skip


def deals_and_ledger(ws: Workspace) -> None:
    """Deals and a cost ledger only: no users, no touchpoints, no activities."""
    insert_rows(ws, "deals", DEALS)
    insert_rows(ws, "costs", LEDGER)


def run(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # the entry point, as a user runs it
        [str(CRMROI), "-w", str(path), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=path.parent,
        timeout=300,
    )


@pytest.fixture
def ledger_file(tmp_path: Path) -> Path:
    path = tmp_path / "deals-and-costs.duckdb"
    with open_workspace(path) as ws:
        deals_and_ledger(ws)
    return path


def test_deals_and_ledger_headline_on_touched_basis(workspace: Workspace) -> None:
    """Adoption = the first licence line, 2024-01-01. Window: from the first cost month 2023-12
    through the last won close month 2024-04 = 5 months. Touched = won deals closed from
    2024-01-01: d1 10,000 + d2 20,000 = 30,000 (d4 closed before adoption, d3 lost).
    Cost = implementation 5,000 + licence 1,000 × 4 months (2024-01 … 04) = 9,000.
    ROI = (30,000 − 9,000) ÷ 9,000 × 100 = 233.33 %.
    Yearly flows: initial 5,000 (one-off up to the adoption month) at time 0, then
    30,000 − 4,000 = 26,000 → IRR = 26,000 ÷ 5,000 − 1 = 420 %; NPV = −5,000 + 26,000 ÷ 1.1.
    """
    deals_and_ledger(workspace)
    out = analyse(workspace, FAST).to_dict()
    assert out["basis"] == "touched" and out["basis_requested"] == "auto"
    assert out["revenue"] == pytest.approx(30_000.0)
    assert out["total_cost"] == pytest.approx(9_000.0)
    assert out["roi_pct"] == pytest.approx(233.3333333, rel=1e-9)
    assert out["irr_pct"] == pytest.approx(420.0) and out["irr"] == pytest.approx(4.2)
    assert out["npv"] == pytest.approx(-5_000 + 26_000 / 1.1)
    # a count has no interval: not "233.3 % … 233.3 %, P(ROI > 0) = 100 %"
    assert out["revenue_low"] is None and out["revenue_high"] is None
    assert (out["roi_pct_low"], out["roi_pct_high"], out["prob_roi_positive"]) == (None,) * 3
    attributed = out["bases"]["attributed"]
    assert attributed["revenue"] is None and attributed["roi_pct"] is None
    assert "no touchpoints" in attributed["reason"]
    assert out["bases"]["incremental"]["revenue"] is None
    assert "touchpoints" in out["basis_upgrade"] and "before adoption" in out["basis_upgrade"]
    assert out["notes"][0].startswith("headline on the touched basis")


def fake_attribution(*args: object, **kwargs: object) -> Attribution:
    """Campaign c1 gets 40 % of the revenue, the baseline 60 % (no bootstrap interval)."""
    return Attribution(
        pd.DataFrame(
            {
                "key": ["c1", "(baseline)"],
                "channel": ["Launch", "(baseline)"],
                "conversions": [1.0, 1.0],
                "revenue": [12_000.0, 18_000.0],
                "share": [0.4, 0.6],
                "share_low": [float("nan")] * 2,
                "share_high": [float("nan")] * 2,
            }
        )
    )


def test_auto_takes_attributed_over_touched(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With attribution and no incremental design: attributed = 0.4 × 30,000 = 12,000;
    ROI = (12,000 − 9,000) ÷ 9,000 = 33.33 %; the upgrade names the incremental methods."""
    deals_and_ledger(workspace)
    monkeypatch.setattr("crmroi.roi.benefits.attribution_table", fake_attribution)
    out = analyse(workspace, FAST).to_dict()
    assert out["basis"] == "attributed"
    assert out["revenue"] == pytest.approx(12_000.0)
    assert out["roi_pct"] == pytest.approx(100 / 3)
    assert out["roi_pct_low"] is None  # no bootstrap: no interval
    assert "difference-in-differences" in out["basis_upgrade"]
    forced = analyse(workspace, replace(FAST, basis="touched")).to_dict()
    assert forced["basis"] == "touched" and forced["basis_why"] == "requested in the settings"
    assert "choose it with --basis attributed" in forced["basis_upgrade"]


def test_adoption_from_first_licence_line_with_a_note(workspace: Workspace) -> None:
    deals_and_ledger(workspace)
    result = analyse(workspace, FAST)
    assert result.adoption_date == pd.Timestamp("2024-01-01")
    assert result.adoption_source == "licence cost line"
    assert any("inferred from the first licence cost line" in n for n in result.notes)


def test_adoption_from_first_cost_line_without_licences(workspace: Workspace) -> None:
    """No licence line: the implementation line of 2023-12-10 is the first cost line."""
    insert_rows(workspace, "deals", DEALS)
    insert_rows(workspace, "costs", LEDGER[:1])
    result = analyse(workspace, FAST)
    assert result.adoption_date == pd.Timestamp("2023-12-10")
    assert result.adoption_source == "first cost line"
    assert any("inferred from the first cost line" in n for n in result.notes)


def test_seats_take_precedence_over_the_ledger(workspace: Workspace) -> None:
    deals_and_ledger(workspace)
    insert_rows(workspace, "users", [{"user_id": "u1", "active_from": "2024-02-01"}])
    result = analyse(workspace, FAST)
    assert result.adoption_date == pd.Timestamp("2024-02-01")
    assert result.adoption_source == "users.active_from"
    assert not any("inferred" in n for n in result.notes)


def test_cli_infers_and_overrides_adoption_date(ledger_file: Path) -> None:
    """--adoption-date 2024-03-01: touched = d2 only = 20,000; the window still starts at the
    first cost (2023-12) and ends 2024-04, cost 9,000 → ROI = 11,000 ÷ 9,000 = 122.2 %."""
    inferred = run(ledger_file, "roi", "--format", "json")
    assert inferred.returncode == 0, inferred.stderr
    out = json.loads(inferred.stdout)
    assert (out["adoption_date"], out["adoption_source"]) == ("2024-01-01", "licence cost line")
    given = run(ledger_file, "roi", "--format", "json", "--adoption-date", "2024-03-01")
    assert given.returncode == 0, given.stderr
    out = json.loads(given.stdout)
    assert (out["adoption_date"], out["adoption_source"]) == ("2024-03-01", "settings")
    assert out["revenue"] == pytest.approx(20_000.0)
    assert out["roi_pct"] == pytest.approx(11_000 / 9_000 * 100)
    bad = run(ledger_file, "roi", "--adoption-date", "2024-13-01")
    assert bad.returncode == 2
    assert "--adoption-date '2024-13-01' is not a date" in bad.stderr


def test_cli_table_names_basis_and_shows_irr_in_percent(ledger_file: Path) -> None:
    done = run(ledger_file, "roi")
    assert done.returncode == 0, done.stderr
    assert "headline basis: touched (the strongest basis the data supports)" in done.stdout
    assert "irr_pct" in done.stdout and "420" in done.stdout
    assert "roi_pct_low" not in done.stdout and "prob_roi_positive" not in done.stdout
    assert "[company] adoption_date" in done.stdout  # printed as text, not eaten as markup


NO_WON = [
    {"deal_id": "d1", "status": "lost", "amount": 10_000.0, "currency": "EUR",
     "created_at": "2024-01-05", "closed_at": "2024-02-10"},
    {"deal_id": "d2", "status": "open", "amount": 20_000.0, "currency": "EUR",
     "created_at": "2024-03-01"},
]  # fmt: skip


def test_no_won_deals_is_a_reason_not_an_error(workspace: Workspace) -> None:
    insert_rows(workspace, "deals", NO_WON)
    insert_rows(workspace, "costs", LEDGER)
    out = analyse(workspace, FAST).to_dict()
    assert out["revenue"] is None and out["roi_pct"] is None
    assert out["revenue_reason"] == "no won deals: import deals with status won"
    for basis in out["bases"].values():
        assert basis["revenue"] is None and basis["reason"]
    assert out["notes"][0].startswith("headline (touched basis) not computed: no won deals")
    json.dumps(out, allow_nan=False)


def test_no_won_deals_through_roi_and_report(tmp_path: Path) -> None:
    path = tmp_path / "no-won.duckdb"
    with open_workspace(path) as ws:
        insert_rows(ws, "deals", NO_WON)
        insert_rows(ws, "costs", LEDGER)
    done = run(path, "roi")
    assert done.returncode == 0, done.stderr
    assert "headline not computed: no won deals: import deals with status won" in done.stdout
    report = run(path, "report", "--out", str(tmp_path / "r.html"))
    assert report.returncode == 0, report.stderr
    assert "internal error" not in report.stderr
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "no won deals" in html


def test_won_deals_only_before_adoption_say_so(workspace: Workspace) -> None:
    insert_rows(workspace, "deals", DEALS)
    insert_rows(workspace, "costs", LEDGER)
    out = analyse(workspace, replace(FAST, adoption_date=pd.Timestamp("2025-01-01"))).to_dict()
    reason = out["bases"]["touched"]["reason"]
    assert reason.startswith("no won deal closed since the adoption date 2025-01-01")
    assert "(3 closed before it)" in reason


def test_seats_and_active_users_without_dates_or_logins(workspace: Workspace) -> None:
    """Three users without active_from (seats with unknown dates), one whose seat ended before
    the window; no login records, so users with any activity in the window are active: u1 (a
    call in 2024-02) and u2 (an e-mail in 2024-03); u3's only call is before the window."""
    deals_and_ledger(workspace)
    insert_rows(workspace, "users", [
        {"user_id": "u1"}, {"user_id": "u2"}, {"user_id": "u3"},
        {"user_id": "u4", "active_to": "2023-06-30"},
    ])  # fmt: skip
    insert_rows(workspace, "activities", [
        {"activity_id": "a1", "type": "call", "user_id": "u1", "occurred_at": "2024-02-01"},
        {"activity_id": "a2", "type": "email", "user_id": "u2", "occurred_at": "2024-03-01"},
        {"activity_id": "a3", "type": "call", "user_id": "u3", "occurred_at": "2023-01-01"},
    ])  # fmt: skip
    result = analyse(workspace, replace(FAST, adoption_date=pd.Timestamp("2024-01-01")))
    out = result.to_dict()
    assert (out["seats"], out["active_users"]) == (3, 2)
    assert out["cost_per_seat"] == pytest.approx(9_000 / 3)
    assert any("no login activities" in n for n in out["notes"])


def test_synthetic_benefit_stops_where_cohorts_mature(tmp_path: Path) -> None:
    """The cumulative benefit went flat for the last months: DiD and ITS measure the effect per
    creation-month cohort and cut cohorts still maturing. The cut, computed here with pandas
    from the deals (last close date − the 90th percentile of created → closed days, to its
    month), must be where the headline says the benefit is measured through, and the report's
    benefit line must stop there while the cost line runs to the window's end."""
    from crmroi.config import Config
    from crmroi.report.build import ReportContext
    from crmroi.report.sections.overview import overview
    from crmroi.schema import TABLES_BY_NAME
    from crmroi.synth import generate

    company = generate("small", 0)
    deals = company.tables["deals"]
    with open_workspace(tmp_path / "synth.duckdb") as ws:
        for name, frame in company.tables.items():
            ws.con.insert(name, frame[list(TABLES_BY_NAME[name].column_names)])
        result = analyse(ws, FAST)
        closed = deals.dropna(subset=["closed_at", "created_at"])
        days = (closed["closed_at"] - closed["created_at"]).dt.total_seconds() / 86_400
        edge = closed["closed_at"].max() - pd.Timedelta(days=float(days.quantile(0.9)))
        cut = pd.Timestamp(year=edge.year, month=edge.month, day=1)
        through = (cut - pd.DateOffset(months=1)).strftime("%Y-%m")
        assert result.basis == "incremental"
        assert result.benefit_through == through < result.tco.month_labels()[-1]
        labels = result.tco.month_labels()
        after = [i for i, m in enumerate(labels) if m > through]
        assert after and not result.headline.benefit.monthly[after].any()
        assert any(f"measured through {through}" in n for n in result.notes)
        section = overview(ReportContext(ws=ws, config=Config(), lang="en"))
    chart = next(c for c in section.charts if c.id == "cumulative")
    rows = [r for data in chart.spec["datasets"].values() for r in data]
    benefit = [r for r in rows if r["series"] == "cumulative benefit"]
    cost = [r for r in rows if r["series"] == "cumulative CRM cost"]
    assert len(cost) == len(labels) and len(benefit) == len(labels) - len(after)
    assert f"stops at {through}" in chart.caption


def test_report_takes_adoption_date_and_names_the_basis(ledger_file: Path) -> None:
    """The first page on deals + ledger only: figures on the touched basis, named, with the
    upgrade path; --adoption-date moves go-live (touched = d2 only = 20,000)."""
    out = ledger_file.parent / "r.html"
    done = run(ledger_file, "report", "--out", str(out), "--adoption-date", "2024-03-01")
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    assert "CRM live since 2024-03-01" in html
    assert "Headline basis: Revenue touched by the CRM (upper bound)" in html
    assert "€20,000" in html and "no touchpoints" in html
