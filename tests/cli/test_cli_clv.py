"""`crmroi clv` through its entry point and through the Typer app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from crmroi import open_workspace
from crmroi.cli.app import app

runner = CliRunner()
CRMROI = str(Path(sys.executable).parent / "crmroi")  # the installed entry point


def test_from_summary_prints_published_parameters(shared_data: Path) -> None:
    """The CDNOW summary without a workspace: BG/NBD and Gamma-Gamma as published."""
    summary = shared_data / "cdnow_lifetimes" / "cdnow_customers_summary_with_transactions.csv"
    done = subprocess.run(
        [CRMROI, "clv", "--from-summary", str(summary),
         "--format", "json", "--horizon", "39"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert round(payload["bgnbd"]["r"], 4) == 0.2426
    assert round(payload["bgnbd"]["alpha"], 4) == 4.4135
    assert round(payload["gamma_gamma"]["p"], 4) == 6.2488
    assert round(payload["gamma_gamma"]["v"], 4) == 15.4477
    assert payload["time_unit"] == "week"
    assert payload["customers"] == 2357
    assert payload["summary"]["total_clv"] > 0


def test_from_summary_without_money_has_no_gamma_gamma(shared_data: Path) -> None:
    summary = shared_data / "cdnow_lifetimes" / "cdnow_customers_summary.csv"
    result = runner.invoke(app, ["clv", "--from-summary", str(summary), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["gamma_gamma"] is None
    assert payload["summary"]["total_clv"] is None


def test_bad_summary_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("frequency,recency\n1,2\n")
    done = subprocess.run(
        [CRMROI, "clv", "--from-summary", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "missing column(s) T" in done.stderr


@pytest.mark.parametrize("unit", ["day", "week", "month"])
def test_workspace_table_output(tmp_path: Path, unit: str) -> None:
    """Orders in a workspace file → the fitted parameters and the CLV summary as tables."""
    path = tmp_path / "w.duckdb"
    ws = open_workspace(path)
    rows = []
    for c in range(60):
        for k in range(1 + c % 4):
            when = pd.Timestamp("2024-01-01") + pd.Timedelta(days=7 * c % 90 + 29 * k)
            rows.append((f"C{c}", when, 10.0 + c % 7 + k))
    ws.con.insert(
        "orders",
        pd.DataFrame(
            {
                "order_id": [str(i) for i in range(len(rows))],
                "account_id": [r[0] for r in rows],
                "occurred_at": [r[1] for r in rows],
                "amount": [r[2] for r in rows],
            }
        ),
    )
    ws.close()
    result = runner.invoke(app, ["-w", str(path), "clv", "--time-unit", unit, "--top", "3"])
    assert result.exit_code == 0, result.output
    assert "fitted parameters" in result.output
    assert "gamma_gamma" in result.output
    assert "CLV summary" in result.output


def test_raw_cdnow_log_imported_then_fitted(shared_data: Path, tmp_path: Path) -> None:
    """The user's path: `crmroi import` the raw whitespace log with the documented mapping, then
    `crmroi clv` reproduces Fader, Hardie & Lee (2005) and customer 1's 1.2259 (39 weeks)."""
    mapping = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cdnow-orders.toml"
    log = shared_data / "cdnow_lifetimes" / "CDNOW_sample.txt"
    ws = ["-w", str(tmp_path / "cdnow.duckdb")]
    done = subprocess.run(
        [CRMROI, *ws, "import", str(log), "--map", str(mapping), "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (loaded,) = json.loads(done.stdout)["files"]
    assert (loaded["rows_read"], loaded["rows_loaded"], loaded["rows_quarantined"]) == (
        6919, 6919, 0,
    )  # fmt: skip
    done = subprocess.run(
        [CRMROI, *ws, "clv", "--observation-end", "1997-09-30", "--horizon", "39",
         "--top", "2357", "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    published = {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}
    for name, value in published.items():
        assert payload["bgnbd"][name] == pytest.approx(value, rel=5e-4), name
    published_gg = {"p": 6.2488, "q": 3.7446, "v": 15.4477}  # the raw log's spend: 3 digits
    for name, value in published_gg.items():
        assert payload["gamma_gamma"][name] == pytest.approx(value, rel=1e-3), name
    assert payload["customers"] == 2357
    first = next(c for c in payload["top_customers"] if int(c["customer"]) == 1)
    # 1.22599: the published 1.2259 comes from t_x and T rounded to 2 decimals
    assert first["expected_purchases"] == pytest.approx(1.2259, abs=2e-4)
