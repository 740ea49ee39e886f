"""RFM: quintile scores against pandas, segments by hand, Online Retail totals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.engagement.rfm import SEGMENTS, rfm_segments, rfm_table


def _pandas_score(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    """Independent quintile score: ⌊5 · (min rank − 1)/(n − 1)⌋ + 1, capped at 5."""
    ranked = values if higher_is_better else -values
    pct = (ranked.rank(method="min") - 1) / (len(values) - 1)
    return np.minimum(np.floor(pct * 5).astype(int) + 1, 5)


def test_segments_cover_every_score_pair() -> None:
    for r in range(1, 6):
        for f in range(1, 6):
            assert any(
                s.recency[0] <= r <= s.recency[1] and s.frequency[0] <= f <= s.frequency[1]
                for s in SEGMENTS
            ), (r, f)


def test_tiny_rfm_by_hand(workspace: Workspace) -> None:
    """Six customers, as of 2024-06-30 (the last order).

    recency days: A 0, B 10, C 30, D 100, E 200, F 300 → percent ranks (most recent best)
    F 0, E .2, D .4, C .6, B .8, A 1 → R scores 1, 2, 3, 4, 5, 5.
    A buys 5 times, others once: F scores A 5, the tied rest 1.
    A is a champion (R5 F5); B (R5 F1) new; C (R4 F1) promising; F (R1 F1) lost.
    """
    rows = []
    days = {"A": 0, "B": 10, "C": 30, "D": 100, "E": 200, "F": 300}
    end = pd.Timestamp("2024-06-30")
    for name, ago in days.items():
        rows.append((name, end - pd.Timedelta(days=ago), 10.0))
    rows += [("A", end - pd.Timedelta(days=d), 50.0) for d in (20, 40, 60, 80)]
    workspace.con.insert(
        "orders",
        pd.DataFrame(
            {
                "order_id": [str(i) for i in range(len(rows))],
                "account_id": [r[0] for r in rows],
                "occurred_at": [r[1] for r in rows],
                "amount": [r[2] for r in rows],
            }
        ),
    )
    frame = rfm_table(workspace).to_pandas().set_index("customer").sort_index()
    assert frame["recency_days"].tolist() == [0, 10, 30, 100, 200, 300]
    assert frame["r_score"].tolist() == [5, 5, 4, 3, 2, 1]
    assert frame["f_score"].tolist() == [5, 1, 1, 1, 1, 1]
    assert frame.loc["A", "segment"] == "champions"
    assert frame.loc["B", "segment"] == "new"
    assert frame.loc["C", "segment"] == "promising"
    assert frame.loc["F", "segment"] == "lost"


def test_online_retail_scores_match_pandas(retail_ws: Workspace) -> None:
    frame = rfm_table(retail_ws).to_pandas()
    assert len(frame) == 4339
    assert (
        frame["r_score"].tolist()
        == _pandas_score(frame["recency_days"], higher_is_better=False).tolist()
    )
    assert frame["f_score"].tolist() == _pandas_score(frame["frequency"]).tolist()
    assert frame["m_score"].tolist() == _pandas_score(frame["monetary"]).tolist()
    assert "other" not in set(frame["segment"])


def test_online_retail_segments(retail_ws: Workspace) -> None:
    segments = rfm_segments(retail_ws)
    assert segments["customers"].sum() == 4339
    assert segments["share"].sum() == pytest.approx(1.0)
    champions = segments.set_index("segment").loc["champions"]
    lost = segments.set_index("segment").loc["lost"]
    assert champions["mean_monetary"] > 5 * lost["mean_monetary"]
    assert champions["mean_recency_days"] < lost["mean_recency_days"]
