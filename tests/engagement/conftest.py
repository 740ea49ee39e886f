"""Workspaces loaded with the real datasets the engagement tests check against.

The datasets go in through ``ws.con.insert`` after parsing with pandas: the vendor importers for
CDNOW, Online Retail and the BT NPS export are being written elsewhere; once ``crmroi.ingest``
reads these files, the fixtures should switch to the import path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmroi import Workspace, open_workspace


def cdnow_orders(shared_data: Path) -> pd.DataFrame:
    """CDNOW_sample.txt (no header: customer, id in master, yyyymmdd, CDs, dollars) as orders.

    The customer is the sample's second column, the ``ID`` of the published summaries.
    """
    raw = pd.read_csv(
        shared_data / "cdnow_lifetimes" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["customer", "id", "date", "cds", "dollars"],
        dtype={"customer": str, "date": str},
    )
    return pd.DataFrame(
        {
            "order_id": [f"cdnow-{i}" for i in range(len(raw))],
            "account_id": raw["id"].astype(str),
            "occurred_at": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["dollars"].astype(float),
            "currency": "USD",
            "kind": "order",
        }
    )


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


def nps_responses(shared_data: Path) -> pd.DataFrame:
    """The BT verbatims as survey_responses (dates are day-first)."""
    raw = pd.read_csv(shared_data / "nps_bt_verbatims" / "nps_verbatims.csv")
    return pd.DataFrame(
        {
            "response_id": [f"bt-{i}" for i in range(len(raw))],
            "survey": "nps",
            "score": raw["NPS_SCORE"].astype(float),
            "scale_max": 10.0,
            "comment": raw["text"],
            "stage": raw["SURVEY_SUB_TYPE"],
            "answered_at": pd.to_datetime(raw["CUSTOMER_RESPONSE_DATE"], format="%d/%m/%Y %H:%M"),
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
    ws.con.insert("survey_responses", nps_responses(shared_data))
    yield ws
    ws.close()
