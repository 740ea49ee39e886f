"""The frequency/recency/T/monetary summary built in the engine from orders."""

from __future__ import annotations

import pandas as pd
import pytest

from crmroi import AnalysisError, Workspace
from crmroi.engagement.summary import TimeUnit, purchase_summary


def _orders(rows: list[tuple[str, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [str(i) for i in range(len(rows))],
            "account_id": [r[0] for r in rows],
            "occurred_at": pd.to_datetime([r[1] for r in rows]),
            "amount": [r[2] for r in rows],
            "kind": [r[3] for r in rows],
        }
    )


def test_summary_by_hand(workspace: Workspace) -> None:
    """Observation ends 2024-01-29 (28 days after 1 January).

    A buys on 1 Jan (10), twice on 8 Jan (20 + 5 → one purchase day of 25), on 15 Jan (35), and
    cancels 40 on 20 Jan (not a purchase). Days: 1, 8, 15 → frequency 2, recency 14 days = 2
    weeks, T = 28 days = 4 weeks, monetary = (25 + 35) / 2 = 30 (the first day left out).
    B buys once on 22 Jan: frequency 0, recency 0, T = 7 days = 1 week, monetary 0.
    C buys after the end and is not in the summary.
    """
    workspace.con.insert(
        "orders",
        _orders(
            [
                ("A", "2024-01-01 09:00", 10.0, "order"),
                ("A", "2024-01-08 10:00", 20.0, "order"),
                ("A", "2024-01-08 17:00", 5.0, "order"),
                ("A", "2024-01-15 12:00", 35.0, "order"),
                ("A", "2024-01-20 12:00", -40.0, "cancellation"),
                ("B", "2024-01-22 08:00", 12.0, "order"),
                ("C", "2024-02-05 08:00", 99.0, "order"),
            ]
        ),
    )
    frame = purchase_summary(workspace, observation_end="2024-01-29").set_index("customer")
    assert list(frame.index) == ["A", "B"]
    assert frame.loc["A"].to_dict() == pytest.approx(
        {"frequency": 2, "recency": 2, "T": 4, "monetary_value": 30}
    )
    assert frame.loc["B"].to_dict() == pytest.approx(
        {"frequency": 0, "recency": 0, "T": 1, "monetary_value": 0}
    )
    days = purchase_summary(workspace, observation_end="2024-01-29", time_unit=TimeUnit.day)
    assert days.set_index("customer").loc["A", "T"] == 28


def test_empty_orders_raise(workspace: Workspace) -> None:
    with pytest.raises(AnalysisError, match="no purchases"):
        purchase_summary(workspace)
