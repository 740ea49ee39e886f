"""Customers at risk of churning: still paying, their interactions collapsing, valued by a year.

A steady paying customer (:func:`crmroi.insights.customers.steady_customers`, paying for the
whole baseline) is at risk when their interactions (the engagement score's: touches, human
activities, web sessions, survey answers, :func:`crmroi.engagement.score.interactions`) in
the last ``engagement_compare_days`` are at most (1 − ``churn_min_drop``) × what their own
rate over the ``churn_baseline_days`` before predicts, and a quasi-Poisson test says the fall
is no accident (one-sided p ≤ ``churn_max_p_value``; the confidence is 1 − p). Interactions
come in bursts (a visit is a touch and a web session; a survey brings an answer and a
comment), so the Poisson variance is scaled by the dispersion of all steady customers'
monthly counts in the baseline (Pearson χ² ÷ degrees of freedom). Accounts with a deal
open during those days are left out (the sales cycle drives their interactions then), and
with several accounts tested at once the default p is strict. They must still be
alive by BG/NBD (P(alive) ≥ ``churn_min_p_alive``): they pay as before, so the orders alone do
not show it yet. The money at stake is their value over the next year: P(alive) × what they
paid in the last 365 days, what leaves with them if they go.

Not BG/NBD × Gamma-Gamma's expected purchases: on subscription billing (a charge every
month, like the simulated company's) the BG/NBD fit degenerates and its expected purchases
come out NaN, while P(alive) stays well defined.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import ibis
import numpy as np
import pandas as pd
from scipy.stats import norm

from crmroi.engagement.bgnbd import probability_alive
from crmroi.engagement.clv import fit_clv
from crmroi.engagement.purchases import Customer
from crmroi.engagement.score import interactions
from crmroi.engagement.summary import TimeUnit, purchase_summary
from crmroi.errors import CrmroiError
from crmroi.insights.context import DetectorContext
from crmroi.insights.customers import steady_customers
from crmroi.insights.finding import Finding
from crmroi.insights.wording import say

_MONTH = 30
"""Days per bucket of the baseline's monthly counts."""


def alive_now(ctx: DetectorContext) -> pd.Series | None:
    """Per account: BG/NBD P(alive) (monthly units) as of the data's end.

    None when the model cannot be fitted (too few customers or no repeat purchases).
    """
    try:
        summary = purchase_summary(
            ctx.ws,
            customer=Customer.account,
            time_unit=TimeUnit.month,
            observation_end=ctx.as_of.date(),
        )
        fit = fit_clv(summary)
    except CrmroiError:
        return None
    alive = probability_alive(fit.bgnbd, summary["frequency"], summary["recency"], summary["T"])
    return pd.Series(np.asarray(alive, dtype=float), index=summary["customer"].to_numpy())


def interaction_counts(ctx: DetectorContext, among: list[str] | None = None) -> pd.DataFrame:
    """Per account: recent interactions, what the baseline predicts, the baseline's months.

    Index account_id; columns recent (the last ``engagement_compare_days``), expected (the
    baseline's mean per 30-day month scaled to that window), m0, m1, … (its monthly counts).
    ``among``: only these accounts (the steady customers, not every account's interactions).
    """
    s = ctx.settings
    now = ctx.as_of
    cut = now - timedelta(days=s.engagement_compare_days)
    months = max(s.churn_baseline_days // _MONTH, 1)
    begin = cut - timedelta(days=months * _MONTH)
    events = interactions(ctx.ws)
    events = events.filter(
        events.account_id.notnull()
        & (events.occurred_at > ibis.timestamp(begin))
        & (events.occurred_at <= ibis.timestamp(now))
    )
    if among is not None:
        wanted = ibis.memtable({"_account": pd.Series(among, dtype=str)})
        events = events.semi_join(wanted, events.account_id == wanted._account)
    age = (events.occurred_at.epoch_seconds() - ibis.timestamp(begin).epoch_seconds()) / 86_400
    month = (age / _MONTH).floor().cast("int64")
    recent = events.occurred_at > ibis.timestamp(cut)
    bucket = ibis.ifelse(recent, -1, ibis.least(month, months - 1))
    per = events.group_by(account_id=events.account_id, bucket=bucket).aggregate(n=events.count())
    long: pd.DataFrame = per.execute()
    wide = long.pivot_table(index="account_id", columns="bucket", values="n", aggfunc="sum")
    wide = wide.reindex(columns=[-1, *range(months)]).fillna(0.0)
    wide.columns = ["recent", *(f"m{i}" for i in range(months))]
    base = wide[[f"m{i}" for i in range(months)]]
    wide["expected"] = base.mean(axis=1) * s.engagement_compare_days / _MONTH
    return wide


def dispersion(monthly: pd.DataFrame) -> float:
    """Pooled Pearson dispersion of the baseline's monthly counts (at least 1).

    How much more they vary than a Poisson count would; the test's variance is scaled by it.
    """
    means = monthly.mean(axis=1)
    used = monthly[means > 0]
    if used.empty or used.shape[1] < 2:
        return 1.0
    chi2 = ((used.sub(means[means > 0], axis=0) ** 2).div(means[means > 0], axis=0)).sum().sum()
    return max(float(chi2) / (len(used) * (used.shape[1] - 1)), 1.0)


def _in_sales(ctx: DetectorContext) -> list[str]:
    """Accounts with a deal open at some point of the baseline or the window.

    Its sales cycle, not the customer relationship, drives their interactions then.
    """
    s = ctx.settings
    begin = ctx.as_of - timedelta(days=s.engagement_compare_days + s.churn_baseline_days)
    d = ctx.ws.table("deals")
    busy = d.filter(
        d.account_id.notnull()
        & (d.created_at <= ibis.timestamp(ctx.as_of))
        & (d.closed_at.isnull() | (d.closed_at > ibis.timestamp(begin)))
    )
    return [str(a) for a in busy.select("account_id").distinct().execute()["account_id"]]


def detect(ctx: DetectorContext) -> list[Finding]:
    """One finding per paying customer whose interactions collapsed."""
    s = ctx.settings
    customers = steady_customers(ctx, s.churn_baseline_days + s.engagement_compare_days)
    if customers.empty:
        return []
    counts = interaction_counts(ctx, customers.index.tolist())
    counts = counts.reindex(customers.index).fillna(0.0)
    rows = customers.join(counts).drop(index=_in_sales(ctx), errors="ignore")
    phi = dispersion(rows.filter(regex=r"^m\d+$"))
    spread = np.sqrt(phi * rows["expected"].clip(lower=1e-9))
    rows["p_value"] = norm.cdf((rows["recent"] - rows["expected"]) / spread)
    falling = rows[
        (rows["expected"] > 0)
        & (rows["recent"] <= (1 - s.churn_min_drop) * rows["expected"])
        & (rows["p_value"] <= s.churn_max_p_value)
    ]
    if falling.empty:
        return []
    alive = alive_now(ctx)
    if alive is None:
        return []
    kept = falling.assign(p_alive=alive.reindex(falling.index))
    kept["value"] = kept["p_alive"] * kept["revenue_12m"]
    kept = kept[(kept["p_alive"] >= s.churn_min_p_alive) & (kept["value"] > 0)]
    return list(_at_risk(ctx, kept))


def _at_risk(ctx: DetectorContext, kept: pd.DataFrame) -> Iterator[Finding]:
    days = ctx.settings.engagement_compare_days
    for account, row in kept.iterrows():
        label = row["name"]
        subject = str(label) if isinstance(label, str) and label else str(account)
        yield Finding(
            kind="churn_risk",
            subject=subject,
            money_at_stake=float(row["value"]),
            currency=ctx.currency,
            confidence=1.0 - float(row["p_value"]),
            evidence={
                "account_id": str(account),
                "segment": None if pd.isna(row["segment"]) else str(row["segment"]),
                "interactions_recent": int(row["recent"]),
                "interactions_expected": round(float(row["expected"]), 1),
                "window_days": days,
                "p_value": round(float(row["p_value"]), 4),
                "p_alive": round(float(row["p_alive"]), 4),
                "revenue_12m": round(float(row["revenue_12m"]), 2),
            },
            action=say("churn_action", ctx.lang, subject=subject),
            title=say(
                "churn_title",
                ctx.lang,
                subject=subject,
                recent=int(row["recent"]),
                expected=float(row["expected"]),
                days=days,
                value=float(row["value"]),
            ),
        )
