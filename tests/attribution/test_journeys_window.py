"""The lookback window's loss, read off the journeys' own query, and the touches' matching.

``journeys_and_loss`` finds the conversions the window leaves without a touch in the same pass
that builds the journeys. The cases are worked out by hand on the tiny company, and on a random
company the journeys and the loss are checked against a plain pandas reading of the rules
(touch account: its own, else its contact's; a deal with an account collects its account's
touches, one without collects its contact's; a lead without a deal its own).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.attribution import attribute
from crmroi.attribution.journeys import build_journeys, journeys_and_loss
from crmroi.attribution.paths import Journeys
from tests.attribution.conftest import insert

FIELDS = ("offsets", "codes", "conversions", "nulls", "value", "days", "lead_pos", "opp_pos")


def _more_won_deals(ws: Workspace) -> None:
    """D4 won 300 on account A3 with no touch at all; D5 won 200 for contact C6, whose only
    touch (T7, 1 Apr) comes after its close (28 Mar): neither is lost to the window."""
    insert(ws, "contacts", [{"contact_id": "C6", "created_at": "2024-03-01"}])
    insert(
        ws,
        "deals",
        [
            {
                "deal_id": "D4",
                "account_id": "A3",
                "status": "won",
                "amount": 300.0,
                "created_at": "2024-03-01",
                "closed_at": "2024-03-22",
            },
            {
                "deal_id": "D5",
                "contact_id": "C6",
                "status": "won",
                "amount": 200.0,
                "created_at": "2024-03-02",
                "closed_at": "2024-03-28",
            },
        ],
    )
    insert(
        ws,
        "touchpoints",
        [
            {
                "touchpoint_id": "T7",
                "contact_id": "C6",
                "occurred_at": "2024-04-01",
                "channel": "email",
            }
        ],
    )


@pytest.mark.parametrize(
    ("lookback", "dropped"),
    [
        # D1 closes 20 Mar 00:00; its newest touch before then is the session of 15 Mar 10:00,
        # 4.583 days earlier: a 4-day window leaves D1 nothing, a 5-day one keeps the session
        (4, 1),
        (5, 0),
        (90, 0),
    ],
)
def test_window_loss_by_hand(tiny: Workspace, lookback: int, dropped: int) -> None:
    _more_won_deals(tiny)
    journeys, loss = journeys_and_loss(tiny, lookback_days=lookback)
    assert loss.conversions == 3  # D1, D4, D5
    assert loss.dropped == dropped
    assert loss.dropped_revenue == 1000.0 * dropped
    assert loss.lookback_days == lookback
    assert (loss.note() is None) == (dropped == 0)
    built = build_journeys(tiny, lookback_days=lookback)
    _assert_same(journeys, built)


def test_the_note_of_attribute(tiny: Workspace) -> None:
    """``attribute`` puts the loss first among its notes and keeps it on the result."""
    result = attribute(tiny, models=("linear",), bootstrap=0, lookback_days=4)
    assert result.window is not None and result.window.dropped == 1
    assert result.notes[0].startswith("lookback window: 1 of 1 conversions (100.0%, revenue 1,000)")


def _assert_same(a: Journeys, b: Journeys) -> None:
    assert a.keys == b.keys and a.names == b.names
    for name in FIELDS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.journey_ids, b.journey_ids)


def _random_company(ws: Workspace, rng: np.random.Generator) -> None:
    """Accounts with several contacts, contacts without an account, deals with and without an
    account, touches that carry an account (sometimes another than their contact's) or none,
    sessions and enrolments (some held out), all in the first half of 2024."""
    start = pd.Timestamp("2024-01-01")

    def when(n: int) -> list[str]:
        minutes = rng.integers(0, 180 * 24 * 60, n)
        return [str(start + pd.Timedelta(minutes=int(m))) for m in minutes]

    accounts = [f"A{i}" for i in range(12)]
    contacts = []
    for i in range(60):
        account = accounts[int(rng.integers(len(accounts)))] if rng.random() < 0.7 else None
        contacts.append({"contact_id": f"C{i}", "account_id": account, "created_at": when(1)[0]})
    insert(ws, "contacts", contacts)
    deals = []
    for i, (created, closed) in enumerate(zip(when(30), when(30), strict=True)):
        status = str(rng.choice(["won", "won", "lost", "open"]))
        low, high = sorted([created, closed])
        contact = f"C{int(rng.integers(60))}"
        deals.append(
            {
                "deal_id": f"D{i}",
                "account_id": accounts[int(rng.integers(len(accounts)))]
                if rng.random() < 0.6
                else None,
                "contact_id": contact,
                "status": status,
                "amount": float(rng.integers(1, 50)) * 100.0,
                "created_at": low,
                "closed_at": None if status == "open" else high,
            }
        )
    insert(ws, "deals", deals)
    insert(
        ws,
        "campaigns",
        [
            {"campaign_id": "K1", "name": "Newsletter", "channel": "email"},
            {"campaign_id": "K2", "name": "Spring", "channel": "paid_search"},
        ],
    )
    touches = []
    for i, at in enumerate(when(400)):
        contact = f"C{int(rng.integers(60))}" if rng.random() < 0.95 else None
        own = accounts[int(rng.integers(len(accounts)))] if rng.random() < 0.3 else None
        touches.append(
            {
                "touchpoint_id": f"T{i}",
                "contact_id": contact,
                "account_id": own,
                "occurred_at": at,
                "channel": str(rng.choice(["email", "social", "display"])),
                "campaign_id": str(rng.choice(["K1", "K2"])) if rng.random() < 0.5 else None,
            }
        )
    insert(ws, "touchpoints", touches)
    insert(
        ws,
        "web_sessions",
        [
            {
                "session_id": f"S{i}",
                "contact_id": f"C{int(rng.integers(60))}" if rng.random() < 0.8 else None,
                "started_at": at,
                "source": "google",
                "medium": "cpc",
                "campaign": "Spring",
            }
            for i, at in enumerate(when(80))
        ],
    )
    insert(
        ws,
        "workflow_enrollments",
        [
            {
                "enrollment_key": f"e{i}",
                "workflow_id": "W1",
                "contact_id": f"C{int(rng.integers(60))}",
                "enrolled_at": at,
                "holdout": bool(rng.random() < 0.2),
            }
            for i, at in enumerate(when(60))
        ],
    )


def _reference(ws: Workspace, lookback: int) -> tuple[dict[str, Counter[str]], tuple[int, float]]:
    """Per journey the channels of its touches in the window, and (lost conversions, revenue)."""

    def frame(name: str) -> pd.DataFrame:
        return ws.table(name).execute()

    contacts, deals = frame("contacts"), frame("deals")
    tp, ses, wf = frame("touchpoints"), frame("web_sessions"), frame("workflow_enrollments")
    account_of = dict(zip(contacts["contact_id"], contacts["account_id"], strict=True))
    rows: list[tuple[Any, Any, pd.Timestamp, str]] = []
    for r in tp.itertuples():
        own = r.account_id if isinstance(r.account_id, str) else None
        rows.append((r.contact_id, own or account_of.get(r.contact_id), r.occurred_at, r.channel))
    for r in ses[ses["contact_id"].notna()].itertuples():
        rows.append((r.contact_id, account_of.get(r.contact_id), r.started_at, "google/cpc"))
    for r in wf[~wf["holdout"].astype(bool)].itertuples():
        rows.append((r.contact_id, account_of.get(r.contact_id), r.enrolled_at, "crm_workflow"))
    end = max(
        deals["closed_at"].max(),
        deals["created_at"].max(),
        tp["occurred_at"].max(),
        ses["started_at"].max(),
        wf["enrolled_at"].max(),
    )
    journeys = []
    for d in deals.itertuples():
        closed = d.status in ("won", "lost") and not pd.isna(d.closed_at)
        account = d.account_id if isinstance(d.account_id, str) else None
        journeys.append(
            (
                d.deal_id,
                account,
                d.contact_id,
                d.status == "won",
                d.amount,
                d.closed_at if closed else end,
            )
        )
    with_deal = set(deals["contact_id"].dropna())
    deal_accounts = set(deals["account_id"].dropna())
    for c in contacts.itertuples():
        account = c.account_id if isinstance(c.account_id, str) else None
        if c.contact_id not in with_deal and (account is None or account not in deal_accounts):
            journeys.append((f"lead:{c.contact_id}", None, c.contact_id, False, 0.0, end))
    paths: dict[str, Counter[str]] = {}
    lost, revenue = 0, 0.0
    for journey_id, account, contact, won, amount, end_at in journeys:
        mine = [
            (end_at - at).total_seconds() / 86_400.0
            for c, a, at, _ in rows
            if (a == account if account is not None else c == contact and contact is not None)
        ]
        channels = [
            channel
            for (c, a, at, channel) in rows
            if (a == account if account is not None else c == contact and contact is not None)
            and 0 <= (end_at - at).total_seconds() / 86_400.0 <= lookback
        ]
        paths[journey_id] = Counter(channels)
        before = [days for days in mine if days >= 0]
        if won and before and all(days > lookback for days in before):
            lost, revenue = lost + 1, revenue + amount
    return paths, (lost, revenue)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("lookback", [7, 30])
def test_journeys_and_loss_against_a_plain_reading(
    workspace: Workspace, seed: int, lookback: int
) -> None:
    _random_company(workspace, np.random.default_rng(seed))
    journeys, loss = journeys_and_loss(workspace, lookback_days=lookback)
    paths, (lost, revenue) = _reference(workspace, lookback)
    assert journeys.journey_ids is not None
    got = {
        str(journeys.journey_ids[i]): Counter(
            journeys.names[c] for c in journeys.codes[journeys.offsets[i] : journeys.offsets[i + 1]]
        )
        for i in range(journeys.n_journeys)
    }
    assert got == paths
    assert sum(p.total() for p in paths.values()) > 20, "the case has touches to match"
    assert lost > 0 or lookback > 7, "a week's window loses conversions here"
    assert (loss.dropped, loss.dropped_revenue) == (lost, pytest.approx(revenue))
    assert loss.conversions == sum(1 for i in journeys.conversions if i > 0)
    _assert_same(journeys, build_journeys(workspace, lookback_days=lookback))
    for level in ("campaign", "workflow"):
        fine, _ = journeys_and_loss(workspace, level=level, lookback_days=lookback)
        _assert_same(fine, build_journeys(workspace, level=level, lookback_days=lookback))
