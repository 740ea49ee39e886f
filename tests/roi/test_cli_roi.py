"""`crmroi roi` through its installed entry point, on the small simulated company."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crmroi import open_workspace

from .conftest import build_small_company

CRMROI = Path(sys.executable).with_name("crmroi")


@pytest.fixture(scope="module")
def workspace_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "company.duckdb"
    with open_workspace(path) as ws:
        build_small_company(ws)
    return path


def run(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # the entry point, as a user runs it
        [str(CRMROI), "-w", str(path), "roi", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=path.parent,
        timeout=300,
    )


def test_json(workspace_file: Path) -> None:
    done = run(workspace_file, "--format", "json", "--basis", "touched", "--margin", "0.5")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["basis"] == "touched" and out["margin"] == 0.5
    assert out["gross_profit"] == pytest.approx(out["revenue"] * 0.5)
    for key in ("total_cost", "roi_pct", "roi_pct_low", "roi_pct_high", "payback_months",
                "npv", "irr", "cost_by_category", "campaigns", "workflows"):  # fmt: skip
        assert key in out


def test_table_and_bad_option(workspace_file: Path) -> None:
    done = run(workspace_file, "--horizon-months", "30", "--discount-rate", "0.08")
    assert done.returncode == 0, done.stderr
    assert "Revenue through the CRM, three ways" in done.stdout
    assert "30 months" in done.stdout
    bad = run(workspace_file, "--margin", "1.5")
    assert bad.returncode == 2 and "margin" in bad.stderr


def test_explain_prints_each_estimate_with_design_assumptions_and_checks(
    workspace_file: Path,
) -> None:
    done = run(workspace_file, "--explain", "--adoption-date", "2024-01-01")
    assert done.returncode == 0, done.stderr
    text = done.stdout.split("Incremental revenue: how each estimate was made", 1)[1]
    assert "chosen: parts: the first method" in text
    for key, method in (("parts", "deal_level_parts"), ("did", "difference_in_differences"),
                        ("its", "interrupted_time_series"), ("holdouts", "holdouts")):  # fmt: skip
        block = text.split(f"[{key}] {method}: ", 1)[1].split("\n\n", 1)[0]
        assert "(95 %)" in block and "\n  design: " in block, key
        assert "\n  assumes: " in block and "\n  checks: n = " in block, key
    assert "pre-trend p = " in text and "placebo " in text
