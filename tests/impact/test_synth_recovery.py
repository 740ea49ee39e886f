"""The incremental estimates against the simulated company's planted CRM effect.

Planted truth of an estimate's window: ``WIN_RATE_UPLIFT × Σ amount`` of the closed deals that
got the effect (created from their team's go-live on by a rep not in
``low_adoption_user_ids``), in the mature cohorts the estimate covers — the same definition as
``benchmarks/incremental_coverage.py``, which runs the 20 medium companies of ``docs/roi.md``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from benchmarks.incremental_coverage import run
from crmroi import open_workspace
from crmroi.impact.deal_data import deal_frame
from crmroi.roi.fx import FxRates
from crmroi.schema import TABLES_BY_NAME
from crmroi.synth import generate


def test_staggered_company_goes_live_team_by_team(tmp_path: Any) -> None:
    """truth.json names each team's go-live; the deal frame finds the same dates per owner."""
    company = generate("small", 0, staggered=True)
    by_team = company.truth["go_live_by_team"]
    assert by_team == {"SMB": "2024-01-01", "Mid-Market": "2024-07-01", "Enterprise": "2025-01-01"}
    assert generate("small", 0).truth["go_live_by_team"] is None
    ws = open_workspace(tmp_path / "s.duckdb")
    for name in ("deals", "users", "activities", "accounts"):
        frame = company.tables[name]
        ws.con.insert(name, frame[list(TABLES_BY_NAME[name].column_names)])
    frame = deal_frame(ws, FxRates("EUR", {}), pd.Timestamp("2024-01-01"))
    ws.close()
    assert frame.staggered
    users = company.tables["users"].set_index("user_id")
    for owner, go_live in frame.deals.groupby("owner")["go_live"].first().items():
        assert go_live == pd.Timestamp(by_team[users.loc[owner, "team"]]), owner
    low = set(company.truth["low_adoption_user_ids"])
    assert set(frame.deals.loc[~frame.deals["uses_crm"], "owner"]) <= low


@pytest.mark.slow
def test_parts_interval_covers_the_planted_effect_on_small_companies(tmp_path: Any) -> None:
    """10 small companies (~200 closed deals each), single and staggered go-live: the parts
    interval covered the planted effect 19 times of 20 when measured (needs ≥ 18)."""
    covered = 0
    for staggered in (False, True):
        for seed in range(10):
            row = run("small", seed, staggered, tmp_path)
            assert row["parts"] is not None, (seed, staggered)
            _, low, high = row["parts"]
            covered += low <= row["truth"] <= high
    assert covered >= 18, covered
