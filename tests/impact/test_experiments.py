"""Experiments on hand-made workspaces: orders, spend and visits of a workflow's enrollees
against its holdout, per contact segment, and a campaign its window leaves out.

Every figure below is counted by hand from the rows inserted; the tests of the statistics
themselves (Agresti–Caffo, Welch) are in test_holdout.py and tests/realdata/test_hillstrom.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import stats

from crmroi import Workspace
from crmroi.impact.experiments import experiments
from crmroi.roi.fx import FxRates

Insert = Callable[[Workspace, str, list[dict[str, Any]]], None]
FX = FxRates("EUR", {})
START = "2024-01-01"


@pytest.fixture
def ws(workspace: Workspace, insert: Insert) -> Workspace:
    """Workflow `wf`: t1…t4 enrolled, h1…h3 held out on 1 January; campaign `late`: two
    members and two controls added on 20 December, 11 days before the data ends."""
    insert(
        workspace,
        "contacts",
        [{"contact_id": c, "source": "web" if c in ("t1", "t2", "h1") else "fair",
          "account_id": "a1" if c in ("t1", "t3", "h1") else None}
         for c in ("t1", "t2", "t3", "t4", "h1", "h2", "h3")],
    )  # fmt: skip
    insert(workspace, "accounts", [{"account_id": "a1", "region": "north"}])
    insert(
        workspace,
        "workflow_enrollments",
        [{"enrollment_key": f"wf|{c}", "workflow_id": "wf", "contact_id": c,
          "enrolled_at": START, "holdout": c.startswith("h")}
         for c in ("t1", "t2", "t3", "t4", "h1", "h2", "h3")],
    )  # fmt: skip
    insert(
        workspace,
        "orders",
        [
            {"currency": "EUR", "kind": "order"} | row
            for row in [
            {"order_id": "o1", "contact_id": "t1", "occurred_at": "2024-01-10", "amount": 100.0},
            {"order_id": "o2", "contact_id": "t1", "occurred_at": "2024-02-01", "amount": 50.0},
            {"order_id": "o3", "contact_id": "t2", "occurred_at": "2024-01-05", "amount": 30.0},
            {"order_id": "o4", "contact_id": "t2", "occurred_at": "2024-01-20", "amount": -10.0,
             "kind": "return"},
            {"order_id": "o5", "contact_id": "t3", "occurred_at": "2024-06-01", "amount": 70.0},
            {"order_id": "o6", "contact_id": "h1", "occurred_at": "2024-01-15", "amount": 20.0},
            {"order_id": "o7", "contact_id": "zz", "occurred_at": "2024-12-31", "amount": 1.0},
            ]
        ],
    )  # fmt: skip
    insert(
        workspace,
        "touchpoints",
        [{"touchpoint_id": f"v{i}", "contact_id": c, "occurred_at": at,
          "interaction": kind}
         for i, (c, kind, at) in enumerate([("t1", "visit", "2024-01-03"),
                                            ("t1", "visit", "2024-01-04"),
                                            ("t3", "visit", "2024-02-20"),
                                            ("h2", "visit", "2024-01-09"),
                                            ("h3", "open", "2024-01-09"),
                                            ("zz", "visit", "2024-12-31")])],
    )  # fmt: skip
    insert(
        workspace,
        "campaign_members",
        [{"member_key": f"late|{c}", "campaign_id": "late", "contact_id": c,
          "added_at": "2024-12-20", "is_control": c.startswith("h")}
         for c in ("t1", "t2", "h1", "h2")],
    )  # fmt: skip
    return workspace


def one(ws: Workspace, outcome: str, unit: str = "wf", **kw: Any) -> list[Any]:
    return [e for e in experiments(ws, FX, outcome, window_days=60, **kw) if e.unit == unit]


def test_orders_per_member_within_the_window(ws: Workspace) -> None:
    """Orders in 60 days: t1 2, t2 1 (a return is no order), t3 0 (June), t4 0 → 0.75;
    h1 1, h2 0, h3 0 → 1/3. Welch's interval equals SciPy's."""
    (e,) = one(ws, "orders")
    treated, control = np.array([2.0, 1, 0, 0]), np.array([1.0, 0, 0])
    assert (e.kind, e.treated, e.control) == ("mean", 4, 3)
    assert (e.treated_value, e.control_value) == pytest.approx((0.75, 1 / 3))
    welch = stats.ttest_ind(treated, control, equal_var=False)
    assert (e.low, e.high) == pytest.approx(tuple(welch.confidence_interval(0.95)))
    assert e.p_value == pytest.approx(welch.pvalue)
    assert e.incremental == pytest.approx((0.75 - 1 / 3) * 4)


def test_spend_is_net_of_returns(ws: Workspace) -> None:
    """Spend in 60 days: t1 150, t2 30 − 10 = 20, t3 0, t4 0; h1 20, h2 0, h3 0."""
    (e,) = one(ws, "spend")
    assert e.source == "orders (net)"
    assert (e.treated_value, e.control_value) == pytest.approx((170 / 4, 20 / 3))


def test_visits_count_only_visit_touches(ws: Workspace) -> None:
    """Visited: t1, t3 of four; h2 of three (h3's touch is an open, not a visit)."""
    (e,) = one(ws, "visits")
    assert (e.kind, e.treated_value, e.control_value) == ("rate", 0.5, pytest.approx(1 / 3))


def test_segments_split_both_groups(ws: Workspace) -> None:
    """By lead source: web = t1, t2 vs h1; fair = t3, t4 vs h2, h3. Conversions (an order with
    a positive amount): web 2/2 vs 1/1; fair 0/2 vs 0/2."""
    by = {e.segment: e for e in one(ws, "conversions", segment="source")}
    assert set(by) == {"web", "fair"}
    assert (by["web"].treated, by["web"].control) == (2, 1)
    assert by["web"].reason == "needs at least 2 treated and 2 control contacts"
    assert (by["fair"].treated, by["fair"].control) == (2, 2)
    assert (by["fair"].treated_value, by["fair"].control_value) == (0.0, 0.0)


def test_account_segments_keep_contacts_without_an_account(ws: Workspace) -> None:
    """By account region: north = t1, t3 vs h1 (one control: too few); no account = t2, t4 vs
    h2, h3 with orders 1, 0 vs 0, 0."""
    by = {e.segment: e for e in one(ws, "orders", segment="region")}
    assert {k: (e.treated, e.control) for k, e in by.items()} == {
        "north": (2, 1), "(none)": (2, 2),
    }  # fmt: skip
    assert (by["(none)"].treated_value, by["(none)"].control_value) == (0.5, 0.0)


def test_a_window_past_the_data_names_the_campaign_and_the_window_that_fits(
    ws: Workspace,
) -> None:
    """The orders end on 31 December; members added on 20 December fit an 11-day window."""
    (late,) = one(ws, "orders", unit="late")
    assert (late.treated, late.control, late.left_out, late.lift) == (0, 0, 4, None)
    assert late.reason is not None
    for part in ("4 of 4 members", "60-day window", "2024-12-31", "--window 11"):
        assert part in late.reason, part
    (fits,) = [e for e in experiments(ws, FX, "orders", window_days=11) if e.unit == "late"]
    assert (fits.treated, fits.control, fits.left_out) == (2, 2, 0)


def test_an_outcome_without_data_says_what_to_import(ws: Workspace) -> None:
    (e,) = one(ws, "deals")
    assert e.reason == "the workspace has no deals created: import them with crmroi import"
