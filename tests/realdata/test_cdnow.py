"""CDNOW purchase log through `crmroi import` and `crmroi clv`, against Fader, Hardie & Lee
(2005) as the README gives them: BG/NBD on the 2,357-customer sample r = 0.2426, α = 4.4135,
a = 0.7929, b = 2.4258; Gamma-Gamma p = 6.2488, q = 3.7446, v = 15.4477; customer 1 expects
1.2259 purchases in the next 39 weeks. The full log: 69,659 lines of 23,570 customers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from .cli import (
    Loaded,
    crmroi,
    kpi_values,
    load,
)
from .contract import WorkspaceContract

FOLDER = Path("cdnow_lifetimes")
BGNBD = {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}
GAMMA_GAMMA = {"p": 6.2488, "q": 3.7446, "v": 15.4477}


@pytest.fixture(scope="module")
def loaded(shared_data: Path, examples: Path, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    """The 1/10 sample (no header, whitespace-aligned), the customers the published fit used."""
    path = tmp_path_factory.mktemp("cdnow") / "ws.duckdb"
    return load(
        path, (shared_data / FOLDER / "CDNOW_sample.txt", "--map", examples / "cdnow-orders.toml")
    )


@pytest.fixture(scope="module")
def master(shared_data: Path, examples: Path, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    path = tmp_path_factory.mktemp("cdnow-master") / "ws.duckdb"
    return load(
        path, (shared_data / FOLDER / "CDNOW_master.txt", "--map", examples / "cdnow-master.toml")
    )


def test_import_sample(loaded: Loaded) -> None:
    (f,) = loaded.files
    assert (f["rows_read"], f["rows_loaded"], f["rows_quarantined"]) == (6919, 6919, 0)


def test_import_master_equals_pandas(master: Loaded, shared_data: Path) -> None:
    """The full log with its header row: every line an order; RFM sees its 23,570 customers
    and their Σ dollars."""
    raw = pd.read_csv(shared_data / FOLDER / "CDNOW_master.txt", sep=r"\s+")
    (f,) = master.files
    assert (f["rows_read"], f["rows_loaded"], f["rows_quarantined"]) == (len(raw), 69_659, 0)
    rows = crmroi(master.path, "rfm", "--format", "json").assert_ok().json()
    assert sum(r["customers"] for r in rows) == raw["customer_id"].nunique() == 23_570
    assert sum(r["revenue"] for r in rows) == pytest.approx(raw["dollar_value"].sum())


def test_clv_on_full_log(master: Loaded, shared_data: Path) -> None:
    """BG/NBD and Gamma-Gamma on all 23,570 customers. 80 lines are $0.00; pandas finds the
    repeat buyers (purchase days summed, first day left out) whose repeat days average ≤ 0:
    Gamma-Gamma leaves them out, says how many, and still values them."""
    raw = pd.read_csv(shared_data / FOLDER / "CDNOW_master.txt", sep=r"\s+")
    days = raw.groupby(["customer_id", "date"])["dollar_value"].sum().reset_index()
    repeat_days = days[days.duplicated("customer_id")]  # sorted by date: the first day is kept
    repeat_mean = repeat_days.groupby("customer_id")["dollar_value"].mean()
    without_spend = int((repeat_mean <= 0).sum())
    assert (raw["dollar_value"] == 0).sum() == 80 and without_spend > 0
    payload = crmroi(master.path, "clv", "--top", "1", "--format", "json").assert_ok().json()
    assert payload["customers"] == raw["customer_id"].nunique() == 23_570
    assert payload["repeat_customers"] == len(repeat_mean)
    assert payload["repeat_customers_without_spend"] == without_spend
    assert payload["gamma_gamma"] is not None
    (note,) = payload["notes"]
    assert f"{without_spend:,} whose repeat purchases average 0 or less" in note
    assert payload["summary"]["total_clv"] > 0


def test_clv_on_imported_log_reproduces_published_fit(ws: Path) -> None:
    args = ["clv", "--observation-end", "1997-09-30", "--horizon", "39", "--top", "2357"]
    payload = crmroi(ws, *args, "--format", "json").assert_ok().json()
    for name, value in BGNBD.items():
        assert payload["bgnbd"][name] == pytest.approx(value, rel=5e-4), name
    for name, value in GAMMA_GAMMA.items():  # the raw log's dollars have 2 decimals
        assert payload["gamma_gamma"][name] == pytest.approx(value, rel=1e-3), name
    assert payload["customers"] == 2357
    first = next(c for c in payload["top_customers"] if int(c["customer"]) == 1)
    assert first["expected_purchases"] == pytest.approx(1.2259, abs=2e-4)


def test_clv_from_summary_reproduces_published_parameters(ws: Path, shared_data: Path) -> None:
    summary = shared_data / FOLDER / "cdnow_customers_summary.csv"
    payload = crmroi(ws, "clv", "--from-summary", summary, "--format", "json").assert_ok().json()
    for name, value in BGNBD.items():
        assert round(payload["bgnbd"][name], 4) == value, name
    assert payload["customers"] == 2357


def test_kpis_average_revenue_per_account_equals_pandas(ws: Path, shared_data: Path) -> None:
    names = ["sample_customer", "customer", "date", "cds", "dollars"]
    raw = pd.read_csv(shared_data / FOLDER / "CDNOW_sample.txt", sep=r"\s+", names=names)
    values = kpi_values(ws, "-k", "avg_revenue_per_account")
    want = raw["dollars"].sum() / raw["customer"].nunique()
    assert values[("avg_revenue_per_account",)] == pytest.approx(want)


class TestWorkspaceContract(WorkspaceContract):
    """The checks every dataset's workspace passes (contract.py)."""
