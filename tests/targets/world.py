"""A hand-built company with a known run rate, for the target tests.

Two reps: u1 Anna Berg (team North) and u2 Ben Roth (team South). In each month January –
June 2025 every rep wins one deal, created on the 3rd and won on the 20th:

* u1: 30,000 32,000 28,000 31,000 29,000 30,000 (mean 30,000, sample SD √2,000,000 ≈ 1,414.2)
* u2: 18,000 22,000 20,000 21,000 19,000 20,000 (mean 20,000)

July 2025 is running: u1 won 10,000 on July 5 (created July 2), u2 won 9,000 on July 8
(created July 1); no deal is open. The last record is a call on 2025-07-11 00:00, so the data
end is 10 of July's 31 days in (elapsed 10/31, left 21/31).
"""

from __future__ import annotations

from datetime import datetime

from crmroi import Workspace
from tests.support import insert_rows

U1 = [30_000, 32_000, 28_000, 31_000, 29_000, 30_000]
U2 = [18_000, 22_000, 20_000, 21_000, 19_000, 20_000]
AS_OF = datetime(2025, 7, 11)
ELAPSED = 10 / 31


def _deal(deal_id: str, owner: str, amount: float, created: datetime, closed: datetime) -> dict:
    return {
        "deal_id": deal_id,
        "owner_id": owner,
        "pipeline": "sales",
        "stage": "Won",
        "status": "won",
        "amount": amount,
        "currency": "EUR",
        "created_at": created,
        "closed_at": closed,
    }


def build(ws: Workspace) -> None:
    """Write the company described in the module docstring."""
    insert_rows(ws, "users", [
        {"user_id": "u1", "name": "Anna Berg", "team": "North"},
        {"user_id": "u2", "name": "Ben Roth", "team": "South"},
    ])  # fmt: skip
    deals = []
    for month in range(1, 7):
        for owner, amounts in (("u1", U1), ("u2", U2)):
            deals.append(
                _deal(
                    f"{owner}-{month}",
                    owner,
                    amounts[month - 1],
                    datetime(2025, month, 3),
                    datetime(2025, month, 20),
                )
            )
    deals.append(_deal("u1-7", "u1", 10_000, datetime(2025, 7, 2), datetime(2025, 7, 5)))
    deals.append(_deal("u2-7", "u2", 9_000, datetime(2025, 7, 1), datetime(2025, 7, 8)))
    insert_rows(ws, "deals", deals)
    insert_rows(ws, "activities", [
        {"activity_id": "a1", "type": "call", "user_id": "u1", "deal_id": "u1-7",
         "occurred_at": AS_OF},
    ])  # fmt: skip
