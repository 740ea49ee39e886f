"""Workflows without a shown effect: lift over the holdout not distinguishable from zero.

A CRM workflow (nurture, follow-up, win-back sequence) is judged by its own holdout group, the
contacts it would have enrolled but kept out: the ROI analysis compares their conversion and
revenue with the enrolled ones' (``RoiResult.workflows``, :func:`crmroi.impact.holdout.
workflow_holdouts`) and this detector only reads those rows, never recomputes them.

A workflow is reported when its conversion lift is not positive, or its p-value is above
``workflow_max_p_value``: nothing shows that it works. The money at stake is its cost in the
analysis window (build and running lines of the ledger tagged with it): the spend that could
move to a workflow that works. The confidence is the probability that its incremental revenue
× margin does not cover that cost (normal, with the SE of the 95 % interval), the same measure
as for campaigns; a workflow that surely pays is therefore never ranked high, even when its
conversion lift is unclear. Workflows without a holdout group are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from crmroi.insights.campaigns import loss_confidence
from crmroi.insights.context import DetectorContext, roi_result
from crmroi.insights.finding import Finding
from crmroi.insights.wording import say


def detect(ctx: DetectorContext) -> list[Finding]:
    """One finding per workflow with a holdout whose lift is not shown to be positive."""
    result = roi_result(ctx)
    if result is None:
        return []
    return list(_unproven(ctx, result.workflows, result.settings.margin, result.currency))


def _unproven(
    ctx: DetectorContext, rows: Sequence[dict[str, Any]], margin: float, currency: str
) -> Iterator[Finding]:
    limit = ctx.settings.workflow_max_p_value
    for row in rows:
        lift, p_value = row["conversion_lift"], row["lift_p_value"]
        if not row["holdout"] or lift is None or row["incremental_revenue"] is None:
            continue  # no holdout: nothing to judge the workflow by
        cost = float(row["cost"])
        if cost <= 0 or (lift > 0 and p_value is not None and p_value <= limit):
            continue
        name = row["name"] or row["workflow_id"]
        inc = float(row["incremental_revenue"])
        low, high = row["incremental_low"], row["incremental_high"]
        yield Finding(
            kind="workflow_lift",
            subject=name,
            money_at_stake=cost,
            currency=currency,
            confidence=loss_confidence(inc, low, high, cost, margin),
            evidence={
                "workflow_id": row["workflow_id"],
                "cost": round(cost, 2),
                "enrolled": int(row["enrolled"]),
                "holdout": int(row["holdout"]),
                "conversion_lift": round(float(lift), 4),
                "lift_p_value": None if p_value is None else round(float(p_value), 4),
                "incremental_revenue": round(inc, 2),
                "incremental_low": None if low is None else round(float(low), 2),
                "incremental_high": None if high is None else round(float(high), 2),
                "margin": margin,
            },
            action=say("workflow_action", ctx.lang, subject=name),
            title=say("workflow_title", ctx.lang, subject=name, lift=100 * float(lift)),
        )
