"""Builders for tiny hand-made workspaces: rows in, canonical column types out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from crmroi import Workspace, open_workspace
from tests.support import insert_rows

Insert = Callable[[Workspace, str, list[dict[str, Any]]], None]


@pytest.fixture
def insert() -> Insert:
    """The :func:`insert_rows` helper, as a fixture."""
    return insert_rows


ADOPTION = pd.Timestamp("2024-01-01")


def build_small_company(ws: Workspace, seed: int = 0) -> dict[str, Any]:
    """A small simulated company with known effects; returns the planted truth.

    * 10 reps, seats at 100 EUR a month from the adoption date 2024-01-01 to the end of 2025;
      reps r7–r9 never log in (low adoption), r0–r6 log in every month.
    * Won deals 2022-01 … 2025-12: each rep closes Poisson(6) deals a month of lognormal amount
      (median 5,000, σ 0.3), growing 0.5 % a month. After adoption an adopter's deals are worth
      1.3× (the planted uplift); truth["incremental"] is Σ (actual − counterfactual) over them.
    * Costs: implementation 50,000 (2023-11-01), training 10,000 (2023-12-15), admin 2,000 a
      month 2024-01 … 2025-12, other 1,000, w1's build 5,000 (customization, tagged w1, equal to
      workflows.cost: counted once); licences from seats: 10 × 100 × 24 = 24,000.
      Total 50,000 + 10,000 + 48,000 + 1,000 + 5,000 + 24,000 = 138,000.
    * Campaign c1 (campaigns.cost 3,000: marketing spend, not in the TCO) is the primary source
      of 20 won deals after 2024-02.
    * Workflow w1 (cost 5,000): 1,200 enrolled vs 300 holdout, conversion 0.30 vs 0.20 with
      100 EUR deals (planted lift 0.10, i.e. 12,000 EUR incremental, added to
      truth["incremental"]; the 20 % baseline conversions, 30,000 EUR in June 2024, are not
      incremental but fall after adoption, a small bias for the before/after estimate).
    """
    rng = np.random.default_rng(seed)
    reps = [f"r{i}" for i in range(10)]
    insert_rows(ws, "users", [
        {"user_id": r, "team": "sales", "role": "rep", "seat_cost": 100.0, "currency": "EUR",
         "active_from": ADOPTION, "active_to": "2025-12-31"} for r in reps
    ])  # fmt: skip
    months = pd.date_range("2022-01-01", "2025-12-01", freq="MS")
    logins = [
        {"activity_id": f"l{r}{m:%Y%m}", "type": "login", "user_id": r,
         "occurred_at": m + pd.Timedelta(days=3)}
        for r in reps[:7] for m in months if m >= ADOPTION
    ]  # fmt: skip
    insert_rows(ws, "activities", logins)
    deals, incremental, n = [], 0.0, 0
    for t, month in enumerate(months):
        for i, rep in enumerate(reps):
            for _ in range(rng.poisson(6)):
                base = float(rng.lognormal(np.log(5_000), 0.3)) * (1.005**t)
                amount = base * 1.3 if (month >= ADOPTION and i < 7) else base
                incremental += amount - base
                n += 1
                closed = month + pd.Timedelta(days=int(rng.integers(0, 27)))
                deals.append({"deal_id": f"d{n}", "owner_id": rep, "status": "won",
                              "amount": amount, "currency": "EUR",
                              "created_at": closed - pd.Timedelta(days=30),
                              "closed_at": closed})  # fmt: skip
    for k in range(20):
        deals[1600 + 30 * k]["campaign_id"] = "c1"
    c1_deals = [d for d in deals if d.get("campaign_id") == "c1"]
    start = pd.Timestamp("2023-11-01")
    c1_revenue = sum(d["amount"] for d in c1_deals if d["closed_at"] >= start)
    at = pd.Timestamp("2024-06-01")
    enrol = []
    for j in range(1500):
        holdout = j >= 1200
        contact = f"k{j}"
        enrol.append({"enrollment_key": contact, "workflow_id": "w1", "contact_id": contact,
                      "enrolled_at": at, "holdout": holdout})  # fmt: skip
        if rng.random() < (0.20 if holdout else 0.30):
            deals.append({"deal_id": f"wd{j}", "contact_id": contact, "status": "won",
                          "amount": 100.0, "currency": "EUR", "created_at": at,
                          "closed_at": at + pd.Timedelta(days=20)})  # fmt: skip
    insert_rows(ws, "deals", deals)
    insert_rows(ws, "workflow_enrollments", enrol)
    insert_rows(ws, "workflows", [{"workflow_id": "w1", "name": "Nurture", "cost": 5_000.0,
                                   "currency": "EUR"}])  # fmt: skip
    insert_rows(ws, "campaigns", [{"campaign_id": "c1", "name": "Launch", "cost": 3_000.0,
                                   "currency": "EUR", "started_at": "2024-01-01"}])  # fmt: skip
    insert_rows(ws, "costs", [
        {"cost_id": "impl", "category": "implementation", "amount": 50_000.0, "currency": "EUR",
         "incurred_at": "2023-11-01", "recurrence": "one-off"},
        {"cost_id": "train", "category": "training", "amount": 10_000.0, "currency": "EUR",
         "incurred_at": "2023-12-15", "recurrence": "one-off"},
        {"cost_id": "admin", "category": "admin", "amount": 2_000.0, "currency": "EUR",
         "incurred_at": "2024-01-01", "recurrence": "monthly", "ends_at": "2025-12-31"},
        {"cost_id": "creative", "category": "other", "amount": 1_000.0, "currency": "EUR",
         "incurred_at": "2024-02-01", "recurrence": "one-off"},
        {"cost_id": "w1-build", "category": "customization", "amount": 5_000.0,
         "currency": "EUR", "incurred_at": "2024-05-01", "recurrence": "one-off",
         "workflow_id": "w1"},
    ])  # fmt: skip
    return {
        "incremental": incremental + 0.10 * 100.0 * 1_200,
        "total_cost": 138_000.0,
        "c1_deals": len(c1_deals),
        "c1_revenue": c1_revenue,
        "c1_cost": 3_000.0,
        "w1_lift": 0.10,
        "workflow_revenue": 0.10 * 100.0 * 1_200,
    }


@pytest.fixture(scope="module")
def small_company(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Workspace, dict[str, Any]]]:
    """A workspace filled by :func:`build_small_company` (built once per module), and its truth."""
    ws = open_workspace(tmp_path_factory.mktemp("company") / "company.duckdb")
    truth = build_small_company(ws)
    yield ws, truth
    ws.close()
