"""Known truth: the churn and the declining engagement the synthetic company planted.

``crmroi.synth.generate("medium", seed)`` plants a monthly churn hazard per subscription and a set
of churning accounts whose activities and touches fade to 10 % over the six months before their
subscription ends (``truth["engagement"]["declining_account_ids"]``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from crmroi import Workspace, open_workspace
from crmroi.engagement.retention import logo_retention, revenue_retention
from crmroi.engagement.score import score_table
from crmroi.engagement.score_views import falling_fastest

synth = pytest.importorskip("crmroi.synth")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def company() -> Any:
    return synth.generate("medium", 3)


@pytest.fixture(scope="module")
def synth_ws(company: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = open_workspace(tmp_path_factory.mktemp("synth") / "synth.duckdb")
    for name, frame in company.tables.items():
        ws.con.insert(name, frame)
    yield ws
    ws.close()


def test_logo_churn_matches_the_planted_hazard(company: Any, synth_ws: Workspace) -> None:
    """Pooled monthly logo churn (Σ lost ÷ Σ start over complete months) within 15 % of the
    realised hazard (churned subscriptions ÷ month-ends at risk). Accounts, not subscriptions,
    are counted, hence the tolerance."""
    frame = logo_retention(synth_ws)
    frame = frame[frame["complete"]]
    pooled = frame["lost"].sum() / frame["start"].sum()
    truth = company.truth["churn"]["monthly_hazard_realised_all"]
    assert pooled == pytest.approx(truth, rel=0.15)


def test_logo_churn_by_segment_matches_the_planted_hazards(
    company: Any, synth_ws: Workspace
) -> None:
    """Per segment (SMB 3 %, Mid-Market 1.5 %, Enterprise 0.8 % planted a month): pooled logo
    churn within 25 % of the realised hazard (fewer churn events per segment, wider band), and
    the segments in the planted order."""
    frame = logo_retention(synth_ws, by="segment")
    frame = frame[frame["complete"]]
    sums = frame.groupby("segment")[["lost", "start"]].sum()
    churn = sums["lost"] / sums["start"]
    truth = company.truth["churn"]["monthly_hazard_realised"]
    for segment, hazard in truth.items():
        assert churn[segment] == pytest.approx(hazard, rel=0.25), segment
    assert churn["SMB"] > churn["Mid-Market"] > churn["Enterprise"]


def test_revenue_retention_is_consistent(synth_ws: Workspace) -> None:
    frame = revenue_retention(synth_ws, kinds=("subscription",))
    frame = frame[frame["complete"]]
    assert (frame["grr"] <= 1 + 1e-12).all()
    assert (frame["nrr"] >= frame["grr"] - 1e-12).all()
    pooled_revenue_churn = frame["churned"].sum() / frame["start_revenue"].sum()
    assert 0 < pooled_revenue_churn < 0.1


def _change_before_last_charge(ws: Workspace, last: pd.Series, days: int) -> pd.Series:
    """Score at each account's last subscription charge minus the score ``days`` earlier."""
    out = []
    for month, accounts in last.groupby(last.dt.to_period("M")):
        now = month.end_time.floor("D").to_pydatetime()
        moments = [now - timedelta(days=days), now]
        frame = score_table(ws, moments).to_pandas()
        wide = frame.pivot(index="entity", columns="as_of", values="score")
        wide = wide.reindex(index=accounts.index, columns=pd.to_datetime(moments)).fillna(0)
        out.append(wide.iloc[:, 1] - wide.iloc[:, 0])
    return pd.concat(out)


def test_declining_accounts_are_recovered(company: Any, synth_ws: Workspace) -> None:
    """Among churned accounts, the score change over the 150 days before the last charge
    separates the planted decliners from the other churners: AUC ≥ 0.8, and ≥ 80 % of the
    decliners lost score."""
    declining = set(company.truth["engagement"]["declining_account_ids"])
    orders = company.tables["orders"]
    subs = orders[orders["kind"] == "subscription"]
    last = subs.groupby("account_id")["occurred_at"].max()
    horizon_end = pd.Timestamp(company.truth["horizon"]["end"])
    churned = last[last < horizon_end - pd.Timedelta(days=62)]
    change = _change_before_last_charge(synth_ws, churned, 150)
    is_declining = change.index.isin(list(declining))
    assert is_declining.sum() >= 30
    pos, neg = -change[is_declining].to_numpy(), -change[~is_declining].to_numpy()
    auc = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    assert auc >= 0.8
    assert (change[is_declining] < 0).mean() >= 0.8


def test_falling_fastest_lists_decliners_above_base_rate(company: Any, synth_ws: Workspace) -> None:
    """Monthly from 2024-03 to 2025-11, the top 10 falling customers (customers throughout the
    120-day window) hold planted decliners at ≥ 2.5× their share among those customers."""
    declining = set(company.truth["engagement"]["declining_account_ids"])
    orders = company.tables["orders"]
    orders = orders[orders["amount"] > 0]
    hits = listed = 0
    base = []
    for as_of in pd.date_range("2024-03-31", "2025-11-30", freq="ME"):
        top = falling_fastest(
            synth_ws, as_of.to_pydatetime(), compare_days=120, top=10, customers_only=True
        )
        hits += int(top["entity"].isin(list(declining)).sum())
        listed += len(top)
        start = as_of - pd.Timedelta(days=120)
        before = set(orders.loc[orders["occurred_at"] <= start, "account_id"])
        inside = orders[(orders["occurred_at"] > start) & (orders["occurred_at"] <= as_of)]
        customers = before & set(inside["account_id"])
        base.append(len(customers & declining) / max(len(customers), 1))
    assert listed > 0
    assert hits / listed >= 2.5 * float(np.mean(base))
