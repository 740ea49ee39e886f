"""The deal funnel: how far deals get through the stages, how long they stay, why they are lost.

Computed from ``deal_stage_history`` (a deal entering a stage) and ``stages`` (their order).

**Skipped stages** count as passed: a deal's *reach* is the highest stage position it ever
entered (its history and its current stage), and a deal that reached position k counts as having
passed every open stage before k. A won deal has passed every open stage, the last one too.
Lost stages (closed, not won) never count as reach, whatever their position. This is
Watermark's *any-stage* reading applied cumulatively: adjacent conversions then never exceed 1,
and the funnel only narrows.
(Cinode's alternative, leaving skipping deals out of adjacent percentages, is not used.)
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis import _

from crmroi.metrics import facts
from crmroi.metrics.context import QueryContext, Tables, days_between, ratio, shared
from crmroi.metrics.definitions import Direction, Kind, Unit, kpi
from crmroi.metrics.facts import DEAL_DIMS
from crmroi.workspace import Workspace

STAGE_DIMS = DEAL_DIMS | {"stage"}


def _stages(ws: Tables) -> ir.Table:
    s = ws.table("stages")
    lost = s.is_closed.fill_null(False) & ~s.is_won.fill_null(False)
    return s.select(
        _sp=s.pipeline,
        _ss=s.stage,
        position=s.position,
        is_lost=lost,
        is_closed=s.is_closed.fill_null(False),
    )


def entries(ws: Tables) -> ir.Table:
    """First entry of each deal into each stage, with the stage's pipeline, position, flags."""
    h = ws.table("deal_stage_history")
    first = h.group_by([h.deal_id, h.stage]).aggregate(entered_at=h.entered_at.min())
    d = ws.table("deals").select(_did=_.deal_id, _pipe=_.pipeline)
    j = first.join(d, first.deal_id == d._did)
    s = _stages(ws)
    j = j.join(s, [j.stage == s._ss, j._pipe.isnull() | (j._pipe == s._sp)])
    return j.rename(stage_pipeline="_sp").drop("_did", "_pipe", "_ss")


def reach(ws: Tables) -> ir.Table:
    """Per deal: the highest open-stage position it reached (won: one past the last open one)."""
    d = ws.table("deals")
    s = _stages(ws)
    cur = d.join(s, [d.stage == s._ss, d.pipeline.isnull() | (d.pipeline == s._sp)])
    cur = cur.filter(~cur.is_lost).select(deal_id=cur.deal_id, position=cur.position)
    e = entries(ws)
    e = e.filter(~e.is_lost).select("deal_id", "position")
    top_open = s.filter(~s.is_closed).group_by(pipeline=s._sp).aggregate(top=s.position.max())
    won = d.filter(d.status == "won")
    won = won.join(top_open, won.pipeline.isnull() | (won.pipeline == top_open.pipeline))
    won = won.select(deal_id=won.deal_id, position=won.top + 1)
    allpos = ibis.union(cur, e, won)
    return allpos.group_by("deal_id").aggregate(reach=allpos.position.max())


@shared
def _stage_facts(ctx: QueryContext) -> ir.Table:
    e = entries(ctx).filter(~_.is_closed)
    # only the range's entries are reported: the others need no next entry looked up
    e = e.filter(ctx.in_range(e.entered_at))
    r = reach(ctx).rename(_rid="deal_id")
    e = e.join(r, e.deal_id == r._rid).drop("_rid")
    d = facts.deals(ctx).drop("stage").rename(_did="deal_id")
    e = e.join(d, e.deal_id == d._did).drop("_did")
    h = ctx.table("deal_stage_history")
    later = h.select(_nid=h.deal_id, _nat=h.entered_at)
    # the next entry after each entry, keyed by (deal, entry time) only: grouping by every
    # column of the entries costs more than the join
    starts = e.select(_sid=e.deal_id, _sat=e.entered_at).distinct()
    j = starts.join(later, [starts._sid == later._nid, later._nat > starts._sat])
    nxt_at = j.group_by([j._sid, j._sat]).aggregate(_next=j._nat.min())
    left_at = e.left_join(nxt_at, [e.deal_id == nxt_at._sid, e.entered_at == nxt_at._sat])
    left_at = left_at.drop("_sid", "_sat")
    nxt = ibis.coalesce(left_at._next, left_at.closed_at)
    return left_at.mutate(
        passed=(left_at.reach > left_at.position).cast("int32"),
        days=days_between(left_at.entered_at, nxt),
    )


@shared
def _stage_stats(ctx: QueryContext) -> ir.Table:
    """Stage entries, those that got further, and mean days in stage: one shared aggregate."""
    return ctx.events(
        _stage_facts(ctx), "entered_at", passed=_.passed.sum(), n=_.count(), days=_.days.mean()
    )


@kpi(
    "stage_conversion_rate",
    en="Stage conversion rate",
    de="Stufen-Konversionsrate",
    unit=Unit.share,
    direction=Direction.higher,
    kind=Kind.conversion,
    date="deal_stage_history.entered_at (first entry into the stage)",
    dimensions=STAGE_DIMS,
)
def stage_conversion_rate(ctx: QueryContext) -> ir.Table:
    """Share of deals entering an open stage in the period that got past it.

    Formula: deals that entered stage s in P and later reached a stage after s ÷ deals that
    entered s in P (kpitree, Frappe; REFERENCE §3.1). Skipped stages count as passed (module
    notes). Slice by ``stage`` for each stage; without it, all stage entries are pooled.
    """
    t = _stage_stats(ctx)
    return t.mutate(value=ratio(t.passed, t.n))


@kpi(
    "time_in_stage_days",
    en="Time in stage (mean days)",
    de="Verweildauer in Stufe (Tage)",
    unit=Unit.days,
    direction=Direction.lower,
    kind=Kind.simple,
    date="deal_stage_history.entered_at (first entry into the stage)",
    dimensions=STAGE_DIMS,
)
def time_in_stage_days(ctx: QueryContext) -> ir.Table:
    """Mean days from entering an open stage to entering the next one (or closing).

    Deals still in the stage are left out (their time is not known yet). Slice by ``stage``.
    Source: Odoo days to assign / convert / close, Cinode pipe history (REFERENCE §3.1).
    """
    t = _stage_stats(ctx)
    return t.mutate(value=t.days)


def funnel(
    ws: Workspace,
    *,
    pipeline: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> pd.DataFrame:
    """The funnel by stage: reached, adjacent and cumulative conversion, drop-off, time in stage.

    Deals are those created in [start, end) (all when open). The last step of each pipeline
    is its won deals (named after its won stage). Columns: pipeline, stage,
    position, reached, next_reached, adjacent_conversion, cumulative_conversion, drop_off,
    mean_days, median_days (entry to the next entry or the close; deals still in the stage
    are left out).
    """
    d = ws.table("deals")
    if start is not None:
        d = d.filter(d.created_at >= start)
    if end is not None:
        d = d.filter(d.created_at < end)
    if pipeline is not None:
        d = d.filter(d.pipeline == pipeline)
    d = d.select(_id=d.deal_id, _pipe=d.pipeline)
    r = reach(ws)
    r = r.join(d, r.deal_id == d._id)
    s = ws.table("stages")
    s = s.filter(~s.is_closed.fill_null(False))
    if pipeline is not None:
        s = s.filter(s.pipeline == pipeline)
    j = s.join(r, [r._pipe.isnull() | (r._pipe == s.pipeline), r.reach >= s.position])
    counts = j.group_by([s.pipeline, s.stage, s.position]).aggregate(reached=j.deal_id.nunique())
    e = entries(ws).filter(~_.is_closed)
    e = e.join(d, e.deal_id == d._id).drop("_id", "_pipe")
    closed = ws.table("deals").select(_cid=_.deal_id, _closed=_.closed_at)
    e = e.join(closed, e.deal_id == closed._cid).drop("_cid")
    h = ws.table("deal_stage_history").select(_nid=_.deal_id, _nat=_.entered_at)
    dur = e.left_join(h, [e.deal_id == h._nid, h._nat > e.entered_at])
    keys = ["deal_id", "stage_pipeline", "stage", "entered_at", "_closed"]
    dur = dur.group_by(keys).aggregate(_next=dur._nat.min())
    left = ibis.coalesce(dur._next, dur._closed)
    dur = dur.filter(left.notnull()).mutate(days=days_between(dur.entered_at, left))
    times = dur.group_by(pipeline=dur.stage_pipeline, stage=dur.stage).aggregate(
        mean_days=dur.days.mean(), median_days=dur.days.quantile(0.5)
    )
    stages = pd.concat([counts.execute(), _won_row(ws, r, s)], ignore_index=True)
    df = stages.merge(times.execute(), on=["pipeline", "stage"], how="left")
    return _funnel_shape(df)


def _won_row(ws: Workspace, reached: ir.Table, open_stages: ir.Table) -> pd.DataFrame:
    """Per pipeline the won deals, as the funnel's last step after the last open stage.

    A won deal's reach is one past the last open position (:func:`reach`); the step is named
    after the pipeline's won stage (``stages.is_won``), else "won".
    """
    top = open_stages.group_by("pipeline").aggregate(top=open_stages.position.max())
    j = top.join(
        reached,
        [reached._pipe.isnull() | (reached._pipe == top.pipeline), reached.reach > top.top],
    )
    won = j.group_by([top.pipeline, top.top]).aggregate(reached=j.deal_id.nunique()).execute()
    st = ws.table("stages")
    names = (
        st.filter(st.is_won.fill_null(False)).group_by("pipeline").aggregate(name=st.stage.min())
    )
    name_of = dict(zip(*(names.execute()[c] for c in ("pipeline", "name")), strict=True))
    return pd.DataFrame(
        {
            "pipeline": won["pipeline"],
            "stage": [name_of.get(p, "won") for p in won["pipeline"]],
            "position": won["top"] + 1,
            "reached": won["reached"],
        }
    )


def explain_empty(
    ws: Workspace,
    *,
    pipeline: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> str:
    """Why :func:`funnel` has no rows, and what would fill it."""
    stages = ws.table("stages")
    open_stages = stages.filter(~stages.is_closed.fill_null(False))
    deals = ws.table("deals")
    if not int(deals.count().execute()):
        return "no deals in the workspace: import a deals export (crmroi import FILE)"
    if not int(open_stages.count().execute()):
        return (
            "the funnel needs the order of the stages, and the `stages` table has no open "
            "stage: import one (crmroi import stages.csv --table stages) with pipeline, stage, "
            "position, is_closed, is_won"
        )
    if pipeline is not None:
        known = sorted(str(p) for p in stages.pipeline.execute().dropna().unique())
        if pipeline not in known:
            return f"no pipeline {pipeline!r} in `stages`; known: {', '.join(known)}"
    chosen = deals
    if start is not None:
        chosen = chosen.filter(chosen.created_at >= start)
    if end is not None:
        chosen = chosen.filter(chosen.created_at < end)
    if not int(chosen.count().execute()):
        first, last = deals.created_at.min().execute(), deals.created_at.max().execute()
        return (
            f"no deal was created in the range asked for (--from/--to); the deals were created "
            f"from {pd.Timestamp(first):%Y-%m-%d} to {pd.Timestamp(last):%Y-%m-%d}"
        )
    return (
        "no deal's stage or stage history matches a stage of its pipeline in `stages`: "
        "check that the stage names and pipelines of deals and stages agree"
    )


def _funnel_shape(df: pd.DataFrame) -> pd.DataFrame:
    df = df.sort_values(["pipeline", "position"]).reset_index(drop=True)
    grouped = df.groupby("pipeline")["reached"]
    df["next_reached"] = grouped.shift(-1)
    df["adjacent_conversion"] = df["next_reached"] / df["reached"]
    df["cumulative_conversion"] = df["reached"] / grouped.transform("first")
    df["drop_off"] = df["reached"] - df["next_reached"]
    cols = [
        "pipeline",
        "stage",
        "position",
        "reached",
        "next_reached",
        "adjacent_conversion",
        "cumulative_conversion",
        "drop_off",
        "mean_days",
        "median_days",
    ]
    return df[cols]


def lost_reasons(
    ws: Workspace, *, start: datetime | None = None, end: datetime | None = None
) -> pd.DataFrame:
    """Lost deals by reason (by close date): deals, amount and share of the lost deals."""
    d = ws.table("deals")
    d = d.filter(d.status == "lost")
    if start is not None:
        d = d.filter(d.closed_at >= start)
    if end is not None:
        d = d.filter(d.closed_at < end)
    reason = d.loss_reason.fill_null("(none)")
    t = d.group_by(reason=reason).aggregate(deals=_.count(), amount=_.amount.sum())
    df: pd.DataFrame = t.execute()
    df = df.sort_values("deals", ascending=False).reset_index(drop=True)
    df["share"] = df["deals"] / df["deals"].sum() if len(df) else []
    return df
