"""UCI Online Retail: 541,909 invoice lines through the CLI, against pandas and the README.

README: all rows 25,900 invoices, 4,372 customers, Σ quantity × price 9,747,747.93; without
cancellations and with a customer: 397,924 lines, 4,339 customers, 18,536 invoices, revenue
8,911,407.90; 2,845 customers with ≥ 2 invoices; December 2010 cohort 885, 324 active in January.
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
from .reports import (
    LANGS,
    section,
)

FILE = Path("uci_online_retail") / "online_retail.csv"


@pytest.fixture(scope="module")
def lines(shared_data: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared_data / FILE, dtype={"InvoiceNo": str, "CustomerID": "string"})
    return raw.assign(
        amount=raw["Quantity"] * raw["UnitPrice"],
        cancelled=raw["InvoiceNo"].str.startswith("C"),
        day=pd.to_datetime(raw["InvoiceDate"]).dt.date,
    )


@pytest.fixture(scope="module")
def customer_orders(lines: pd.DataFrame) -> pd.DataFrame:
    """Lines with a customer that are not cancellations: the README's 'customer rows'."""
    return lines[lines["CustomerID"].notna() & ~lines["cancelled"]]


@pytest.fixture(scope="module")
def loaded(shared_data: Path, examples: Path, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    path = tmp_path_factory.mktemp("retail") / "ws.duckdb"
    return load(path, (shared_data / FILE, "--map", examples / "online-retail.toml"))


def test_pandas_oracle_equals_readme(lines: pd.DataFrame, customer_orders: pd.DataFrame) -> None:
    """The independent computation the CLI is checked against reproduces the published figures."""
    assert (lines["InvoiceNo"].nunique(), lines["CustomerID"].nunique()) == (25_900, 4_372)
    assert lines["amount"].sum() == pytest.approx(9_747_747.93, abs=0.01)
    c = customer_orders
    assert (len(c), c["CustomerID"].nunique(), c["InvoiceNo"].nunique()) == (397_924, 4_339, 18_536)
    assert c["amount"].sum() == pytest.approx(8_911_407.90, abs=0.01)
    assert (c.groupby("CustomerID")["InvoiceNo"].nunique() >= 2).sum() == 2_845


def test_import_loads_every_line(loaded: Loaded) -> None:
    """541,909 lines read and loaded (cancellations, zero prices, duplicates too), none lost."""
    (f,) = loaded.files
    assert (f["rows_read"], f["rows_loaded"], f["rows_quarantined"]) == (541_909, 541_909, 0)


def test_rfm_customers_and_revenue_equal_pandas(ws: Path, lines: pd.DataFrame) -> None:
    """RFM covers the 4,339 customers with an order; its revenue is their net spend (orders
    minus their cancellations): pandas Σ amount over every line of those customers."""
    rows = crmroi(ws, "rfm", "--customer", "contact_id", "--format", "json").assert_ok().json()
    buyers = lines.loc[lines["CustomerID"].notna() & ~lines["cancelled"], "CustomerID"].unique()
    net = lines.loc[lines["CustomerID"].isin(buyers), "amount"].sum()
    assert sum(r["customers"] for r in rows) == len(buyers) == 4_339
    assert sum(r["revenue"] for r in rows) == pytest.approx(net, abs=0.01)


def test_cohorts_equal_pandas_and_readme(ws: Path, customer_orders: pd.DataFrame) -> None:
    """Customers by month of first order × months since: the December 2010 cohort's 885 and the
    324 of them who bought again in January 2011, and every cohort's size, as pandas counts."""
    rows = crmroi(ws, "cohorts", "--customer", "contact_id", "--format", "json").assert_ok().json()
    got = {r["cohort_start"][:7]: r for r in rows}
    month = pd.to_datetime(customer_orders["InvoiceDate"]).dt.to_period("M")
    first = month.groupby(customer_orders["CustomerID"]).min()
    sizes = first.astype(str).value_counts().sort_index()
    assert {m: r["cohort_size"] for m, r in got.items()} == sizes.to_dict()
    december = first[first == pd.Period("2010-12", "M")].index
    active_january = customer_orders.loc[
        customer_orders["CustomerID"].isin(december) & (month == pd.Period("2011-01", "M")),
        "CustomerID",
    ].nunique()
    assert (
        (got["2010-12"]["cohort_size"], got["2010-12"]["1"]) == (885, active_january) == (885, 324)
    )


def test_clv_customers_equal_pandas(ws: Path, customer_orders: pd.DataFrame) -> None:
    """BG/NBD counts repeat purchases in distinct days (as Fader & Hardie's summaries do):
    2,790 of the 4,339 customers bought on ≥ 2 days (the README's 2,845 count invoices)."""
    payload = crmroi(ws, "clv", "--customer", "contact_id", "--top", "1", "--format", "json")
    payload = payload.assert_ok().json()
    days = customer_orders.groupby("CustomerID")["day"].nunique()
    assert payload["customers"] == len(days) == 4_339
    assert payload["repeat_customers"] == (days >= 2).sum() == 2_790
    assert payload["summary"]["total_clv"] > 0


def test_kpis_average_revenue_per_account_equals_pandas(ws: Path, lines: pd.DataFrame) -> None:
    """Net revenue of every line with a customer ÷ customers (4,372, cancellation-only ones too)."""
    with_customer = lines[lines["CustomerID"].notna()]
    want = with_customer["amount"].sum() / with_customer["CustomerID"].nunique()
    values = kpi_values(ws, "-k", "avg_revenue_per_account")
    assert values[("avg_revenue_per_account",)] == pytest.approx(want)


@pytest.mark.parametrize("lang", LANGS)
def test_report_customers_section_shows_figures(reports: dict, lang: str) -> None:
    assert section(reports, lang, "customers").shows_figures


class TestWorkspaceContract(WorkspaceContract):
    """The checks every dataset's workspace passes (contract.py)."""
