"""One row per closed deal with what the deal-level models need: owner, segment, month, exposure.

The engine filters the closed deals and joins each to its account's segment; the result (one row
per deal, a few columns) comes back to pandas, where each deal is marked as created after its
owner's go-live by a rep who uses the CRM (``exposed``) or who does not (``unexposed``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmroi.impact.did import crm_users, team_go_live
from crmroi.roi.fx import FxRates, distinct_currencies
from crmroi.roi.tco import month_start
from crmroi.workspace import Workspace


@dataclass(frozen=True)
class DealFrame:
    """Closed deals and whether their owners' teams went live one after another.

    Columns: ``won``, ``amount``, ``owner``, ``segment``, ``month``, ``cycle_days``, ``go_live``,
    ``uses_crm``, ``exposed``, ``unexposed``.
    """

    deals: pd.DataFrame
    staggered: bool
    """True when teams went live at least three months apart (each team from its own date)."""


def closed_deals(ws: Workspace, fx: FxRates, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Won and lost deals created before ``end``: status, amount, owner, segment, dates."""
    deals = ws.table("deals")
    closed = deals.filter(deals.status.isin(["won", "lost"]) & deals.created_at.notnull())
    if end is not None:
        closed = closed.filter(closed.created_at < end)
    fx.check(distinct_currencies(closed), where="deals")
    closed = closed.mutate(value=fx.amount_expr(closed))
    accounts = ws.table("accounts").select("account_id", "segment")
    joined = closed.left_join(accounts, closed.account_id == accounts.account_id)
    frame = joined.select(
        "owner_id", "status", "value", "created_at", "closed_at", "segment"
    ).execute()
    out = pd.DataFrame(
        {
            "owner": frame["owner_id"].astype("string").fillna("(none)").astype(str),
            "won": (frame["status"] == "won").to_numpy(dtype=float),
            "amount": frame["value"].astype(float).fillna(0.0).to_numpy(),
            "segment": frame["segment"].astype("string").fillna("(none)").astype(str),
            "created": pd.to_datetime(frame["created_at"]),
        }
    )
    closed_at = pd.to_datetime(frame["closed_at"])
    out["cycle_days"] = (closed_at - out["created"]).dt.total_seconds().to_numpy() / 86_400
    out["month"] = out["created"].dt.to_period("M").dt.to_timestamp()
    return out


def deal_frame(
    ws: Workspace, fx: FxRates, adoption: pd.Timestamp, end: pd.Timestamp | None = None
) -> DealFrame:
    """Closed deals with each owner's go-live (team-wise when staggered) and CRM use."""
    deals = closed_deals(ws, fx, end)
    users = ws.table("users").select("user_id", "team", "active_from").execute()
    users["user_id"] = users["user_id"].astype(str)
    users = users[users["user_id"].isin(set(deals["owner"]))]
    staggered, team_start = team_go_live(users) if len(users) else (False, {})
    first = month_start(adoption)
    go_live = {u: (team_start.get(u) or first) if staggered else first for u in users["user_id"]}
    using = crm_users(ws, users, adoption) if len(users) else set()
    deals["go_live"] = pd.to_datetime(deals["owner"].map(go_live))
    deals["uses_crm"] = deals["owner"].isin(using).to_numpy()
    deals = deals[deals["go_live"].notna()].reset_index(drop=True)
    post = np.asarray(deals["month"] >= deals["go_live"])
    deals["exposed"] = (post & deals["uses_crm"].to_numpy()).astype(float)
    deals["unexposed"] = (post & ~deals["uses_crm"].to_numpy()).astype(float)
    return DealFrame(deals, staggered)
