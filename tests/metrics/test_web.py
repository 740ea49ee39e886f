"""Oracle tests of the web KPIs on a hand-made workspace holding sessions and traffic rows.

web_sessions (user, start, channel, conversions, revenue):

====  ====  ================  =======  ====  =====
s1    u1    2024-01-02 10:00  Organic  1     50
s2    u1    2024-01-02 15:00  Direct   0     —
s3    u2    2024-01-20 09:00  Organic  2     30
s4    u3    2024-02-01 08:00  —        —     —
====  ====  ================  =======  ====  =====

web_traffic (period, channel; sessions, users, key events, revenue):

* Jan 2 total 99/99/9/999: left out, s1 and s2 started that day (no day counts twice).
* Jan 10 total 10/8/1/20, Organic 6/5/1/20, Paid 4/4/0/0: the total when not sliced by
  channel, the two channel rows when sliced.
* Feb 5–11 Organic 7/7/0/0 (no total row): used either way.
* Jan 25 – Feb 2 total 50/50/5/500: left out, s4 started on Feb 1 within it.

By month: January sessions 3 + 10 = 13, users 2 (u1, u2) + 8 = 10, conversions 3 + 1 = 4,
revenue 80 + 20 = 100, rate 4 / 13; February sessions 1 + 7 = 8, users 1 + 7 = 8, no
conversions or revenue, rate 0. By channel in January: Organic 2 + 6 = 8 sessions, 2 + 5 = 7
users, 3 + 1 = 4 conversions, 80 + 20 revenue; Direct 1/1/0/0; Paid 4/4/0/0.
"""

from __future__ import annotations

from datetime import date

import pytest

from crmroi import Workspace
from crmroi.metrics import MetricQuery, query
from crmroi.metrics.engine import data_range

from .kit import put

WEB = ("web_sessions", "web_users", "web_conversions", "web_conversion_rate", "web_revenue")


def _traffic(start: str, end: str, channel: str | None, *counts: float) -> dict[str, object]:
    sessions, users, key_events, revenue = counts
    return {
        "period_start": start,
        "period_end": end,
        "channel": channel,
        "sessions": int(sessions),
        "users": int(users),
        "key_events": key_events,
        "revenue": revenue,
    }


def fill(w: Workspace) -> Workspace:
    """Put the sessions and traffic rows of the table above into ``w``."""
    put(
        w,
        "web_sessions",
        *(
            {"session_id": sid, "user_pseudo_id": user, "started_at": at, "channel": channel,
             "conversions": conv, "revenue": rev}
            for sid, user, at, channel, conv, rev in (
                ("s1", "u1", "2024-01-02 10:00", "Organic", 1, 50.0),
                ("s2", "u1", "2024-01-02 15:00", "Direct", 0, None),
                ("s3", "u2", "2024-01-20 09:00", "Organic", 2, 30.0),
                ("s4", "u3", "2024-02-01 08:00", None, None, None),
            )
        ),
    )  # fmt: skip
    put(
        w,
        "web_traffic",
        _traffic("2024-01-02", "2024-01-02", None, 99, 99, 9, 999),
        _traffic("2024-01-10", "2024-01-10", None, 10, 8, 1, 20),
        _traffic("2024-01-10", "2024-01-10", "Organic", 6, 5, 1, 20),
        _traffic("2024-01-10", "2024-01-10", "Paid", 4, 4, 0, 0),
        _traffic("2024-02-05", "2024-02-11", "Organic", 7, 7, 0, 0),
        _traffic("2024-01-25", "2024-02-02", None, 50, 50, 5, 500),
    )
    return w


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    return fill(workspace)


def _values(ws: Workspace, **kw: object) -> dict[tuple[object, ...], float]:
    df = query(ws, MetricQuery(kpis=WEB, grain="month", **kw))  # type: ignore[arg-type]
    keys = [c for c in df.columns if c in ("kpi", "period_start", "channel")]
    return {tuple(row[k] for k in keys): row["value"] for _, row in df.iterrows()}


def test_by_month_each_day_from_one_source(ws: Workspace) -> None:
    got = _values(ws)
    jan, feb = date(2024, 1, 1), date(2024, 2, 1)
    want = {
        "web_sessions": (13, 8),
        "web_users": (10, 8),
        "web_conversions": (4, 0),
        "web_conversion_rate": (4 / 13, 0),
        "web_revenue": (100, 0),
    }
    for kpi, (in_jan, in_feb) in want.items():
        assert got[kpi, jan] == pytest.approx(in_jan), kpi
        assert got[kpi, feb] == pytest.approx(in_feb), kpi


def test_by_channel_uses_the_breakdown_rows(ws: Workspace) -> None:
    got = _values(ws, dimensions=("channel",))
    jan, feb = date(2024, 1, 1), date(2024, 2, 1)
    rows = {
        (jan, "Organic"): (8, 7, 4, 100),
        (jan, "Direct"): (1, 1, 0, 0),
        (jan, "Paid"): (4, 4, 0, 0),
        (feb, "(none)"): (1, 1, 0, 0),
        (feb, "Organic"): (7, 7, 0, 0),
    }
    for (month, channel), (sessions, users, conv, revenue) in rows.items():
        assert got["web_sessions", month, channel] == sessions, (month, channel)
        assert got["web_users", month, channel] == users, (month, channel)
        assert got["web_conversions", month, channel] == conv, (month, channel)
        assert got["web_revenue", month, channel] == revenue, (month, channel)
    got_sessions = {k[1:]: v for k, v in got.items() if k[0] == "web_sessions"}
    assert set(got_sessions) == set(rows)


def test_channel_filter_keeps_its_rows(ws: Workspace) -> None:
    got = _values(ws, filters={"channel": ["Paid"]})
    assert got["web_sessions", date(2024, 1, 1)] == 4
    assert got["web_sessions", date(2024, 2, 1)] == 0


def test_web_rows_alone_give_the_data_range(ws: Workspace) -> None:
    """A workspace holding only web analytics has dates: first session to last traffic day."""
    assert data_range(ws) == (date(2024, 1, 2), date(2024, 2, 11))
    df = query(ws, MetricQuery(kpis=("web_sessions",)))
    assert df["value"].tolist() == [21.0]
