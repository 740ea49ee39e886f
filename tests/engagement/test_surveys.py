"""NPS, CSAT, CES and comment themes: BT verbatims, textbook examples, hand cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.engagement.surveys import (
    CesDefinition,
    Dimension,
    ces,
    csat,
    nps,
    nps_interval,
    wilson_interval,
)
from crmroi.engagement.themes import Theme, comment_themes


def test_bt_nps_overall(nps_ws: Workspace) -> None:
    """2,353 scored answers: 690 promoters, 392 passives, 1,271 detractors → −24.69; 32 missing."""
    row = nps(nps_ws).iloc[0]
    assert (row["promoters"], row["passives"], row["detractors"]) == (690, 392, 1271)
    assert row["missing"] == 32
    assert row["answered"] == 2353
    assert round(row["nps"], 2) == -24.69
    assert row["nps_low"] < row["nps"] < row["nps_high"]


def test_bt_nps_by_stage(nps_ws: Workspace) -> None:
    frame = nps(nps_ws, [Dimension.stage]).set_index("stage")
    expected = {
        "Order": -9.98,
        "First Payment": -29.29,
        "Equipment Received": -56.71,
        "Service in Use": -76.67,
    }
    for stage, value in expected.items():
        assert round(frame.loc[stage, "nps"], 2) == value, stage
    assert frame["missing"].sum() == 32


def test_bt_nps_by_month_uses_day_first_dates(nps_ws: Workspace) -> None:
    frame = nps(nps_ws, [Dimension.month])
    assert frame["month"].astype(str).tolist()[0] == "2017-12-01"
    assert frame["month"].astype(str).tolist()[-1] == "2018-06-01"
    assert frame["answered"].sum() == 2353


def test_nps_interval_by_hand() -> None:
    """30 promoters, 20 detractors of 100: NPS 10; Var = (0.3 + 0.2 − 0.1²)/100 = 0.0049.

    SE = 0.07 → 95 % interval 10 ± 1.959964 · 7 = [−3.72, 23.72].
    """
    low, high, value = nps_interval(30, 20, 100)
    assert float(value) == pytest.approx(10)
    assert float(low) == pytest.approx(10 - 1.959964 * 7, abs=1e-4)
    assert float(high) == pytest.approx(10 + 1.959964 * 7, abs=1e-4)
    adj_low, adj_high, _ = nps_interval(30, 20, 100, method="adjusted")
    assert adj_high - adj_low < high - low + 1  # similar width, centre pulled towards 0


def test_wilson_interval_textbook() -> None:
    """8 of 10: Wilson 95 % interval [0.4902, 0.9433] (Newcombe 1998, Table I)."""
    low, high = wilson_interval(np.array([8]), np.array([10]))
    assert float(low[0]) == pytest.approx(0.4902, abs=1e-4)
    assert float(high[0]) == pytest.approx(0.9433, abs=1e-4)


def _answers(ws: Workspace, survey: str, scores: list[float | None], scale: float) -> None:
    ws.con.insert(
        "survey_responses",
        pd.DataFrame(
            {
                "response_id": [f"{survey}{i}" for i in range(len(scores))],
                "survey": survey,
                "score": scores,
                "scale_max": scale,
                "answered_at": pd.to_datetime(["2024-03-01"] * len(scores)),
            }
        ),
    )


def test_csat_top_two_box(workspace: Workspace) -> None:
    """Scores 5, 4, 4, 3, 1 on a 5-point scale, one blank: 3 of 5 satisfied = 60 %."""
    _answers(workspace, "csat", [5, 4, 4, 3, 1, None], 5.0)
    row = csat(workspace).iloc[0]
    assert row["csat"] == pytest.approx(60.0)
    assert row["missing"] == 1
    assert row["csat_low"] < 60 < row["csat_high"]


def test_ces_mean_and_share(workspace: Workspace) -> None:
    """Scores 7, 6, 5, 3, 2 on 1–7: mean 4.6; share ≥ 5 = 3/5 = 60 %.

    t interval: sd = 2.0736, t(0.975, 4) = 2.7764 → 4.6 ± 2.5747.
    """
    _answers(workspace, "ces", [7, 6, 5, 3, 2], 7.0)
    mean = ces(workspace).iloc[0]
    assert mean["ces"] == pytest.approx(4.6)
    assert mean["ces_high"] - mean["ces"] == pytest.approx(2.7764 * 2.0736 / 5**0.5, abs=1e-3)
    share = ces(workspace, definition=CesDefinition.share).iloc[0]
    assert share["ces"] == pytest.approx(60.0)


def test_themes_english_and_german(workspace: Workspace) -> None:
    """Keyword stems match word starts in both languages; unmatched comments are 'other'."""
    comments = [
        ("The price is too high", 2.0),
        ("Preiserhöhung ohne Ankündigung", 3.0),
        ("Die Rechnung war falsch", 0.0),
        ("Support was great and quick", 10.0),
        ("Alles gut", 9.0),
    ]
    workspace.con.insert(
        "survey_responses",
        pd.DataFrame(
            {
                "response_id": [str(i) for i in range(len(comments))],
                "survey": "nps",
                "score": [c[1] for c in comments],
                "comment": [c[0] for c in comments],
                "answered_at": pd.to_datetime(["2024-03-01"] * len(comments)),
            }
        ),
    )
    themes = (
        Theme("price", ("price", "preis")),
        Theme("billing", ("bill", "rechnung")),
        Theme("support", ("support",)),
    )
    frame = comment_themes(workspace, themes).set_index("theme")
    assert frame.loc["price", "comments"] == 2
    assert frame.loc["price", "detractor_share"] == 1.0
    assert frame.loc["billing", "detractors"] == 1
    assert frame.loc["support", "nps"] == 100.0
    assert frame.loc["other", "comments"] == 1


def test_bt_themes(nps_ws: Workspace) -> None:
    frame = comment_themes(nps_ws).set_index("theme")
    assert frame.loc["delay", "detractor_share"] > frame.loc["support", "detractor_share"]
    assert frame["comments"].sum() >= len(frame)  # a comment may be in several themes
