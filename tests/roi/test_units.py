"""ROI per campaign from an attribution table (``roi.units``): one row, one cost per campaign."""

from __future__ import annotations

import pandas as pd
import pytest

from crmroi.roi.units import attributed_revenue, campaign_rows


def test_a_campaign_touching_through_two_channels_is_one_row() -> None:
    """C1's touches came through events (0.5 deals, 20,000) and other (1.5 deals, 60,000):
    one C1 row with 2 deals and 80,000; against its cost of 10,000 at margin 1 the ROI is
    (80,000 − 10,000) ÷ 10,000 = 700 %. The baseline row is not a campaign."""
    table = pd.DataFrame(
        {
            "key": ["C1", "C2", "C1", "(baseline)"],
            "parent": ["events", "email", "other", None],
            "conversions": [0.5, 1.0, 1.5, 3.0],
            "revenue": [20_000.0, 5_000.0, 60_000.0, 90_000.0],
        }
    )
    revenue = attributed_revenue(table)
    assert revenue.to_dict("records") == [
        {"id": "C1", "revenue": 80_000.0, "deals": 2.0},
        {"id": "C2", "revenue": 5_000.0, "deals": 1.0},
    ]
    costs = pd.DataFrame({"id": ["C1", "C2"], "name": ["Fair", "Mail"], "cost": [10_000.0, 500.0]})
    rows = campaign_rows(costs, revenue, (), margin=1.0, model="data_driven")
    assert [r["campaign_id"] for r in rows] == ["C1", "C2"]
    assert rows[0]["roi_pct"] == pytest.approx(700.0)
    assert rows[1]["roi_pct"] == pytest.approx((5_000 - 500) / 500 * 100)
