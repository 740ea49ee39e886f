"""What every detector needs: the workspace, the thresholds, the currency and the moment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ibis
import pandas as pd

from crmroi.errors import CrmroiError
from crmroi.insights.settings import FindingsSettings
from crmroi.roi.analysis import RoiResult, analyse
from crmroi.roi.settings import RoiSettings
from crmroi.workspace import Workspace


@dataclass(frozen=True)
class DetectorContext:
    """Inputs shared by the detectors of one run."""

    ws: Workspace
    settings: FindingsSettings
    currency: str
    as_of: datetime
    """The moment "now" means: the data's last timestamp, so an old export is judged as of
    its own end, not as of today (every deal of a year-old export would look neglected)."""
    lang: str = "en"
    fx_rates: Mapping[str, float] = field(default_factory=dict)
    """Units of ``currency`` per unit of another currency (the roi settings' ``fx_rates``)."""
    roi: RoiSettings | None = None
    """Settings of the ROI analysis the campaign detector reads (None: its defaults)."""
    shared: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Results several detectors read, computed once per run (see :func:`roi_result`)."""


def roi_result(ctx: DetectorContext) -> RoiResult | None:
    """The ROI analysis of this run, computed once for all detectors.

    None when it cannot run on this workspace (``crmroi roi`` says why).
    """
    if "roi" not in ctx.shared:
        settings = ctx.roi if ctx.roi is not None else RoiSettings(currency=ctx.currency)
        try:
            ctx.shared["roi"] = analyse(ctx.ws, settings)
        except CrmroiError:
            ctx.shared["roi"] = None
    result: RoiResult | None = ctx.shared["roi"]
    return result


def data_end(ws: Workspace) -> datetime | None:
    """The latest activity, deal creation or close in the workspace (None when empty)."""
    a = ws.table("activities")
    d = ws.table("deals")
    stamps = ibis.union(
        a.select(ts=a.occurred_at),
        d.select(ts=d.created_at),
        d.select(ts=d.closed_at),
    )
    value = stamps.ts.max().execute()
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()
