"""The KPI engine: ``query()`` evaluates KPIs × periods × dimensions, ``explain()`` shows the SQL.

All KPIs of a query become one Ibis expression (a union of each KPI's builder), executed once on
the workspace's backend; only the aggregated rows come back to pandas, where the period ends,
units, comparison values and targets are added. The previous period (or the same period last
year) is the same query over the shifted range, aligned on period and dimensions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from crmroi.errors import AnalysisError
from crmroi.metrics import periods
from crmroi.metrics.context import QueryContext
from crmroi.metrics.definitions import DIMENSIONS, REGISTRY, Registry
from crmroi.metrics.settings import KpiSettings
from crmroi.metrics.targets import attach_targets
from crmroi.workspace import Workspace

COMPARISONS = ("previous", "year")
COLUMNS = ("kpi", "period_start", "period_end")
TAIL = ("value", "unit", "previous", "target", "attainment", "status")


@dataclass(frozen=True)
class MetricQuery:
    """Which KPIs, by which grain and dimensions, over which dates.

    ``start``/``end`` are inclusive days; left empty they are the first and last day with data.
    ``filters`` keeps only records whose dimension has one of the given values, e.g.
    ``{"owner": ["u1", "u2"]}``. ``compare`` adds the ``previous`` column: the previous period
    (``"previous"``) or the same period a year before (``"year"``).
    """

    kpis: tuple[str, ...]
    grain: periods.Grain | None = None
    dimensions: tuple[str, ...] = ()
    filters: Any = ()
    start: date | None = None
    end: date | None = None
    compare: str | None = None
    settings: KpiSettings = field(default_factory=KpiSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kpis", tuple(self.kpis))
        object.__setattr__(self, "dimensions", tuple(self.dimensions))
        if isinstance(self.grain, str):
            object.__setattr__(self, "grain", periods.Grain(self.grain))
        filters = self.filters
        if isinstance(filters, Mapping):
            filters = filters.items()
        normal = tuple(
            (str(k), (v,) if isinstance(v, str) else tuple(str(x) for x in v)) for k, v in filters
        )
        object.__setattr__(self, "filters", normal)
        unknown = [d for d in (*self.dimensions, *(k for k, _ in normal)) if d not in DIMENSIONS]
        if unknown:
            raise AnalysisError(
                f"unknown dimension {unknown[0]!r}; dimensions: {', '.join(DIMENSIONS)}"
            )
        if self.compare is not None and self.compare not in COMPARISONS:
            raise AnalysisError(f"compare must be one of {', '.join(COMPARISONS)}")
        if not self.kpis:
            raise AnalysisError("a query needs at least one KPI")
        if self.start and self.end and self.start > self.end:
            raise AnalysisError(f"the range starts ({self.start}) after it ends ({self.end})")


def _check(q: MetricQuery, registry: Registry) -> None:
    wanted = set(q.dimensions) | {k for k, _ in q.filters}
    for kpi_id in q.kpis:
        metric = registry.get(kpi_id)
        missing = wanted - metric.dimensions
        if missing:
            can = ", ".join(sorted(metric.dimensions)) or "no dimension"
            raise AnalysisError(
                f"KPI {kpi_id!r} cannot be sliced by {', '.join(sorted(missing))} "
                f"(it can be sliced by {can})"
            )


def data_range(ws: Workspace) -> tuple[date, date]:
    """First and last day with a dated record in the workspace."""
    dated = {
        "deals": ("created_at", "closed_at"),
        "contacts": ("created_at",),
        "activities": ("occurred_at",),
        "orders": ("occurred_at",),
        "campaigns": ("started_at",),
        "survey_responses": ("answered_at",),
        "deal_stage_history": ("entered_at",),
    }
    parts: list[ir.Table] = []
    for table, columns in dated.items():
        t = ws.table(table)
        parts.extend(t.select(ts=t[c]) for c in columns)
    every = ibis.union(*parts)
    row = every.aggregate(lo=every.ts.min(), hi=every.ts.max()).execute().iloc[0]
    if pd.isna(row["lo"]):
        raise AnalysisError("the workspace holds no dated records: import data first")
    return pd.Timestamp(row["lo"]).date(), pd.Timestamp(row["hi"]).date()


def context(
    ws: Workspace, q: MetricQuery, *, registry: Registry = REGISTRY, now: datetime | None = None
) -> QueryContext:
    """The evaluation context of a query (its range resolved from the data if not given)."""
    _check(q, registry)
    start, end = q.start, q.end
    if start is None or end is None:
        lo, hi = data_range(ws)
        start, end = start or lo, end or hi
    return QueryContext(
        ws=ws,
        start=start,
        end=end,
        grain=q.grain,
        dimensions=q.dimensions,
        filters=q.filters,
        settings=q.settings,
        registry=registry,
        now=now or periods.utc_now(),
    )


def expression(ctx: QueryContext, kpis: Sequence[str]) -> ir.Table:
    """One Ibis expression with the rows of every KPI: kpi, period_start, dims…, value."""
    parts: list[ir.Table] = []
    for kpi_id in kpis:
        t = ctx.registry.get(kpi_id).build(ctx)
        parts.append(
            t.select(
                kpi=ibis.literal(kpi_id),
                period_start=t.period_start,
                **{d: t[d] for d in ctx.dimensions},
                value=t.value.cast("float64"),
            )
        )
    return parts[0] if len(parts) == 1 else ibis.union(*parts)


def _run(ctx: QueryContext, kpis: Sequence[str]) -> pd.DataFrame:
    df: pd.DataFrame = expression(ctx, kpis).execute()
    starts = [pd.Timestamp(s) for s, _ in ctx.period_bounds()]
    df = df[df["period_start"].isin(starts)] if ctx.grain is not None else df
    if not ctx.dimensions:  # a full grid: every KPI in every period, counts 0 where no records
        grid = pd.MultiIndex.from_product([list(kpis), starts], names=["kpi", "period_start"])
        df = df.set_index(["kpi", "period_start"]).reindex(grid).reset_index()
        zero = df["kpi"].map(lambda k: ctx.registry.get(k).empty_is_zero)
        df.loc[zero & df["value"].isna(), "value"] = 0.0
    return df


def _shifted(ctx: QueryContext, how: str) -> tuple[QueryContext, Any]:
    """The comparison context and a function mapping its period starts to the current ones."""
    if ctx.grain is None:
        if how == "previous":
            delta = ctx.end - ctx.start + timedelta(days=1)
            return _moved(ctx, ctx.start - delta, ctx.end - delta), lambda s: pd.Timestamp(ctx.lo)
        back = _year_back(ctx.start)
        return _moved(ctx, back, _year_back(ctx.end)), lambda s: pd.Timestamp(ctx.lo)
    grain = ctx.grain
    n = (
        1
        if how == "previous"
        else {"day": 364, "week": 52, "month": 12, "quarter": 4, "year": 1}[grain.value]
    )
    first, last = ctx.period_starts()[0], ctx.period_starts()[-1]
    start = periods.shift(first, grain, -n)
    end = periods.shift(periods.shift(last, grain, -n), grain, 1) - timedelta(days=1)
    return _moved(ctx, start, end), lambda s: pd.Timestamp(periods.shift(s.date(), grain, n))


def _year_back(day: date) -> date:
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


def _moved(ctx: QueryContext, start: date, end: date) -> QueryContext:
    from dataclasses import replace

    return replace(ctx, start=start, end=end)


def _add_previous(ctx: QueryContext, q: MetricQuery, df: pd.DataFrame) -> pd.DataFrame:
    if q.compare is None:
        return df.assign(previous=np.nan)
    prev_ctx, forward = _shifted(ctx, q.compare)
    prev = _run(prev_ctx, q.kpis)
    prev["period_start"] = prev["period_start"].map(forward)
    keys = ["kpi", "period_start", *ctx.dimensions]
    prev = prev[[*keys, "value"]].rename(columns={"value": "previous"})
    return df.merge(prev, on=keys, how="left")


def _period_end(ctx: QueryContext, starts: pd.Series) -> pd.Series:
    if ctx.grain is None:
        return pd.Series([ctx.end] * len(starts), index=starts.index, dtype=object)
    grain = ctx.grain
    ends = {s: periods.shift(s.date(), grain, 1) - timedelta(days=1) for s in starts.unique()}
    return starts.map(ends)


def query(
    ws: Workspace, q: MetricQuery, *, registry: Registry = REGISTRY, now: datetime | None = None
) -> pd.DataFrame:
    """Evaluate ``q``: one row per KPI, period and dimension values.

    Columns: kpi, period_start, period_end (last day, inclusive), the dimensions, value, unit,
    previous, target, attainment, status.
    """
    ctx = context(ws, q, registry=registry, now=now)
    df = _run(ctx, q.kpis)
    df["period_end"] = _period_end(ctx, df["period_start"])
    df = _add_previous(ctx, q, df)
    df["unit"] = df["kpi"].map(lambda k: registry.get(k).unit.value)
    df = attach_targets(ctx, df, registry)
    df["period_start"] = pd.to_datetime(df["period_start"]).dt.date
    order = {k: i for i, k in enumerate(q.kpis)}
    df = df.assign(_o=df["kpi"].map(order)).sort_values(["_o", "period_start", *ctx.dimensions])
    cols = [*COLUMNS, *ctx.dimensions, *TAIL]
    return df[cols].reset_index(drop=True)


def explain(ws: Workspace, q: MetricQuery, *, registry: Registry = REGISTRY) -> str:
    """The SQL the engine runs for ``q`` (without the comparison query), as text."""
    ctx = context(ws, q, registry=registry)
    return str(ibis.to_sql(expression(ctx, q.kpis), dialect=ws.backend_name))
