"""Targets: match each KPI result row with its goal from the ``targets`` table, and judge it.

A target matches a row when its KPI and grain are the query's and its dimension is the row's
only dimension (``dimension_value`` = the row's value) or, for a query without dimensions, empty.
A query without a grain sums the targets of additive KPIs (counts, sums) of
``KpiSettings.quota_grain`` that start inside the range; ratios have no target then.

Attainment is value ÷ target when higher is better, target ÷ value when lower is. The status
compares the attainment, paced for a running period of an additive KPI (expected so far =
target × elapsed share of the period), with 1 (on track) and ``KpiSettings.at_risk_ratio``
(at risk); below that the KPI is off track.

A target no query can ever match (an unknown KPI, grain or dimension) is quarantined on import by
:func:`target_rules`, with the closest valid name, instead of loading without a word.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from crmroi.errors import did_you_mean
from crmroi.metrics.context import QueryContext
from crmroi.metrics.definitions import DIMENSIONS, REGISTRY, Direction, Registry
from crmroi.metrics.periods import Grain

ON_TRACK, AT_RISK, OFF_TRACK = "on track", "at risk", "off track"
SUGGESTED_VALUES = 100
"""Distinct wrong values that get their own suggestion; more (garbage) share one reason."""

TargetRule = tuple[ir.BooleanValue, str, ir.StringValue]
"""When a staged targets row fails, the column to blame and the reason (the loader's rule shape)."""


def known_values() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Per checked column of ``targets``: what it is called and the values queries use."""
    return {
        "kpi": ("KPI", REGISTRY.ids()),
        "grain": ("grain", tuple(g.value for g in Grain)),
        "dimension": ("dimension", DIMENSIONS),
    }


def unknown_reason(what: str, text: str, valid: Sequence[str]) -> str:
    """Why a target's KPI, grain or dimension is refused, with the closest valid name."""
    return f"unknown {what} {text!r} ({did_you_mean(text, valid)})"


def unsliceable_reason(kpi: str, dimension: str) -> str | None:
    """Why a target of ``kpi`` for one ``dimension`` value can never match a KPI row (or None)."""
    if kpi not in REGISTRY or dimension not in DIMENSIONS:
        return None
    can = REGISTRY.get(kpi).dimensions
    if dimension in can:
        return None
    return f"KPI {kpi!r} cannot be sliced by {dimension} (it can by {', '.join(sorted(can))})"


def target_rules(table: ir.Table, columns: Sequence[str]) -> list[TargetRule]:
    """Checks of staged ``targets`` rows: KPI, grain and dimension must be ones queries use.

    Each wrong value's reason names the closest valid one (difflib); the few distinct wrong
    values are looked up once, so the reasons stay plain ``CASE`` expressions in the engine.
    A dimension the KPI cannot be sliced by (``nps`` by pipeline) is refused too.
    """
    rules: list[TargetRule] = []
    for column, (what, valid) in known_values().items():
        if column not in columns:
            continue
        value = table[column]
        bad = value.notnull() & ~value.isin(valid)
        wrong = table.filter(bad).select(value).distinct().limit(SUGGESTED_VALUES).execute()
        reasons = [(value == text, unknown_reason(what, text, valid)) for text in wrong[column]]
        generic = "unknown " + what + " '" + value + f"' (known: {', '.join(sorted(valid))})"
        rules.append((bad, column, ibis.cases(*reasons, else_=generic) if reasons else generic))
    if {"kpi", "dimension"} <= set(columns):
        rules.extend(_unsliceable_rules(table))
    if "dimension_value" in columns:
        orphan = table["dimension_value"].notnull()
        if "dimension" in columns:
            orphan &= table["dimension"].isnull()
        reason = ibis.literal("dimension_value is given without a dimension (e.g. owner)")
        rules.append((orphan, "dimension", reason))
    return rules


def _unsliceable_rules(table: ir.Table) -> list[TargetRule]:
    """A known KPI with a known dimension it has no slices by: one rule per such pair found."""
    pairs = table.filter(table.kpi.notnull() & table.dimension.notnull())
    found = pairs.select("kpi", "dimension").distinct().limit(SUGGESTED_VALUES).execute()
    rules: list[TargetRule] = []
    for kpi, dimension in zip(found["kpi"], found["dimension"], strict=True):
        reason = unsliceable_reason(str(kpi), str(dimension))
        if reason is not None:
            bad = (table.kpi == kpi) & (table.dimension == dimension)
            rules.append((bad, "dimension", ibis.literal(reason)))
    return rules


def _targets(ctx: QueryContext, kpis: list[str]) -> pd.DataFrame:
    t = ctx.ws.table("targets")
    t = t.filter(t.kpi.isin(kpis))
    grain = ctx.grain.value if ctx.grain is not None else ctx.settings.quota_grain
    t = t.filter(t.grain == grain)
    df: pd.DataFrame = t.select(
        "kpi", "period_start", "dimension", "dimension_value", "value"
    ).execute()
    df["dimension"] = df["dimension"].fillna("").astype(str)
    return df


def attach_targets(ctx: QueryContext, rows: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Add target, attainment and status columns to the result rows."""
    rows = rows.assign(target=np.nan)
    dims = list(ctx.dimensions)
    if len(dims) > 1 or rows.empty:
        return judge(ctx, rows, registry)
    tg = _targets(ctx, sorted(set(rows["kpi"])))
    if tg.empty:
        return judge(ctx, rows, registry)
    tg = tg[tg["dimension"] == (dims[0] if dims else "")]
    if ctx.grain is None:
        additive = {m.id for m in registry if m.additive}
        tg = tg[tg["kpi"].isin(additive)]
        tg = tg[(tg["period_start"] >= ctx.lo) & (tg["period_start"] < ctx.hi)]
        tg = tg.assign(period_start=pd.Timestamp(ctx.lo))
    keys = ["kpi", "period_start"]
    if dims:
        tg = tg.assign(**{dims[0]: tg["dimension_value"].fillna("(none)").astype(str)})
        keys.append(dims[0])
    summed = tg.groupby(keys)["value"].sum().rename("_t").reset_index()
    merged = rows.merge(summed, on=keys, how="left")
    merged["target"] = merged["_t"]
    return judge(ctx, merged.drop(columns="_t"), registry)


def _pace(ctx: QueryContext, starts: pd.Series, ends: pd.Series) -> pd.Series:
    now = pd.Timestamp(ctx.now)
    total = (ends - starts).dt.total_seconds()
    done = (now - starts).dt.total_seconds()
    share: pd.Series = (done / total).clip(lower=0.0, upper=1.0).where(total > 0, 1.0)
    return share


def judge(ctx: QueryContext, rows: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Add attainment and status to rows with kpi, value, target, period_start and period_end.

    Public so that a list of targets (``crmroi targets list``, alerts) judges them exactly as
    the KPI rows are judged.
    """
    kpis = rows["kpi"].unique()
    lower = rows["kpi"].map({k: registry.get(k).direction is Direction.lower for k in kpis})
    additive = rows["kpi"].map({k: registry.get(k).additive for k in kpis})
    value, target = rows["value"].astype(float), rows["target"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(lower, target / value, value / target)
    attainment = pd.Series(raw, index=rows.index).replace([np.inf, -np.inf], np.nan)
    starts = pd.to_datetime(rows["period_start"])
    ends = pd.to_datetime(rows["period_end"]) + pd.Timedelta(days=1)
    pace = _pace(ctx, starts, ends).where(additive & ~lower, 1.0)
    paced = attainment / pace.where(pace > 0, np.nan)
    status = pd.Series(None, index=rows.index, dtype=object)
    status[paced.notna()] = OFF_TRACK
    status[paced >= ctx.settings.at_risk_ratio] = AT_RISK
    status[paced >= 1.0] = ON_TRACK
    return rows.assign(attainment=attainment, status=status)
