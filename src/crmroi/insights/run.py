"""Run every detector and rank what they find."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from crmroi.insights import (
    adoption,
    campaigns,
    churn,
    neglect,
    quality,
    seats,
    segments,
    stages,
    workflows,
)
from crmroi.insights.context import DetectorContext, data_end
from crmroi.insights.finding import Finding, rank
from crmroi.insights.settings import FindingsSettings
from crmroi.insights.targets import detect as target_gap
from crmroi.roi.analysis import RoiResult
from crmroi.roi.fx import reporting_currency
from crmroi.roi.settings import RoiSettings
from crmroi.workspace import Workspace

Detector = Callable[[DetectorContext], list[Finding]]

DETECTORS: dict[str, Detector] = {
    "neglected_deals": neglect.detect,
    "data_quality": quality.detect,
    "adoption": adoption.detect,
    "unused_seats": seats.detect,
    "campaign_roi": campaigns.detect,
    "workflow_lift": workflows.detect,
    "stage": stages.detect,
    "engagement": segments.detect,
    "churn_risk": churn.detect,
    "target_gap": target_gap,
}
"""Detector name → detector, in the order they run."""


def find(
    ws: Workspace,
    settings: FindingsSettings | None = None,
    *,
    currency: str | None = None,
    lang: str = "en",
    fx_rates: Mapping[str, float] | None = None,
    roi: RoiSettings | None = None,
    analysis: RoiResult | None = None,
) -> list[Finding]:
    """Every finding of every detector, largest money at stake × confidence first.

    ``currency`` is the reporting currency (else the deals' one currency), ``fx_rates`` convert
    the licence costs into it, ``roi`` are the settings of the ROI analysis the campaign
    detector reads; ``analysis`` is that analysis when the caller has already run it with those
    settings (the report does), so it is not run twice. An empty workspace has nothing to find.
    """
    moment = data_end(ws)
    if moment is None:
        return []
    ctx = DetectorContext(
        ws=ws,
        settings=settings or FindingsSettings(),
        currency=reporting_currency(currency, ws.table("deals")),
        as_of=moment,
        lang=lang,
        fx_rates=dict(fx_rates or {}),
        roi=roi,
        shared={} if analysis is None else {"roi": analysis},
    )
    return rank(f for detector in DETECTORS.values() for f in detector(ctx))
