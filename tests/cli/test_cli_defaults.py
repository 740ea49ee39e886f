"""Defaults and windows that leave data out say how much, and which setting changes it.

Small hand-made workspaces in real DuckDB files; the CLI runs in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crmroi import open_workspace
from crmroi.impact.holdout import workflow_holdouts
from crmroi.impact.incremental import holdout_total
from crmroi.roi.fx import FxRates
from tests.support import insert_rows


def crmroi(path: Path, *args: str, columns: int = 100) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crmroi", "-w", str(path), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=path.parent,
        env={**os.environ, "COLUMNS": str(columns)},
    )


STAGES = [
    {"stage_key": f"p|{s}", "pipeline": "p", "stage": s, "position": i, "is_closed": closed,
     "is_won": s == "Closed Won"}
    for i, (s, closed) in enumerate(
        [("new", False), ("qual", False), ("Closed Won", True), ("Closed Lost", True)]
    )
]  # fmt: skip


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A sales history that ended in February 2020, long before today.

    A won 100 (created 2020-01-05, closed 2020-02-10, via new → qual), B lost at qual (closed
    2020-01-20), C open in new (created 2020-02-03). The last event is 2020-02-10, so the data
    ends at midnight 2020-02-11.
    """
    path = tmp_path / "w.duckdb"
    with open_workspace(path) as ws:
        insert_rows(ws, "stages", STAGES)
        insert_rows(
            ws,
            "deals",
            [
                {"deal_id": "A", "pipeline": "p", "stage": "Closed Won", "status": "won",
                 "amount": 100.0, "created_at": "2020-01-05", "closed_at": "2020-02-10"},
                {"deal_id": "B", "pipeline": "p", "stage": "Closed Lost", "status": "lost",
                 "amount": 40.0, "created_at": "2020-01-06", "closed_at": "2020-01-20"},
                {"deal_id": "C", "pipeline": "p", "stage": "new", "status": "open",
                 "amount": 70.0, "created_at": "2020-02-03"},
            ],
        )  # fmt: skip
        insert_rows(
            ws,
            "deal_stage_history",
            [
                {"history_key": f"{d}|{s}|{t}", "deal_id": d, "stage": s, "entered_at": t}
                for d, s, t in [
                    ("A", "new", "2020-01-05"), ("A", "qual", "2020-01-15"),
                    ("B", "new", "2020-01-06"), ("B", "qual", "2020-01-10"),
                    ("C", "new", "2020-02-03"),
                ]
            ],
        )  # fmt: skip
    return path


def test_forecast_defaults_to_the_end_of_the_data(history: Path) -> None:
    """As of 2020-02-11 (not today): February 2020, A's 100 already won in it."""
    run = crmroi(history, "forecast", "--format", "json")
    assert run.returncode == 0, run.stderr
    payload = json.loads(run.stdout)
    assert payload["forecast"]["as_of"] == "2020-02-11T00:00:00"
    assert payload["forecast"]["period_start"] == "2020-02-01"
    assert payload["forecast"]["won_to_date"] == 100.0
    assert payload["notes"] == [
        "forecast as of 2020-02-11 00:00 (the end of the data; --as-of DAY changes it)"
    ]


def test_forecast_as_of_a_given_day_says_so(history: Path) -> None:
    run = crmroi(history, "forecast", "--as-of", "2020-01-31")
    assert run.returncode == 0, run.stderr
    assert "note: forecast as of 2020-01-31 00:00 (--as-of; --as-of DAY changes it)" in run.stdout


def test_funnel_ends_with_the_won_step(history: Path) -> None:
    """Reach: A won (one past qual, 2), B qual (1; its lost stage never counts), C new (0).
    new 3, qual 2, Closed Won 1: adjacent 2/3 then 1/2, drop-off 1 and 1."""
    run = crmroi(history, "funnel", "--format", "json")
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    assert [(r["stage"], r["position"], r["reached"]) for r in rows] == [
        ("new", 0, 3),
        ("qual", 1, 2),
        ("Closed Won", 2, 1),
    ]
    assert rows[0]["adjacent_conversion"] == pytest.approx(2 / 3)
    assert rows[1]["adjacent_conversion"] == pytest.approx(1 / 2)
    assert rows[1]["drop_off"] == 1
    assert rows[2]["cumulative_conversion"] == pytest.approx(1 / 3)


def test_an_empty_funnel_says_why(history: Path) -> None:
    run = crmroi(history, "funnel", "--from", "2021-01-01")
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "error: no funnel: no deal was created in the range asked for (--from/--to); the deals "
        "were created from 2020-01-05 to 2020-02-03"
    )
    with open_workspace(history) as ws:
        ws.con.raw_sql("delete from stages")
    run = crmroi(history, "funnel", columns=200)
    assert run.returncode == 2
    assert "the `stages` table has no open stage" in run.stderr
    assert "crmroi import stages.csv --table stages" in run.stderr


def test_a_table_too_wide_for_80_columns_prints_one_field_a_line(history: Path) -> None:
    """The funnel's ten columns do not fit 80 characters: no line is longer, no value is cut
    ("cumulative_conversion", "Closed Won" whole), each record under a rule. At 200 columns
    the same rows are one table with every column name on the header line."""
    narrow = crmroi(history, "funnel", columns=80)
    assert narrow.returncode == 0, narrow.stderr
    lines = narrow.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in narrow.stdout
    assert any(line.split() == ["cumulative_conversion", "0.3333"] for line in lines)
    assert any(line.split() == ["stage", "Closed", "Won"] for line in lines)
    wide = crmroi(history, "funnel", columns=200)
    header = next(line for line in wide.stdout.splitlines() if "pipeline" in line)
    assert header.split()[:4] == ["pipeline", "stage", "position", "reached"]
    assert "median_days" in header


@pytest.fixture
def journeys(tmp_path: Path) -> Path:
    """Two won deals closed 2024-06-30: D1 (contact c1, 1,000) touched by email 29 days before,
    D2 (c2, 500) touched only 181 days before; one lead c3 without a deal or touch."""
    path = tmp_path / "a.duckdb"
    with open_workspace(path) as ws:
        insert_rows(
            ws,
            "contacts",
            [{"contact_id": c, "created_at": "2023-12-01"} for c in ("c1", "c2", "c3")],
        )
        insert_rows(
            ws,
            "deals",
            [
                {"deal_id": d, "contact_id": c, "status": "won", "amount": a,
                 "created_at": "2024-06-01", "closed_at": "2024-06-30"}
                for d, c, a in [("D1", "c1", 1000.0), ("D2", "c2", 500.0)]
            ],
        )  # fmt: skip
        insert_rows(
            ws,
            "touchpoints",
            [
                {"touchpoint_id": "t1", "contact_id": "c1", "occurred_at": "2024-06-01",
                 "channel": "email"},
                {"touchpoint_id": "t2", "contact_id": "c2", "occurred_at": "2024-01-01",
                 "channel": "email"},
            ],
        )  # fmt: skip
    return path


def test_the_lookback_window_reports_the_conversions_it_sends_to_baseline(
    journeys: Path,
) -> None:
    """90 days: D2's only touch is 181 days old, so 1 of 2 conversions (50 %, 500) is baseline."""
    args = ("attribution", "-m", "last_touch", "--bootstrap", "0", "--format", "json")
    run = crmroi(journeys, *args)
    assert run.returncode == 0, run.stderr
    payload = json.loads(run.stdout)
    assert payload["notes"][0] == (
        "lookback window: 1 of 2 conversions (50.0%, revenue 500) had touches, but none in the "
        "90 days before converting, and count as (baseline); `crmroi attribution "
        "--lookback-days N` or `[roi] attribution_lookback_days` in crmroi.toml changes the "
        "window"
    )
    baseline = payload["models"]["last_touch"][-1]
    assert baseline["revenue"] == pytest.approx(500.0)
    wide = json.loads(crmroi(journeys, *args, "--lookback-days", "200").stdout)
    assert not any(note.startswith("lookback") for note in wide.get("notes", []))
    assert wide["models"]["last_touch"][-1]["revenue"] == pytest.approx(0.0)


def test_roi_says_how_many_conversions_the_lookback_sends_to_baseline(journeys: Path) -> None:
    """The attributed basis of ``crmroi roi`` uses the same 90-day lookback: the note names
    D2 (1 of 2, 500) and the setting; a 200-day window in crmroi.toml keeps both deals."""
    with open_workspace(journeys) as ws:
        insert_rows(
            ws,
            "costs",
            [{"cost_id": "C1", "category": "licence", "amount": 100.0, "currency": "EUR",
              "incurred_at": "2024-01-01", "recurrence": "monthly"}],
        )  # fmt: skip
    args = ("roi", "--basis", "attributed", "--format", "json")
    run = crmroi(journeys, *args)
    assert run.returncode == 0, run.stderr
    notes = json.loads(run.stdout)["notes"]
    assert (
        "attributed basis: lookback window: 1 of 2 conversions (50.0%, revenue 500) had "
        "touches, but none in the 90 days before converting, and count as (baseline); "
        "`[roi] attribution_lookback_days` in crmroi.toml changes the window"
    ) in notes
    (journeys.parent / "crmroi.toml").write_text("[roi]\nattribution_lookback_days = 200\n")
    wide = crmroi(journeys, *args)
    assert wide.returncode == 0, wide.stderr
    assert not any("lookback window" in note for note in json.loads(wide.stdout)["notes"])


def test_a_conversion_window_past_the_data_names_itself(tmp_path: Path) -> None:
    """Workflow W: 3 enrolled + 3 holdout on 2024-01-01; c0 (enrolled) won on 2024-03-01, and
    the last deal (another contact) closed 2024-06-30. 180 days end 2024-06-29: every contact
    fits, 1 of 3 enrolled converted. 365 days end 2024-12-31, after the data: all
    6 are left out, and the reason says so instead of "no holdout group"."""
    with open_workspace(tmp_path / "h.duckdb") as ws:
        insert_rows(
            ws,
            "workflow_enrollments",
            [
                {"enrollment_key": f"W|c{i}", "workflow_id": "W", "contact_id": f"c{i}",
                 "enrolled_at": "2024-01-01", "holdout": i >= 3}
                for i in range(6)
            ],
        )  # fmt: skip
        insert_rows(
            ws,
            "deals",
            [
                {"deal_id": "D", "contact_id": "c0", "status": "won", "amount": 10.0,
                 "created_at": "2024-02-01", "closed_at": "2024-03-01"},
                {"deal_id": "E", "contact_id": "z", "status": "won", "amount": 5.0,
                 "created_at": "2024-05-01", "closed_at": "2024-06-30"},
            ],
        )  # fmt: skip
        fx = FxRates("EUR", {})
        fits = workflow_holdouts(ws, fx, window_days=180)
        assert [(c.treated.n, c.control.n, c.late, c.reason) for c in fits] == [(3, 3, 0, None)]
        assert fits[0].treated.conversions == 1
        late = workflow_holdouts(ws, fx, window_days=365)
        assert [(c.treated.n, c.control.n, c.late) for c in late] == [(0, 0, 6)]
        expected = (
            "needs at least 2 treated and 2 control contacts: 6 of 6 contacts were left out "
            "because their 365-day conversion window ends after the data (2024-06-30); "
            "`[roi] conversion_window_days` in crmroi.toml shortens it"
        )
        assert late[0].reason == expected
        assert holdout_total(late, []).reason == f"W: {expected}"
