"""Every target with its KPI's value, attainment and status, judged as the KPI rows are.

Targets are grouped by KPI, grain and dimension; each group is one engine query over the
periods it covers, sliced by its dimension. A slice without records has the value 0 where
the KPI counts or sums (a rep who won nothing has won 0, far off a target), as in the
company-wide rows. Attainment and status come from :func:`crmroi.metrics.targets.judge`, so
they are exactly what ``crmroi kpis`` shows for the same row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from crmroi.metrics import REGISTRY, MetricQuery, query
from crmroi.metrics.engine import context
from crmroi.metrics.periods import Grain, shift
from crmroi.metrics.settings import KpiSettings
from crmroi.metrics.targets import judge
from crmroi.targets.periods import period_label
from crmroi.workspace import Workspace

COLUMNS = (
    "kpi",
    "grain",
    "period",
    "period_start",
    "period_end",
    "dimension",
    "member",
    "target",
    "value",
    "attainment",
    "status",
    "target_key",
)


def target_status(
    ws: Workspace, *, now: datetime, settings: KpiSettings | None = None
) -> pd.DataFrame:
    """One row per target (columns :data:`COLUMNS`); ``now`` paces running periods."""
    settings = settings or KpiSettings()
    targets = ws.table("targets").execute()
    if targets.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    targets["dimension"] = targets["dimension"].fillna("")
    targets["member"] = targets["dimension_value"].fillna("").astype(str)
    targets["period_start"] = pd.to_datetime(targets["period_start"])
    frames = [
        _group(ws, kpi, Grain(grain), dim, rows, now, settings)
        for (kpi, grain, dim), rows in targets.groupby(["kpi", "grain", "dimension"], sort=True)
    ]
    out = pd.concat(frames, ignore_index=True)[list(COLUMNS)]
    return out.sort_values(["kpi", "period_start", "dimension", "member"], ignore_index=True)


def _group(
    ws: Workspace,
    kpi: str,
    grain: Grain,
    dim: str,
    rows: pd.DataFrame,
    now: datetime,
    settings: KpiSettings,
) -> pd.DataFrame:
    first = rows["period_start"].min().date()
    last = shift(rows["period_start"].max().date(), grain, 1) - timedelta(days=1)
    q = MetricQuery(
        kpis=(kpi,),
        grain=grain,
        dimensions=(dim,) if dim else (),
        filters={dim: sorted(set(rows["member"]))} if dim else (),
        start=first,
        end=last,
        settings=settings,
    )
    got = query(ws, q, now=now)
    got["period_start"] = pd.to_datetime(got["period_start"])
    got["member"] = got[dim].astype(str) if dim else ""
    got = got[["period_start", "member", "value"]]
    merged = rows.drop(columns="value").assign(target=rows["value"])
    merged = merged.merge(got, on=["period_start", "member"], how="left")
    if REGISTRY.get(kpi).empty_is_zero:
        merged["value"] = merged["value"].fillna(0.0)
    fiscal = settings.fiscal_year_start_month
    starts = [s.date() for s in merged["period_start"]]
    merged["period"] = [period_label(grain, s, fiscal) for s in starts]
    merged["period_end"] = [pd.Timestamp(shift(s, grain, 1) - timedelta(days=1)) for s in starts]
    return judge(context(ws, q, now=now), merged, REGISTRY)
