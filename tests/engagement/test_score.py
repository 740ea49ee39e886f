"""Engagement score: worked examples, settings validation, views."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.engagement.periods import Grain
from crmroi.engagement.score import Level, score_table, scores
from crmroi.engagement.score_views import By, by_dimension, distribution, falling_fastest, trend
from crmroi.engagement.settings import EngagementSettings
from crmroi.errors import ConfigError

NOW = datetime(2024, 6, 30)


def _touch(ws: Workspace, rows: list[tuple[str, str, str, str]]) -> None:
    ws.con.insert(
        "touchpoints",
        pd.DataFrame(
            {
                "touchpoint_id": [str(i) for i in range(len(rows))],
                "contact_id": [r[0] for r in rows],
                "account_id": [r[1] for r in rows],
                "occurred_at": pd.to_datetime([r[2] for r in rows]),
                "interaction": [r[3] for r in rows],
            }
        ),
    )


def test_single_click_today(workspace: Workspace) -> None:
    """One click (3 points) at age 0, default settings.

    R = 100; F = 100 · 1/(1 + 4) = 20; D = 100 · 3/(3 + 12) = 20;
    score = 0.35·100 + 0.30·20 + 0.35·20 = 35 + 6 + 7 = 48.
    """
    _touch(workspace, [("c1", "A", "2024-06-30", "click")])
    row = score_table(workspace, [NOW]).to_pandas().iloc[0]
    assert row["recency"] == pytest.approx(100)
    assert row["frequency"] == pytest.approx(20)
    assert row["depth"] == pytest.approx(20)
    assert row["score"] == pytest.approx(48)


def test_decay_halves_after_one_half_life(workspace: Workspace) -> None:
    """A meeting (8 points) 30 days ago weighs 4 now; an e-mail 'delivered' is no interaction.

    R = 100 · 2^(−30/30) = 50; F = 100 · 0.5/4.5 = 11.11; D = 100 · 4/16 = 25.
    """
    workspace.con.insert(
        "activities",
        pd.DataFrame(
            {
                "activity_id": ["m"],
                "type": ["meeting"],
                "contact_id": ["c1"],
                "account_id": ["A"],
                "occurred_at": pd.to_datetime(["2024-05-31"]),
                "automated": [False],
            }
        ),
    )
    _touch(workspace, [("c1", "A", "2024-06-30", "delivered")])
    row = score_table(workspace, [NOW]).to_pandas().iloc[0]
    assert row["interactions"] == 1
    assert row["recency"] == pytest.approx(50)
    assert row["frequency"] == pytest.approx(100 * 0.5 / 4.5)
    assert row["depth"] == pytest.approx(25)


def test_lookback_edges_with_two_moments(workspace: Workspace) -> None:
    """Only events aged 0 ≤ a < lookback_days (365) count, each moment on its own.

    At NOW (2024-06-30): 2023-07-01 is 365 days old (out), 2023-07-02 364 (in), NOW 0 (in),
    one second after NOW is ahead (out): 2 interactions, the last 0 days ago. At 2024-05-30
    the July clicks are 334 and 333 days old (in) and the June ones ahead: 2, the last 333.
    """
    late = "2024-06-30 00:00:01"
    _touch(
        workspace,
        [
            ("c1", "A", "2023-07-01 00:00:00", "click"),
            ("c1", "A", "2023-07-02 00:00:00", "click"),
            ("c1", "A", "2024-06-30 00:00:00", "click"),
            ("c1", "A", late, "click"),
        ],
    )
    earlier = datetime(2024, 5, 30)
    rows = score_table(workspace, [earlier, NOW]).to_pandas().set_index("as_of")
    assert rows.loc[pd.Timestamp(NOW), "interactions"] == 2
    assert rows.loc[pd.Timestamp(NOW), "last_days"] == pytest.approx(0)
    assert rows.loc[pd.Timestamp(earlier), "interactions"] == 2
    assert rows.loc[pd.Timestamp(earlier), "last_days"] == pytest.approx(333)


def test_account_comes_from_the_contact(workspace: Workspace) -> None:
    """A web session has no account: it is credited through contacts.account_id."""
    workspace.con.insert("contacts", pd.DataFrame({"contact_id": ["c9"], "account_id": ["Z"]}))
    workspace.con.insert(
        "web_sessions",
        pd.DataFrame(
            {
                "session_id": ["s"],
                "contact_id": ["c9"],
                "started_at": pd.to_datetime(["2024-06-29"]),
                "engaged": [True],
            }
        ),
    )
    frame = score_table(workspace, [NOW]).to_pandas()
    assert frame["entity"].tolist() == ["Z"]


def test_inactive_entities_score_zero(workspace: Workspace) -> None:
    workspace.con.insert("accounts", pd.DataFrame({"account_id": ["A", "B"]}))
    _touch(workspace, [("c1", "A", "2024-06-01", "open")])
    frame = scores(workspace, NOW).to_pandas().set_index("entity")
    assert frame.loc["B", "score"] == 0
    assert frame.loc["A", "score"] > 0
    bands = distribution(workspace, NOW)
    assert bands["entities"].sum() == 2
    assert bands.loc[0, "entities"] == 1


def test_settings_are_validated() -> None:
    with pytest.raises(ConfigError, match="sum to 1"):
        EngagementSettings(weight_recency=0.5, weight_frequency=0.5, weight_depth=0.5)
    with pytest.raises(ConfigError, match="≥ 0"):
        EngagementSettings(interaction_weights={"touch:open": -1.0})
    custom = EngagementSettings(interaction_weights={"touch:open": 10.0})
    assert custom.interaction_weights["touch:open"] == 10.0


def test_custom_weights_change_depth(workspace: Workspace) -> None:
    _touch(workspace, [("c1", "A", "2024-06-30", "open")])
    default = score_table(workspace, [NOW]).to_pandas().iloc[0]["depth"]
    heavy = EngagementSettings(interaction_weights={"touch:open": 12.0})
    custom = score_table(workspace, [NOW], settings=heavy).to_pandas().iloc[0]["depth"]
    assert default == pytest.approx(100 * 1 / 13)
    assert custom == pytest.approx(50)


def test_views(workspace: Workspace) -> None:
    """A is busy in spring and silent since; B is steady. A falls fastest; SMB = A."""
    workspace.con.insert(
        "accounts",
        pd.DataFrame(
            {"account_id": ["A", "B"], "segment": ["SMB", "ENT"], "owner_id": ["u1", "u2"]}
        ),
    )
    busy = [("a", "A", f"2024-03-{d:02d}", "click") for d in range(1, 29)]
    steady = [("b", "B", f"2024-{m:02d}-15", "open") for m in range(1, 7)]
    _touch(workspace, busy + steady)
    falling = falling_fastest(workspace, NOW, compare_days=90)
    assert falling["entity"].tolist()[0] == "A"
    segments = by_dimension(workspace, By.segment, NOW).set_index("segment")
    assert set(segments.index) == {"SMB", "ENT"}
    owners = by_dimension(workspace, By.owner, NOW)
    assert owners["entities"].sum() == 2
    monthly = trend(workspace, datetime(2024, 1, 1), datetime(2024, 6, 1), grain=Grain.month)
    assert len(monthly) == 6
    assert monthly["as_of"].iloc[0] == pd.Timestamp("2024-02-01")
    contacts = score_table(workspace, [NOW], level=Level.contact).to_pandas()
    assert set(contacts["entity"]) == {"a", "b"}


def test_among_keeps_only_the_named_entities_and_their_scores(workspace: Workspace) -> None:
    """``among`` picks entities before scoring: the same rows as scoring all and keeping them."""
    _touch(
        workspace,
        [
            ("c1", "A", "2024-06-30 00:00:00", "click"),
            ("c2", "B", "2024-06-01 00:00:00", "click"),
            ("c2", "B", "2024-06-20 00:00:00", "click"),
        ],
    )
    everyone = score_table(workspace, [NOW], level=Level.contact).to_pandas()
    some = score_table(workspace, [NOW], level=Level.contact, among=["c2", "c9"]).to_pandas()
    assert sorted(everyone["entity"]) == ["c1", "c2"]
    assert list(some["entity"]) == ["c2"]
    expected = everyone.set_index("entity").loc["c2"]
    assert some.iloc[0]["interactions"] == 2
    assert some.iloc[0]["score"] == pytest.approx(expected["score"], rel=1e-12)
