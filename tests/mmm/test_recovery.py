"""The marketing-mix model on 20 simulated worlds with planted adstock, saturation and ROAS.

Issue 13 point 4: the planted return of each channel inside its 95 % interval on at least 17 of
20 worlds (all four channels of a world at once), and the channels ranked right (docs/mmm.md
has the table this measures).
"""

from __future__ import annotations

import pandas as pd
import pytest

from crmroi.mmm.recovery import recovery, summary


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return recovery(range(20))


def test_planted_roas_inside_interval_on_17_of_20_worlds(table: pd.DataFrame) -> None:
    assert summary(table)["worlds_covered"] >= 17


def test_channels_ranked_by_planted_roas(table: pd.DataFrame) -> None:
    assert summary(table)["worlds_ranked_right"] >= 18
