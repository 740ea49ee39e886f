"""Web traffic by day: what the company's GA4 UI reports would show of its simulated sessions.

GA4's UI and its CSV downloads give aggregates, not sessions; the synthetic company writes both,
and the aggregates are the sessions summed per day and (channel, source, medium, campaign), so
the two agree by construction. ``new_users`` counts users on the day of their first session.
"""

from __future__ import annotations

import pandas as pd

from crmroi.synth import columns as col

KEYS = ["channel", "source", "medium", "campaign"]


def traffic_frame(sessions: pd.DataFrame) -> pd.DataFrame:
    """The ``web_traffic`` table: one row per day and traffic source of ``sessions``."""
    s = sessions.assign(day=sessions["started_at"].dt.floor("D"))
    first_day = s.groupby("user_pseudo_id")["day"].transform("min")
    s = s.assign(new=(s["day"] == first_day) & ~s.duplicated(["user_pseudo_id", "day"]))
    daily = (
        s.groupby(["day", *KEYS], dropna=False, sort=True, observed=True)
        .agg(
            sessions=("session_id", "size"),
            engaged_sessions=("engaged", "sum"),
            users=("user_pseudo_id", "nunique"),
            new_users=("new", "sum"),
            key_events=("conversions", "sum"),
            revenue=("revenue", "sum"),
        )
        .reset_index()
    )
    day_text = daily["day"].dt.strftime("%Y-%m-%d 00:00:00")
    parts = [day_text, day_text, *(daily[k].astype("string").fillna("") for k in KEYS)]
    key = parts[0].str.cat(parts[1:], sep="|")
    return col.frame(
        "web_traffic",
        {
            "traffic_key": key,
            "period_start": daily["day"],
            "period_end": daily["day"],
            **{k: daily[k] for k in KEYS},
            "sessions": daily["sessions"],
            "engaged_sessions": daily["engaged_sessions"],
            "users": daily["users"],
            "new_users": daily["new_users"],
            "key_events": daily["key_events"].astype("float64"),
            "revenue": daily["revenue"],
        },
    )
