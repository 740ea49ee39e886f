"""ROI per campaign and per workflow: each unit's revenue against its own cost, counted once.

Cost of a unit: the ledger lines tagged with its id (``costs.campaign_id`` /
``costs.workflow_id``, their cash cost in the window) when there are any, else its own ``cost``
column (``campaigns.cost`` / ``workflows.cost``, one row per unit). The ledger takes precedence,
as for licences, because exports often carry the same cost in both places (a workflow's build
cost as a ``customization`` line equal to ``workflows.cost``): adding them would count it twice.
Cost is computed per unit *before* any join with deals, so a campaign behind 40 deals still
carries its cost once; revenue is aggregated per unit separately and the two small tables are
joined on the id.

* Campaigns: attributed revenue from ``crmroi.attribution`` at campaign level when available,
  else the won revenue of deals whose primary campaign (``deals.campaign_id``) is the campaign
  ("deal_source"), closed in the window; plus, where the campaign has a no-contact control group,
  its incremental revenue from :mod:`crmroi.impact.holdout`.
* Channels known only by their spend (``channel_spend``): incremental revenue from the
  marketing-mix model (:mod:`crmroi.mmm`), revenue model ``marketing_mix``, cost = the spend,
  with the model's 95 % interval.
* Workflows: incremental revenue from the holdout comparison.

ROI = (revenue × margin − cost) ÷ cost × 100 (None with a reason when the cost is zero).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from crmroi.impact.holdout import Comparison
from crmroi.mmm.fit import ChannelEstimate
from crmroi.roi.finance import simple_roi
from crmroi.roi.fx import FxRates, distinct_currencies
from crmroi.workspace import Workspace


def unit_costs(
    ws: Workspace, fx: FxRates, kind: str, ledger_by_unit: dict[str, float]
) -> pd.DataFrame:
    """``id``, ``name``, ``cost`` per campaign or workflow (tagged ledger lines, else own cost)."""
    table = ws.table(f"{kind}s")
    key = f"{kind}_id"
    fx.check(distinct_currencies(table), where=f"{kind}s")
    rows = table.select(id=table[key], name=table["name"], own=fx.amount_expr(table, "cost"))
    frame = rows.execute()
    frame["id"] = frame["id"].astype(str)
    frame["cost"] = frame["id"].map(ledger_by_unit).fillna(frame["own"].astype(float))
    out: pd.DataFrame = frame.drop(columns="own")
    return out


def source_revenue(
    ws: Workspace, fx: FxRates, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Won revenue and deals per primary campaign (``deals.campaign_id``) closed in the window."""
    deals = ws.table("deals")
    won = deals.filter(
        (deals.status == "won")
        & deals.campaign_id.notnull()
        & (deals.closed_at >= start)
        & (deals.closed_at < end)
    )
    fx.check(distinct_currencies(won), where="deals")
    won = won.mutate(value=fx.amount_expr(won))
    agg = won.group_by("campaign_id").aggregate(revenue=won.value.sum(), deals=won.count())
    out: pd.DataFrame = agg.rename(id="campaign_id").execute()
    out["id"] = out["id"].astype(str)
    return out


def attributed_revenue(table: pd.DataFrame) -> pd.DataFrame:
    """``id``, ``revenue``, ``deals`` per campaign from an attribution table at campaign level.

    The table has one row per campaign *and channel* (a campaign whose touches come through
    two channels has two rows), so the rows are summed per campaign: one cost, one ROI.
    """
    rows = table[table["key"].astype(str) != "(baseline)"]
    per_row = pd.DataFrame(
        {
            "id": rows["key"].astype(str),
            "revenue": rows["revenue"].astype(float).fillna(0.0),
            "deals": rows["conversions"].astype(float).fillna(0.0),
        }
    )
    return per_row.groupby("id", as_index=False, sort=True)[["revenue", "deals"]].sum()


def campaign_rows(
    costs: pd.DataFrame,
    revenue: pd.DataFrame,
    controls: Sequence[Comparison],
    *,
    margin: float,
    model: str,
) -> list[dict[str, Any]]:
    """One row per campaign: cost, revenue, gross profit, ROI; incremental where controlled."""
    merged = costs.merge(revenue, on="id", how="left").fillna({"revenue": 0.0, "deals": 0})
    lifts = {c.key: c for c in controls}
    rows = []
    for r in merged.sort_values("id").to_dict("records"):
        roi = simple_roi(float(r["revenue"]) * margin, float(r["cost"]))
        lift = lifts.get(str(r["id"]))
        inc = lift.incremental_revenue if lift else None
        inc_roi = simple_roi(inc * margin, float(r["cost"])) if inc is not None else None
        rows.append(
            {
                "campaign_id": str(r["id"]),
                "name": None if pd.isna(r["name"]) else str(r["name"]),
                "cost": float(r["cost"]),
                "deals": float(r["deals"]),
                "revenue": float(r["revenue"]),
                "revenue_model": model,
                "gross_profit": float(r["revenue"]) * margin,
                "roi_pct": roi.value,
                "roi_reason": roi.reason,
                "incremental_revenue": inc,
                "incremental_roi_pct": inc_roi.value if inc_roi else None,
                "incremental_low": lift.incremental_low if lift else None,
                "incremental_high": lift.incremental_high if lift else None,
            }
        )
    return rows


MMM_MODEL = "marketing_mix"


def mmm_rows(
    channels: Sequence[ChannelEstimate], value: float, *, margin: float
) -> list[dict[str, Any]]:
    """One campaign row per spend-only channel: its spend and the model's incremental revenue.

    ``value`` turns the model's outcome into money (won revenue per lead or per won deal, 1 for
    revenue). The channel's revenue *is* incremental (what it added), so ``revenue`` and
    ``incremental_revenue`` agree.
    """
    rows = []
    for c in channels:
        inc, low, high = (
            c.incremental * value,
            c.incremental_low * value,
            c.incremental_high * value,
        )
        roi = simple_roi(inc * margin, c.spend)
        rows.append(
            {
                "campaign_id": c.channel,
                "name": c.channel,
                "cost": c.spend,
                "deals": None,
                "revenue": inc,
                "revenue_model": MMM_MODEL,
                "gross_profit": inc * margin,
                "roi_pct": roi.value,
                "roi_reason": roi.reason,
                "incremental_revenue": inc,
                "incremental_roi_pct": roi.value,
                "incremental_low": low,
                "incremental_high": high,
            }
        )
    return rows


def workflow_rows(
    costs: pd.DataFrame, holdouts: Sequence[Comparison], *, margin: float
) -> list[dict[str, Any]]:
    """One row per workflow: cost, holdout lift, incremental revenue and its ROI with interval."""
    lifts = {c.key: c for c in holdouts}
    rows = []
    for r in costs.sort_values("id").to_dict("records"):
        lift = lifts.get(str(r["id"]))
        cost = float(r["cost"])
        inc = lift.incremental_revenue if lift else None
        roi = simple_roi(inc * margin, cost) if inc is not None else None
        bounds = [
            simple_roi(v * margin, cost).value
            for v in ((lift.incremental_low, lift.incremental_high) if lift else ())
            if v is not None
        ]
        rows.append(
            {
                "workflow_id": str(r["id"]),
                "name": None if pd.isna(r["name"]) else str(r["name"]),
                "cost": cost,
                "enrolled": lift.treated.n if lift else 0,
                "holdout": lift.control.n if lift else 0,
                "conversion_lift": lift.lift if lift else None,
                "relative_lift": lift.relative_lift if lift else None,
                "lift_p_value": lift.p_value if lift else None,
                "incremental_revenue": inc,
                "incremental_low": lift.incremental_low if lift else None,
                "incremental_high": lift.incremental_high if lift else None,
                "roi_pct": roi.value if roi else None,
                "roi_pct_low": bounds[0] if len(bounds) == 2 else None,
                "roi_pct_high": bounds[1] if len(bounds) == 2 else None,
                "roi_reason": (
                    roi.reason
                    if roi
                    else (
                        (lift.incremental_reason or lift.reason)
                        if lift and (lift.late or lift.incremental_reason)
                        else "no holdout group"
                    )
                )
                or (lift.reason if lift else None),
            }
        )
    return rows


def ledger_by_unit(ledger: pd.DataFrame, column: str) -> dict[str, float]:
    """Window cost (``window_cost``) of the ledger lines tagged with a unit id, per id."""
    if ledger.empty or column not in ledger:
        return {}
    tagged = ledger[ledger[column].notna()]
    sums = tagged.groupby(tagged[column].astype(str))["window_cost"].sum()
    return {str(k): float(v) for k, v in sums.items()}
