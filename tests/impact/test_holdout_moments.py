"""The holdout moments per group, worked out by hand: converted contacts, revenue, late ones.

``group_moments`` joins only the assignments that converted and counts each group's contacts
apart; a group whose every contact came too late still shows with its ``late`` count, and an
assignment without a date counts nowhere.
"""

from __future__ import annotations

import ibis
import pandas as pd

from crmroi import Workspace
from crmroi.impact.holdout import group_moments
from crmroi.roi.fx import FxRates


def test_moments_by_hand(workspace: Workspace) -> None:
    """Data end: D3's close, 1 Jun. W1 treated: c1 (won D1 100 and D2 50 inside its 30 days:
    one conversion worth 150), c2 (D3 won 40, but 50 days after: outside), c3 (nothing); W1
    control: c4 (won D4 70). W2: c5 enrolled 20 May, window ends after 1 Jun: late; c6 has no
    date."""
    day = pd.Timestamp
    workspace.con.insert(
        "deals",
        pd.DataFrame(
            {
                "deal_id": ["D1", "D2", "D3", "D4"],
                "contact_id": ["c1", "c1", "c2", "c4"],
                "status": ["won"] * 4,
                "amount": [100.0, 50.0, 40.0, 70.0],
                "created_at": [day("2024-01-01")] * 4,
                "closed_at": [
                    day("2024-01-10"),
                    day("2024-01-20"),
                    day("2024-06-01"),
                    day("2024-02-01"),
                ],
            }
        ),
    )
    assignments = ibis.memtable(
        {
            "unit": ["W1", "W1", "W1", "W1", "W2", "W2"],
            "contact_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
            "at": [day("2024-01-05"), day("2024-04-12"), day("2024-01-05"), day("2024-01-20"),
                   day("2024-05-20"), None],
            "control": [False, False, False, True, False, False],
        }
    )  # fmt: skip
    moments = group_moments(assignments, workspace.table("deals"), FxRates("EUR", {}), 30)
    rows = {
        (r.unit, bool(r.control)): (r.n, r.conversions, r.revenue, r.revenue_sq, r.late)
        for r in moments.itertuples()
    }
    assert rows == {
        ("W1", False): (3, 1, 150.0, 150.0**2, 0),
        ("W1", True): (1, 1, 70.0, 70.0**2, 0),
        ("W2", False): (0, 0, 0.0, 0.0, 1),
    }
    assert moments.attrs["data_end"] == day("2024-06-01")
