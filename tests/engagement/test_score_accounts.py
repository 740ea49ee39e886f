"""Contact-level scores read the events without filling in their contact's account.

``interactions(accounts=False)`` skips the join of every event to the contacts; the scores per
contact are those of the worked example (one click today: 48), and the account-level ones still
find the account through the contact.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.engagement.score import Level, interactions, score_table

NOW = datetime(2024, 6, 30)


def test_contact_scores_without_the_account_fill(workspace: Workspace) -> None:
    workspace.con.insert(
        "contacts",
        pd.DataFrame({"contact_id": ["c1"], "account_id": ["A"]}),
    )
    workspace.con.insert(
        "touchpoints",
        pd.DataFrame(
            {
                "touchpoint_id": ["t1"],
                "contact_id": ["c1"],
                "account_id": [None],
                "occurred_at": pd.to_datetime(["2024-06-30"]),
                "interaction": ["click"],
            }
        ),
    )
    filled = interactions(workspace).to_pandas()
    own = interactions(workspace, accounts=False).to_pandas()
    assert list(filled["account_id"]) == ["A"]
    assert own["account_id"].isna().all()
    assert list(own["contact_id"]) == ["c1"] and list(own["points"]) == [3.0]
    for level, entity in ((Level.contact, "c1"), (Level.account, "A")):
        row = score_table(workspace, [NOW], level=level).to_pandas().iloc[0]
        assert row["entity"] == entity
        assert row["score"] == pytest.approx(48)  # R 100, F 20, D 20 (test_score.py)
