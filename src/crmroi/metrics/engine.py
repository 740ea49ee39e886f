"""The KPI engine: ``query()`` evaluates KPIs × periods × dimensions, ``explain()`` shows the SQL.

All KPIs of a query become one Ibis expression, executed once on the workspace's backend: KPIs
read from the same shared aggregate become columns of one ``SELECT`` of it, and those selects are
unioned. Only the aggregated rows come back to pandas, where they are reshaped to one row per KPI
and the period ends, units, comparison values and targets are added. The previous period (or the
same period last year) is the same query over the shifted range, aligned on period and dimensions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.operations as ops
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
        "web_sessions": ("started_at",),
        "web_traffic": ("period_start", "period_end"),
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


Part = tuple[ops.Relation, list[tuple[str, Any]]]
"""A relation and the KPIs read from it: (KPI id, value expression over the relation)."""


def _parts(ctx: QueryContext, kpis: Sequence[str]) -> list[Part]:
    """Each KPI as a value over a relation; KPIs over the same relation grouped.

    Most KPIs are one projection (``t.mutate(value=…)``) of an aggregate they share with
    others (won revenue, won deals, win rate … of the closed-deal sums). Those become one
    ``SELECT`` of that aggregate with one value column per KPI instead of one union branch
    each: fewer branches to build, compile and run, and the same rows.
    """
    keys = ctx.keys
    groups: dict[ops.Relation, list[tuple[str, Any]]] = {}
    for kpi_id in kpis:
        node = ctx.registry.get(kpi_id).build(ctx).op()
        if isinstance(node, ops.Project) and all(
            node.values.get(k) == ops.Field(node.parent, k) for k in keys
        ):
            groups.setdefault(node.parent, []).append((kpi_id, node.values["value"]))
        else:
            groups.setdefault(node, []).append((kpi_id, ops.Field(node, "value")))
    return list(groups.items())


def _wide(ctx: QueryContext, parts: list[Part]) -> ir.Table:
    """One expression: a row per group, period and dimension values, a column per KPI.

    Columns: ``_g`` (the group's index), period_start, the dimensions, ``_v0`` … ``_vN`` (the
    values of the group's KPIs in order; empty where a group has fewer KPIs).
    """
    width = max(len(values) for _, values in parts)
    selects: list[ir.Table] = []
    for i, (rel, values) in enumerate(parts):
        t = rel.to_expr()
        cols = {f"_v{j}": v.to_expr().cast("float64") for j, (_, v) in enumerate(values)}
        cols.update({f"_v{j}": ibis.null("float64") for j in range(len(values), width)})
        keys = {k: t[k] for k in ctx.keys}
        selects.append(t.select(_g=ibis.literal(i, type="int64"), **keys, **cols))
    return selects[0] if len(selects) == 1 else ibis.union(*selects)


def _long(ctx: QueryContext, parts: list[Part], wide: pd.DataFrame) -> pd.DataFrame:
    """The wide rows reshaped: one row per KPI, period and dimension values."""
    keys = list(ctx.keys)
    g = wide["_g"].to_numpy()
    frames = []
    for i, (_, values) in enumerate(parts):
        rows = wide.loc[g == i, keys]
        for j, (kpi_id, _) in enumerate(values):
            value = wide.loc[g == i, f"_v{j}"]
            frames.append(rows.assign(kpi=kpi_id, value=value))
    if not frames:
        return pd.DataFrame(columns=["kpi", *keys, "value"])
    return pd.concat(frames, ignore_index=True)[["kpi", *keys, "value"]]


def _run(ctx: QueryContext, kpis: Sequence[str]) -> pd.DataFrame:
    parts = _parts(ctx, kpis)
    df = _long(ctx, parts, _wide(ctx, parts).execute())
    df["period_start"] = pd.to_datetime(df["period_start"])
    starts = [pd.Timestamp(s) for s, _ in ctx.period_bounds()]
    df = df[df["period_start"].isin(starts)] if ctx.grain is not None else df
    if not ctx.dimensions:  # a full grid: every KPI in every period, counts 0 where no records
        grid = pd.MultiIndex.from_product([list(kpis), starts], names=["kpi", "period_start"])
        df = df.assign(_found=True).set_index(["kpi", "period_start"]).reindex(grid).reset_index()
        zero = df["kpi"].map({k: ctx.registry.get(k).empty_is_zero for k in kpis})
        # only periods without records are 0; a value the engine left unknown stays unknown
        df.loc[zero & df["_found"].isna(), "value"] = 0.0
        df = df.drop(columns="_found")
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
    """Last day (inclusive) of each row's period, as a timestamp at midnight."""
    starts = pd.to_datetime(starts)
    if ctx.grain is None:
        return pd.Series(pd.Timestamp(ctx.end), index=starts.index, dtype="datetime64[ns]")
    grain = ctx.grain
    unique = pd.DatetimeIndex(starts.unique())
    ends = pd.DatetimeIndex([periods.shift(s.date(), grain, 1) - timedelta(days=1) for s in unique])
    return pd.Series(ends[unique.get_indexer(pd.DatetimeIndex(starts))], index=starts.index)


def _dates(ts: pd.Series) -> pd.Series:
    """Timestamps at midnight as ``datetime.date`` objects."""
    return pd.Series(pd.to_datetime(ts).dt.date, index=ts.index, dtype=object)


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
    df["unit"] = df["kpi"].map({k: registry.get(k).unit.value for k in q.kpis})
    df = attach_targets(ctx, df, registry)
    order = {k: i for i, k in enumerate(q.kpis)}
    df = df.assign(_o=df["kpi"].map(order)).sort_values(["_o", "period_start", *ctx.dimensions])
    df = df[[*COLUMNS, *ctx.dimensions, *TAIL]].reset_index(drop=True)
    df["period_start"] = _dates(df["period_start"])
    df["period_end"] = _dates(df["period_end"])
    return df


def explain(ws: Workspace, q: MetricQuery, *, registry: Registry = REGISTRY) -> str:
    """The SQL the engine runs for ``q`` (without the comparison query), as text."""
    ctx = context(ws, q, registry=registry)
    parts = _parts(ctx, q.kpis)
    legend = [
        f"-- _g = {i}: " + ", ".join(f"_v{j} = {kpi_id}" for j, (kpi_id, _) in enumerate(values))
        for i, (_, values) in enumerate(parts)
    ]
    sql = str(ibis.to_sql(_wide(ctx, parts), dialect=ws.backend_name))
    return "\n".join([*legend, sql])
