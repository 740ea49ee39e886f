"""Invariants of the KPI engine on random deals (Hypothesis)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmroi import open_workspace
from crmroi.metrics import MetricQuery, query

from .kit import put

DAY0 = datetime(2024, 1, 1)

deal = st.tuples(
    st.sampled_from(["won", "lost", "open"]),
    st.sampled_from(["u1", "u2", None]),
    st.integers(0, 200),  # created, days after Jan 1
    st.integers(0, 120),  # cycle days
    st.floats(0, 10_000, allow_nan=False).map(lambda x: round(x, 2)),
)


@given(st.lists(deal, min_size=1, max_size=25))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_additive_kpis_add_up_and_rates_stay_in_range(deals: list[tuple]) -> None:  # type: ignore[type-arg]
    """Monthly won revenue and counts add up to the whole range and to the owners' totals;
    won + lost = closed deals in the range; the win rate lies in [0, 1]."""
    ws = open_workspace(":memory:")
    rows = []
    for i, (status, owner, created, cycle, amount) in enumerate(deals):
        start = DAY0 + timedelta(days=created)
        closed = start + timedelta(days=cycle) if status != "open" else None
        rows.append({"deal_id": f"d{i}", "status": status, "owner_id": owner, "amount": amount,
                     "created_at": start, "closed_at": closed})  # fmt: skip
    put(ws, "deals", *rows)
    span = {"start": date(2024, 1, 1), "end": date(2024, 12, 31)}
    kpis = ("won_revenue", "won_deals", "lost_deals")
    whole = query(ws, MetricQuery(kpis=kpis, **span)).set_index("kpi")["value"]
    months = query(ws, MetricQuery(kpis=kpis, grain="month", **span)).groupby("kpi")["value"].sum()
    owners = query(ws, MetricQuery(kpis=kpis, dimensions=("owner",), **span))
    owners = owners.groupby("kpi")["value"].sum()
    for kpi in kpis:
        assert months[kpi] == pytest.approx(whole[kpi])
        assert owners.get(kpi, 0.0) == pytest.approx(whole[kpi])
    in_range = [
        r for r in rows if r["closed_at"] is not None and r["closed_at"] < datetime(2025, 1, 1)
    ]
    assert whole["won_deals"] + whole["lost_deals"] == len(in_range)
    rate = query(ws, MetricQuery(kpis=("win_rate",), grain="month", **span))["value"].dropna()
    assert ((rate >= 0) & (rate <= 1)).all()
    ws.close()
