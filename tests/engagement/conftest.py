"""Workspaces loaded with the real datasets the engagement tests check against.

CDNOW's raw log and the BT NPS answers go in through ``crmroi import`` with a mapping, as a user
would load them. Online Retail is parsed with pandas: that frame is also the independent oracle
the cohort tests compare with, and its import through a mapping is checked against the reference
counts in ``tests/ingest/test_real_files.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmroi import Workspace, open_workspace
from crmroi.ingest.exports import import_any

ROOT = Path(__file__).resolve().parents[2]
CDNOW_MAPPING = ROOT / "docs" / "examples" / "cdnow-orders.toml"
NPS_MAPPING = ROOT / "tests" / "data" / "mappings" / "nps_verbatims.toml"


def import_whole(ws: Workspace, path: Path, mapping: Path) -> int:
    """Import ``path`` through ``mapping``; every row must load. Returns the rows loaded."""
    (result,) = import_any(ws, path, mapping=mapping)
    assert result.result.rows_quarantined == 0, result.result.problems
    assert result.result.rows_read == result.result.rows_loaded
    return result.result.rows_loaded


def online_retail_orders(shared_data: Path) -> pd.DataFrame:
    """Online Retail lines as orders: amount = Quantity × UnitPrice; ``C`` invoices cancel."""
    raw = pd.read_csv(
        shared_data / "uci_online_retail" / "online_retail.csv",
        dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str},
    )
    cancelled = raw["InvoiceNo"].str.startswith("C")
    return pd.DataFrame(
        {
            "order_id": raw["InvoiceNo"] + ":" + raw.index.astype(str),
            "account_id": raw["CustomerID"],
            "contact_id": raw["CustomerID"],
            "occurred_at": pd.to_datetime(raw["InvoiceDate"]),
            "amount": raw["Quantity"] * raw["UnitPrice"],
            "currency": "GBP",
            "kind": np.where(cancelled, "cancellation", "order"),
            "product": raw["StockCode"],
        }
    )


@pytest.fixture(scope="session")
def retail_frame(shared_data: Path) -> pd.DataFrame:
    return online_retail_orders(shared_data)


@pytest.fixture(scope="session")
def retail_ws(
    retail_frame: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    """A workspace holding the 541,909 Online Retail lines (read-only for the tests)."""
    ws = open_workspace(tmp_path_factory.mktemp("retail") / "retail.duckdb")
    ws.con.insert("orders", retail_frame)
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def nps_ws(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = open_workspace(tmp_path_factory.mktemp("nps") / "nps.duckdb")
    path = shared_data / "nps_bt_verbatims" / "nps_verbatims.csv"
    assert import_whole(ws, path, NPS_MAPPING) == 2385
    yield ws
    ws.close()
