"""The segment rule of the engagement detector on hand-made scores."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from crmroi import open_workspace
from crmroi.insights import FindingsSettings
from crmroi.insights.context import DetectorContext
from crmroi.insights.segments import _falling


def test_only_a_clear_fall_of_a_big_enough_segment_is_reported(tmp_path: Path) -> None:
    """A: five buyers from ~60 to ~30 and one silent throughout (mean 50 → 25, a 50 % fall).
    Paired differences −30, −29, −29, −30, −32, 0: mean −25, SD √(756 / 5) = 12.296, SE
    12.296 / √6 = 5.0199, t = −4.980 with 5 df, one-sided p = 0.00209: confidence 0.99791.
    Worth their 12-month orders 1,000 + … + 5,000 = 15,000 (the silent one's refund, −500,
    counts as 0). B: 50 → 49 (2 %): silent. C: a 50 % fall, but four buyers, one short of
    the minimum: silent."""
    rows = [
        ("A", 60, 30, 1_000), ("A", 62, 33, 2_000), ("A", 58, 29, 3_000),
        ("A", 61, 31, 4_000), ("A", 59, 27, 5_000), ("A", 0, 0, -500),
        *[("B", 50, 49, 1_000)] * 3, ("B", 52, 50, 1_000), ("B", 48, 47, 1_000),
        *[("C", 60, 30, 9_000)] * 4,
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["segment", "score_before", "score_now", "revenue_12m"])
    ws = open_workspace(tmp_path / "w.duckdb")
    try:
        ctx = DetectorContext(ws, FindingsSettings(), "EUR", datetime(2025, 12, 31))
        [found] = list(_falling(ctx, frame))
    finally:
        ws.close()
    assert (found.kind, found.subject) == ("engagement", "A")
    assert found.money_at_stake == 15_000.0
    assert found.evidence["customers"] == 6
    assert found.evidence["relative_drop"] == pytest.approx(1 - 150 / 300, abs=1e-4)
    assert found.confidence == pytest.approx(0.99791, abs=1e-5)
