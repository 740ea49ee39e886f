"""A tiny hand-made company for the journey tests (a real DuckDB workspace)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.schema import table as spec


def insert(ws: Workspace, name: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows into a canonical table, filling absent columns with NULL and casting types."""
    columns = spec(name).columns
    frame = pd.DataFrame([{c.name: row.get(c.name) for c in columns} for row in rows])
    for c in columns:
        if c.dtype == "timestamp":
            frame[c.name] = pd.to_datetime(frame[c.name], format="ISO8601")
        elif c.dtype == "float64":
            frame[c.name] = frame[c.name].astype("float64")
        elif c.dtype == "int64":
            frame[c.name] = frame[c.name].astype("Int64")
        elif c.dtype == "boolean":
            frame[c.name] = frame[c.name].astype("boolean")
        else:
            frame[c.name] = frame[c.name].astype("object")
    ws.con.insert(name, frame)


@pytest.fixture
def tiny(workspace: Workspace) -> Workspace:
    """Three deals, one lead, six touches, a web session and two workflow enrolments.

    D1 won 1,000 on account A1 (contacts C1, C2), created 1 Mar, closed 20 Mar 2024.
    D2 lost 500, no account, contact C4, closed 25 Mar. D3 open on account A2 (no touches).
    C3 is a lead without a deal. The data end on 25 Mar 2024.
    """
    insert(
        workspace,
        "contacts",
        [
            {"contact_id": "C1", "account_id": "A1", "created_at": "2024-02-01 10:00"},
            {"contact_id": "C2", "account_id": "A1", "created_at": "2024-02-15"},
            {"contact_id": "C3", "created_at": "2024-02-01"},
            {"contact_id": "C4", "created_at": "2024-03-01"},
            {"contact_id": "C5", "account_id": "A2", "created_at": "2024-03-01"},
        ],
    )
    insert(
        workspace,
        "deals",
        [
            {
                "deal_id": "D1",
                "account_id": "A1",
                "contact_id": "C1",
                "status": "won",
                "amount": 1000.0,
                "created_at": "2024-03-01",
                "closed_at": "2024-03-20",
            },
            {
                "deal_id": "D2",
                "contact_id": "C4",
                "status": "lost",
                "amount": 500.0,
                "created_at": "2024-03-05",
                "closed_at": "2024-03-25",
            },
            {
                "deal_id": "D3",
                "account_id": "A2",
                "contact_id": "C5",
                "status": "open",
                "amount": 800.0,
                "created_at": "2024-03-10",
            },
        ],
    )
    insert(
        workspace,
        "campaigns",
        [
            {"campaign_id": "K1", "name": "Newsletter", "channel": "email"},
            {"campaign_id": "K2", "name": "Spring", "channel": "paid_search"},
        ],
    )
    insert(workspace, "workflows", [{"workflow_id": "W1", "name": "Nurture"}])
    touch = [
        ("T1", "C1", "2024-02-01 09:00", "email", "K1"),
        ("T2", "C2", "2024-03-10 09:00", "paid_search", "K2"),
        ("T3", "C1", "2024-03-24 09:00", "social", None),  # after D1 closed: dropped
        ("T4", "C1", "2023-10-01 09:00", "display", None),  # beyond 90-day lookback
        ("T5", "C4", "2024-03-06 09:00", "email", "K1"),
        ("T6", "C3", "2024-02-10 09:00", "social", None),
    ]
    insert(
        workspace,
        "touchpoints",
        [
            {
                "touchpoint_id": t,
                "contact_id": c,
                "occurred_at": at,
                "channel": ch,
                "campaign_id": k,
            }
            for t, c, at, ch, k in touch
        ],
    )
    insert(
        workspace,
        "web_sessions",
        [
            {
                "session_id": "S1",
                "contact_id": "C2",
                "started_at": "2024-03-15 10:00",
                "source": "google",
                "medium": "cpc",
                "campaign": "Spring",
            }
        ],
    )
    insert(
        workspace,
        "workflow_enrollments",
        [
            {
                "enrollment_key": "e1",
                "workflow_id": "W1",
                "contact_id": "C1",
                "enrolled_at": "2024-02-20",
                "holdout": False,
            },
            {
                "enrollment_key": "e2",
                "workflow_id": "W1",
                "contact_id": "C2",
                "enrolled_at": "2024-02-21",
                "holdout": True,
            },
        ],
    )
    return workspace
