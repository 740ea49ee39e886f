"""Campaigns that lose money: incremental return surely below their cost, from `crmroi roi`.

A campaign is reported when even the top of the 95 % interval of its incremental revenue,
times the margin, stays below its cost (its ROI and the whole interval below zero, as issue 12
asks): a control group of ten contacts makes point estimates swing by millions.

Only campaigns with a no-contact control group are judged: their incremental revenue (treated
vs control, :mod:`crmroi.impact.holdout`) is causal. A campaign without a control has only
attributed revenue, which credits touches, not effects (on the simulated company it shows
−100 % for campaigns that truly pay and +1,500 % for one that has no effect at all), so it is
never called a loss here. Cost and incremental revenue are the ROI analysis's own per-campaign
figures (``RoiResult.campaigns`` and ``RoiResult.impact.campaigns``), never recomputed.

Channels known only by their spend (print, radio, …) are judged the same way on the
marketing-mix model's incremental revenue (rows with ``revenue_model`` ``marketing_mix``): a
channel whose whole 95 % interval of return stays below its spend; the money at stake is the
spend.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scipy.stats import norm

from crmroi.impact.estimate import Z95
from crmroi.insights.context import DetectorContext, roi_result
from crmroi.insights.finding import Finding
from crmroi.insights.wording import say
from crmroi.roi.analysis import RoiResult
from crmroi.roi.units import MMM_MODEL


def detect(ctx: DetectorContext) -> list[Finding]:
    """One finding per controlled campaign whose whole interval of return lies below its cost.

    No finding when the ROI analysis cannot run on this workspace (``crmroi roi`` says why).
    """
    result = roi_result(ctx)
    return [] if result is None else [*_losing(ctx, result), *_losing_spend(ctx, result)]


def loss_confidence(
    incremental: float, low: float | None, high: float | None, cost: float, margin: float
) -> float:
    """P(incremental revenue × margin < cost), normal with the SE of the 95 % interval."""
    if low is None or high is None or high <= low:
        return 1.0
    se = (high - low) / (2 * Z95)
    return float(norm.cdf((cost / margin - incremental) / se)) if margin > 0 else 1.0


def _losing(ctx: DetectorContext, result: RoiResult) -> Iterator[Finding]:
    margin = result.settings.margin
    rows: dict[str, dict[str, Any]] = {}
    for line in result.campaigns:
        rows.setdefault(str(line["campaign_id"]), line)
    for comparison in result.impact.campaigns:
        row = rows.get(comparison.key)
        if row is None or comparison.incremental_revenue is None:
            continue
        cost = float(row["cost"])
        inc = float(comparison.incremental_revenue)
        if not _surely_below(cost, comparison.incremental_high, margin):
            continue
        name = row["name"] if isinstance(row["name"], str) and row["name"] else comparison.key
        roi_pct = _roi_pct(inc, cost, margin)
        yield Finding(
            kind="campaign_roi",
            subject=name,
            money_at_stake=cost,
            currency=result.currency,
            confidence=loss_confidence(
                inc, comparison.incremental_low, comparison.incremental_high, cost, margin
            ),
            evidence={
                "campaign_id": comparison.key,
                "cost": round(cost, 2),
                "incremental_revenue": round(inc, 2),
                "incremental_low": _rounded(comparison.incremental_low),
                "incremental_high": _rounded(comparison.incremental_high),
                "margin": margin,
                "incremental_roi_pct": round(roi_pct, 1),
                "treated": comparison.treated.n,
                "control": comparison.control.n,
                "lift_p_value": _rounded(comparison.p_value, 4),
            },
            action=say("campaign_action", ctx.lang, subject=name),
            title=say("campaign_title", ctx.lang, subject=name, roi=roi_pct),
        )


def _losing_spend(ctx: DetectorContext, result: RoiResult) -> Iterator[Finding]:
    """Spend-only channels whose marketing-mix interval of return lies below their spend."""
    margin = result.settings.margin
    for row in result.campaigns:
        if row["revenue_model"] != MMM_MODEL:
            continue
        spend, inc, high = float(row["cost"]), float(row["revenue"]), row["incremental_high"]
        if not _surely_below(spend, high, margin):
            continue
        name = str(row["name"])
        roi_pct = _roi_pct(inc, spend, margin)
        yield Finding(
            kind="campaign_roi",
            subject=name,
            money_at_stake=spend,
            currency=result.currency,
            confidence=loss_confidence(inc, row["incremental_low"], high, spend, margin),
            evidence={
                "channel": name,
                "basis": MMM_MODEL,
                "spend": round(spend, 2),
                "incremental_revenue": round(inc, 2),
                "incremental_low": _rounded(row["incremental_low"]),
                "incremental_high": _rounded(high),
                "margin": margin,
                "incremental_roi_pct": round(roi_pct, 1),
            },
            action=say("spend_channel_action", ctx.lang, subject=name),
            title=say("spend_channel_title", ctx.lang, subject=name, roi=roi_pct),
        )


def _surely_below(cost: float, high: float | None, margin: float) -> bool:
    """Whether even the top of the return's 95 % interval × margin is below the cost.

    Something free, or a return that covers the cost somewhere in its interval, is no finding.
    """
    return cost > 0 and high is not None and float(high) * margin < cost


def _roi_pct(incremental: float, cost: float, margin: float) -> float:
    return (incremental * margin - cost) / cost * 100


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)
