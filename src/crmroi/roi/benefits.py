"""Revenue through the CRM on three bases: touched, attributed and incremental (REFERENCE §4.7).

Each basis gives a monthly revenue series over the analysis window, with an interval where it
is an estimate:

* **touched** — every won deal the CRM tracks, closed from the adoption date on: an upper bound;
* **attributed** — touched revenue × the share the attribution model gives to campaigns and
  workflows (1 − the baseline's share − the share of touches that belong to no campaign), from
  ``crmroi.attribution`` when it is installed;
* **incremental** — the effect estimated by :mod:`crmroi.impact` (ITS, DiD or holdouts).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from crmroi.impact.estimate import Z95, Estimate
from crmroi.impact.series import won_revenue
from crmroi.roi.fx import FxRates
from crmroi.roi.settings import RoiSettings
from crmroi.roi.tco import month_index
from crmroi.workspace import Workspace

Vector = npt.NDArray[np.float64]
BASELINE = "(baseline)"
TOUCHED_METHOD = "crm_tracked_won_deals"
NO_CAMPAIGN = "(none)"
"""Key of the touches with a channel but no campaign, in an attribution table at campaign level."""


@dataclass(frozen=True)
class Benefit:
    """Revenue of one basis: total, 95 % interval, SE, and its spread over the window's months."""

    basis: str
    method: str
    value: float | None
    low: float | None
    high: float | None
    se: float
    monthly: Vector
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "basis": self.basis,
            "method": self.method,
            "revenue": self.value,
            "revenue_low": self.low,
            "revenue_high": self.high,
            "reason": self.reason,
        }


def touched(
    ws: Workspace, fx: FxRates, *, start: pd.Timestamp, months: int, adoption: pd.Timestamp
) -> Benefit:
    """Won revenue closed on or after ``adoption``, per month of the window.

    A count, not an estimate: no interval. Without a won deal since adoption the basis is not
    computed (revenue 0 and ROI −100 % would read as a measured failure, not as missing data).
    """
    agg = won_revenue(ws, fx, since=adoption)
    monthly = np.zeros(months)
    empty = Benefit("touched", TOUCHED_METHOD, None, None, None, 0.0, monthly)
    if agg.empty:
        deals = ws.table("deals")
        before = int(deals.filter(deals.status == "won").count().execute())
        if before == 0:
            return replace(empty, reason="no won deals: import deals with status won")
        return replace(
            empty,
            reason=f"no won deal closed since the adoption date {adoption.date().isoformat()} "
            f"({before} closed before it): check the adoption date",
        )
    for when, revenue in zip(agg["month"], agg["revenue"], strict=True):
        i = month_index(when, start)
        if 0 <= i < months:
            monthly[i] += revenue
    total = float(monthly.sum())
    return Benefit("touched", TOUCHED_METHOD, total, None, None, 0.0, monthly)


@dataclass(frozen=True)
class Attribution:
    """The attribution model's table (or why there is none) and what its window left out."""

    table: pd.DataFrame | str
    window_note: str | None = None
    """How many conversions the lookback window sent to the baseline; None when none."""
    journeys: Any = None
    """The journeys the model ran on (``crmroi.attribution.Journeys``; None without them)."""


WINDOW_SETTING = "`[roi] attribution_lookback_days` in crmroi.toml"


def attribution_table(ws: Workspace, settings: RoiSettings, level: str) -> Attribution:
    """The attribution model's table at ``level``, or the reason it is unavailable.

    The attributed basis counts conversions whose touches all lie outside the lookback window
    as baseline; the note says how many, so a short window cannot shrink the basis silently.
    """
    if ws.count("touchpoints") == 0:
        return Attribution(
            "no touchpoints: import touchpoints (the campaign and channel touches of contacts) "
            "to attribute revenue"
        )
    try:
        from crmroi.attribution import attribute  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return Attribution("crmroi.attribution.attribute is not available in this installation")
    result = attribute(
        ws,
        models=(settings.attribution_model,),
        level=level,
        conversions="deals",
        lookback_days=settings.attribution_lookback_days,
        bootstrap=settings.attribution_bootstrap,
        seed=settings.seed,
    )
    table: pd.DataFrame = result.table(settings.attribution_model)
    note = result.window.note(setting=WINDOW_SETTING) if result.window is not None else None
    return Attribution(table, note, result.journeys)


def attributed(touched_benefit: Benefit, table: pd.DataFrame | str, model: str) -> Benefit:
    """Touched revenue × the non-baseline share of the attribution model."""
    method = f"attribution:{model}"
    empty = np.zeros_like(touched_benefit.monthly)
    if touched_benefit.value is None:
        return Benefit("attributed", method, None, None, None, 0.0, empty, touched_benefit.reason)
    if isinstance(table, str):
        return Benefit("attributed", method, None, None, None, 0.0, empty, reason=table)
    credited = table[~table["key"].astype(str).isin((BASELINE, NO_CAMPAIGN))]
    if credited.empty or float(credited["conversions"].fillna(0.0).sum()) <= 0:
        return Benefit(
            "attributed",
            method,
            None,
            None,
            None,
            0.0,
            empty,
            reason="no won deal had a campaign touch before it within the attribution lookback "
            "(attribution_lookback_days): nothing to attribute",
        )
    # without bootstrap the interval columns are NaN: the interval collapses onto the share
    frame = table.assign(
        share_low=table["share_low"].fillna(table["share"]),
        share_high=table["share_high"].fillna(table["share"]),
    ).fillna({"share": 0.0, "share_low": 0.0, "share_high": 0.0})
    keys = frame["key"].astype(str)
    base = frame[keys == BASELINE]
    # touches that belong to no campaign or workflow are not revenue *of* the CRM's campaigns
    unowned = float(frame.loc[keys == NO_CAMPAIGN, "share"].sum())
    if base.empty:
        share = float(frame["share"].sum()) - unowned
        low = float(frame["share_low"].sum()) - unowned
        high = float(frame["share_high"].sum()) - unowned
    else:
        share = 1.0 - float(base["share"].iloc[0]) - unowned
        low = 1.0 - float(base["share_high"].iloc[0]) - unowned
        high = 1.0 - float(base["share_low"].iloc[0]) - unowned
    share, low, high = (float(np.clip(v, 0.0, 1.0)) for v in (share, low, high))
    total = touched_benefit.value
    has_interval = high - low > 1e-12  # without bootstrap the share is a point, not an interval
    return Benefit(
        "attributed",
        method,
        share * total,
        low * total if has_interval else None,
        high * total if has_interval else None,
        (high - low) * total / (2 * Z95),
        touched_benefit.monthly * share,
    )


def incremental(estimate: Estimate, touched_benefit: Benefit, start: pd.Timestamp) -> Benefit:
    """The impact estimate as a monthly series over the window.

    Methods with monthly effects (ITS, DiD) are placed month by month; a total without months
    (holdouts) is spread like the touched revenue, or evenly when nothing was touched.
    """
    months = touched_benefit.monthly.size
    if not estimate.ok:
        empty = np.zeros(months)
        return Benefit(
            "incremental", estimate.method, None, None, None, 0.0, empty, estimate.reason
        )
    monthly = np.zeros(months)
    if estimate.monthly:
        for label, effect in zip(estimate.months, estimate.monthly, strict=True):
            i = month_index(pd.Timestamp(label + "-01"), start)
            if 0 <= i < months:
                monthly[i] += effect
    else:
        weights = touched_benefit.monthly.clip(min=0.0)
        weights = weights / weights.sum() if weights.sum() > 0 else np.full(months, 1 / months)
        monthly = (estimate.value or 0.0) * weights
    return Benefit(
        "incremental",
        estimate.method,
        estimate.value,
        estimate.low,
        estimate.high,
        estimate.se or 0.0,
        monthly,
    )


def productivity(active_users_by_month: Vector, settings: RoiSettings) -> Vector:
    """Optional indirect benefit: hours saved × loaded hourly cost × active users, per month."""
    rate = settings.hours_saved_per_user_month * settings.loaded_hourly_cost
    out: Vector = active_users_by_month * rate
    return out
