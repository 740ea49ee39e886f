"""`crmroi demo` end to end: simulate, import through the real path, report; checked in Chromium."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "crmroi",
            "demo",
            "--out",
            str(out),
            "--size",
            "small",
            "--seed",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert f"report: {(out / 'report.html').resolve()}" in run.stdout
    return out


@pytest.fixture(scope="module")
def page(demo_dir: Path, browser: Any) -> Iterator[Any]:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((demo_dir / "report.html").as_uri())
    page.wait_for_selector("body[data-charts-ready=true]", timeout=30_000)
    page.requests = requests  # type: ignore[attr-defined]
    yield page
    page.close()


def test_demo_writes_workspace_report_and_reconciled_imports(demo_dir: Path) -> None:
    for name in ("report.html", "report.pdf", "report.xlsx", "crmroi.duckdb", "crmroi.toml"):
        assert (demo_dir / name).is_file(), name
    import crmroi

    with crmroi.open_workspace(demo_dir / "crmroi.duckdb") as ws:
        imports = ws.table("imports").execute()
        assert (imports.rows_read == imports.rows_loaded + imports.rows_quarantined).all()
        for row in imports.itertuples():
            with open(row.file, encoding="utf-8") as handle:
                lines = sum(1 for _ in handle) - 1
            assert row.rows_read <= lines  # embedded newlines can only make fewer rows
            assert ws.count(row.table_name) == row.rows_loaded


@pytest.mark.browser
def test_report_opens_offline_with_every_chart_drawn(
    page: Any, demo_dir: Path, coloured_share: Any
) -> None:
    charts = page.locator(".chart")
    assert charts.count() >= 3
    for i in range(charts.count()):
        assert charts.nth(i).get_attribute("data-rendered") == "true"
        assert charts.nth(i).locator("svg").count() == 1
    assert [u for u in page.requests if not u.startswith("file://")] == []
    png = page.locator("#chart-won-revenue").screenshot()
    assert coloured_share(png) > 0.03
    page.screenshot(path=str(demo_dir / "report.png"), full_page=True)


@pytest.mark.browser
def test_report_figures_match_an_independent_count_of_the_generated_files(
    page: Any, demo_dir: Path
) -> None:
    """Won deals since adoption, counted with pandas from deals.csv, as the report shows it."""
    toml = (demo_dir / "crmroi.toml").read_text(encoding="utf-8")
    adoption = pd.Timestamp(next(line for line in toml.splitlines() if "adoption" in line)[-10:])
    deals = pd.read_csv(demo_dir / "data" / "deals.csv", parse_dates=["closed_at"])
    won = deals[(deals.status == "won") & (deals.closed_at >= adoption)]
    shown = page.locator("#metric-won_deals .value").inner_text()
    assert int(shown.replace(",", "")) == len(won)
    revenue = page.locator("#metric-won_revenue .value").inner_text()
    assert revenue == f"€{won.amount.sum():,.0f}"
