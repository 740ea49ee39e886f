"""Data-quality findings against hand-computed cases (the working is in each docstring)."""

from __future__ import annotations

from datetime import datetime

import pytest

from crmroi import Workspace
from crmroi.insights import FindingsSettings
from crmroi.insights.context import DetectorContext, data_end
from crmroi.insights.quality import detect
from tests.support import insert_rows

T = datetime(2025, 3, 1)


def _ctx(ws: Workspace, **settings: float) -> DetectorContext:
    moment = data_end(ws)
    assert moment is not None
    return DetectorContext(ws, FindingsSettings(**settings), "EUR", moment)  # type: ignore[arg-type]


def _deal(i: int, status: str, amount: float | None, **more: object) -> dict[str, object]:
    base: dict[str, object] = {
        "deal_id": f"d{i}", "status": status, "amount": amount, "source": "web",
        "owner_id": "u1", "created_at": T,
        "closed_at": T if status != "open" else None,
    }  # fmt: skip
    return base | more


def test_missing_fields_carry_the_won_revenue_they_touch(workspace: Workspace) -> None:
    """Ten deals: d0–d5 won (1,000, 2,000, 3,000, 4,000, amount empty, 6,000), d6–d7 lost,
    d8–d9 open. Holes: d1 and d4 (won) and d9 (open) without source; d5 (won) without close
    date; d4 (won) without amount; owners all filled.

    * deals.source: 3 of 10 empty (30 %); won revenue on d1 and d4 = 2,000 + 0 → 2,000 of
      16,000 = 12.5 %; confidence 1.
    * deals.closed_at: applies to the 8 closed deals, 1 empty (12.5 %); d5's 6,000 → 37.5 %.
    * deals.amount: 1 of 10 empty (10 %); the won deal is valued at the mean won amount
      16,000 / 5 = 3,200; share 3,200 / (16,000 + 3,200) = 1/6; confidence 0.5.
    * deals.owner_id: nothing missing → no finding.
    """
    insert_rows(workspace, "deals", [
        _deal(0, "won", 1_000.0), _deal(1, "won", 2_000.0, source=" "),
        _deal(2, "won", 3_000.0), _deal(3, "won", 4_000.0),
        _deal(4, "won", None, source=None), _deal(5, "won", 6_000.0, closed_at=None),
        _deal(6, "lost", 500.0), _deal(7, "lost", 500.0),
        _deal(8, "open", 700.0), _deal(9, "open", 700.0, source=""),
    ])  # fmt: skip
    found = {f.subject: f for f in detect(_ctx(workspace))}
    assert set(found) == {"deals.source", "deals.closed_at", "deals.amount"}
    source = found["deals.source"]
    assert (source.money_at_stake, source.confidence) == (2_000.0, 1.0)
    assert source.evidence["deals_missing"] == 3 and source.evidence["share_missing"] == 0.3
    assert source.evidence["share_of_won_revenue"] == 0.125
    close = found["deals.closed_at"]
    assert close.money_at_stake == 6_000.0 and close.evidence["deals_checked"] == 8
    assert close.evidence["share_of_won_revenue"] == 0.375
    amount = found["deals.amount"]
    assert amount.money_at_stake == pytest.approx(3_200.0) and amount.confidence == 0.5
    assert amount.evidence["share_of_won_revenue"] == pytest.approx(round(1 / 6, 4))


def test_a_rare_hole_stays_under_the_threshold(workspace: Workspace) -> None:
    """One deal in ten without a source is 10 %: reported at quality_min_share 0.05, silent at
    0.10 (the share must exceed the threshold)."""
    insert_rows(workspace, "deals", [_deal(i, "won", 100.0) for i in range(9)]
                + [_deal(9, "won", 100.0, source=None)])  # fmt: skip
    assert [f.subject for f in detect(_ctx(workspace, quality_min_share=0.05))] == ["deals.source"]
    assert detect(_ctx(workspace, quality_min_share=0.10)) == []


def test_duplicate_contacts_and_the_revenue_on_them(workspace: Workspace) -> None:
    """Contacts c1–c6 with hashes x, x, x, y, y, z and c7 without one: groups x (3) and y (2),
    so 2 + 1 = 3 duplicates of 6 contacts with an e-mail (50 %). Won deals on c1 (1,000), c4
    (500) and c6 (2,000): revenue on duplicated contacts 1,500 of 3,500; a lost deal on c2 does
    not count."""
    insert_rows(workspace, "contacts", [
        {"contact_id": f"c{i}", "email_hash": h, "created_at": T}
        for i, h in enumerate(["x", "x", "x", "y", "y", "z", None], start=1)
    ])  # fmt: skip
    insert_rows(workspace, "deals", [
        _deal(1, "won", 1_000.0, contact_id="c1"), _deal(2, "won", 500.0, contact_id="c4"),
        _deal(3, "won", 2_000.0, contact_id="c6"), _deal(4, "lost", 9_000.0, contact_id="c2"),
    ])  # fmt: skip
    [dup] = detect(_ctx(workspace))
    assert dup.subject == "contacts.email_hash"
    assert dup.money_at_stake == 1_500.0 and dup.confidence == 1.0
    assert dup.evidence["duplicate_contacts"] == 3
    assert dup.evidence["duplicate_groups"] == 2
    assert dup.evidence["share_duplicate"] == 0.5
    assert dup.evidence["share_of_won_revenue"] == round(1_500 / 3_500, 4)


def test_clean_data_is_silent(workspace: Workspace) -> None:
    """Every field filled, every e-mail distinct: nothing to report."""
    insert_rows(workspace, "contacts", [
        {"contact_id": f"c{i}", "email_hash": f"h{i}", "created_at": T} for i in range(5)
    ])  # fmt: skip
    insert_rows(workspace, "deals", [_deal(i, "won", 100.0) for i in range(5)])
    assert detect(_ctx(workspace)) == []
