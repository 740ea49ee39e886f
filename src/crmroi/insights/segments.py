"""Customer segments whose engagement is falling (``accounts.segment``).

Per segment, the steady paying customers (:mod:`crmroi.insights.customers`) are scored now and
``engagement_compare_days`` earlier. A segment is reported when its mean score fell by more
than ``engagement_min_drop`` of its earlier value; the confidence is one minus the one-sided
p-value of the paired t-test (each customer against itself), so a fall carried by one or two
accounts is not sure. The money at stake is the segment's customers' net revenue of the last
365 days: what the segment pays, a year of which is at stake when it drifts away. NPS and
retention by segment are not judged here (see ``docs/findings.md``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from scipy.stats import ttest_rel

from crmroi.insights.context import DetectorContext
from crmroi.insights.customers import customer_scores
from crmroi.insights.finding import Finding
from crmroi.insights.wording import say


def detect(ctx: DetectorContext) -> list[Finding]:
    """One finding per segment whose customers' engagement fell."""
    customers = customer_scores(ctx)
    if customers.empty:
        return []
    return list(_falling(ctx, customers))


def _falling(ctx: DetectorContext, customers: pd.DataFrame) -> Iterator[Finding]:
    s = ctx.settings
    for segment, rows in customers.groupby(customers["segment"].fillna("(none)"), sort=True):
        before, now = float(rows["score_before"].mean()), float(rows["score_now"].mean())
        if len(rows) < s.engagement_min_customers or before <= 0:
            continue
        drop = 1.0 - now / before
        if drop <= s.engagement_min_drop:
            continue
        test = ttest_rel(rows["score_now"], rows["score_before"], alternative="less")
        subject = str(segment)
        money = float(rows["revenue_12m"].clip(lower=0.0).sum())
        if money <= 0:
            continue
        yield Finding(
            kind="engagement",
            subject=subject,
            money_at_stake=money,
            currency=ctx.currency,
            confidence=1.0 - float(test.pvalue),
            evidence={
                "customers": len(rows),
                "mean_score_before": round(before, 2),
                "mean_score_now": round(now, 2),
                "relative_drop": round(drop, 4),
                "compare_days": s.engagement_compare_days,
                "revenue_12m": round(money, 2),
                "p_value": round(float(test.pvalue), 4),
            },
            action=say("engagement_action", ctx.lang, subject=subject),
            title=say(
                "engagement_title",
                ctx.lang,
                subject=subject,
                drop=drop,
                days=s.engagement_compare_days,
                customers=len(rows),
            ),
        )
