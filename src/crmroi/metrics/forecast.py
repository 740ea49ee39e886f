"""Forecast: weighted pipeline from empirical stage win rates, against quota, and its accuracy.

Stage probabilities are **learned from history**, not typed in, in two forms:

* :func:`stage_probabilities`: p(stage) = share won among the closed deals that ever entered
  the stage (the eventual win rate; it weights ``weighted_pipeline_value``).
* :func:`period_win_rates`: q(stage) = share of the deals that were open in that stage at the
  start of a past period and were won before that period ended. This one knows about timing: an
  early-stage deal is likely to be won *some day* but rarely *this month*.

The forecast of the period P that contains the moment t is::

    won so far in P + share of P left × (Σ over deals open at t of amount × q(stage at t)
                                         + mean won amount of deals created and won within
                                           the same period, over past periods)

The last term stands for deals not yet in the pipeline; the share of P left scales both terms
for a forecast made during the period (at its start it is 1). Everything "as of" t uses only
what was known before t: stage entries and closes before t, past periods that ended by t (the
last ``history`` of them, 12 by default). Without ``as_of``, t is the end of the data (the day
after the last deal created, closed or moved), not today: an export from last year forecast as
of today would find no open deal and no won revenue. Forecast accuracy of a past period: the
forecast made at its start against its won revenue; accuracy = 1 − |forecast − actual| ÷ actual.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis import _

from crmroi.errors import AnalysisError
from crmroi.metrics import periods
from crmroi.metrics.context import Tables
from crmroi.metrics.settings import KpiSettings
from crmroi.workspace import Workspace


def _before(ts: ir.TimestampValue, as_of: datetime | None) -> ir.BooleanValue:
    if as_of is None:
        return ibis.literal(True)
    return ts < ibis.literal(as_of, type="timestamp")


def stage_probabilities(ws: Tables, as_of: datetime | None = None) -> ir.Table:
    """Per pipeline and stage: closed deals that entered it, won ones, empirical probability.

    ``pipeline`` is empty ("") for deals without one. Formula: p(stage) = won ÷ (won + lost)
    over deals that entered the stage and closed before ``as_of`` (all closed deals if None).
    """
    d = ws.table("deals")
    closed = d.filter(d.status.isin(["won", "lost"]) & _before(d.closed_at, as_of))
    closed = closed.filter(d.closed_at.notnull() | ibis.literal(as_of is None))
    closed = closed.select(
        _did=closed.deal_id,
        pipeline=closed.pipeline.fill_null(""),
        won=(closed.status == "won").cast("int32"),
        _cur=closed.stage,
    )
    h = ws.table("deal_stage_history")
    h = h.filter(_before(h.entered_at, as_of)).select(_hid=h.deal_id, stage=h.stage)
    current = closed.select(_hid=closed._did, stage=closed._cur)
    stages = ibis.union(h, current).distinct()
    j = closed.join(stages, closed._did == stages._hid)
    j = j.filter(j.stage.notnull())
    t = j.group_by(["pipeline", "stage"]).aggregate(deals=_.count(), won=_.won.sum())
    return t.mutate(probability=t.won.cast("float64") / t.deals.cast("float64"))


def _stage_at(ws: Workspace, deals: ir.Table, moment: ir.TimestampValue) -> ir.Table:
    """``deals`` with ``at_stage``: the last stage entered before ``moment`` (else current)."""
    h = ws.table("deal_stage_history")
    h = h.select(_hid=h.deal_id, _hstage=h.stage, _hat=h.entered_at)
    j = deals.left_join(h, [deals.deal_id == h._hid, h._hat < moment])
    last = j.group_by([c for c in deals.columns]).aggregate(_last=j._hstage.argmax(j._hat))
    return last.mutate(at_stage=ibis.coalesce(last._last, last.stage)).drop("_last")


def _open_at(ws: Workspace, spine: ir.Table) -> ir.Table:
    """Deals open at each ``spine.at``, with their stage then and ``pipeline_key`` ("": none)."""
    d = ws.table("deals")
    gone = ibis.coalesce(d.closed_at, ibis.ifelse(d.status != "open", d.created_at, None))
    d = d.select(
        "deal_id", "status", "amount", "created_at", "closed_at", "stage",
        pipeline_key=d.pipeline.fill_null(""), gone=gone,
    )  # fmt: skip
    alive = d.join(spine, [d.created_at < spine.at, d.gone.isnull() | (d.gone >= spine.at)])
    return _stage_at(ws, alive, alive.at)


def _past_periods(grain: periods.Grain, as_of: datetime, history: int, fiscal: int) -> pd.DataFrame:
    current = periods.period_start(as_of.date(), grain, fiscal)
    starts = [periods.shift(current, grain, -n) for n in range(history, 0, -1)]
    frame = periods.spine_frame(starts, [periods.shift(s, grain, 1) for s in starts])
    return frame.rename(columns={"period_start": "at", "period_end": "until"})


def period_win_rates(
    ws: Workspace,
    grain: periods.Grain,
    as_of: datetime,
    *,
    history: int = 12,
    fiscal: int = 1,
) -> ir.Table:
    """Per pipeline and stage: the within-period win rate q.

    Over the last ``history`` periods that ended by ``as_of``: deals open in the stage at a
    period's start, and the share of them won before that period ended.
    """
    spine = ibis.memtable(_past_periods(grain, as_of, history, fiscal))
    t = _open_at(ws, spine)
    won = (t.status == "won") & (t.closed_at < t.until)
    t = t.group_by(pipeline=t.pipeline_key, stage=t.at_stage).aggregate(
        deals=_.count(), won=won.cast("int32").sum()
    )
    return t.mutate(q=t.won.cast("float64") / t.deals.cast("float64"))


def _new_business(
    ws: Workspace, grain: periods.Grain, as_of: datetime, history: int, fiscal: int
) -> float:
    """Mean won amount of deals created and won within the same past period."""
    frame = _past_periods(grain, as_of, history, fiscal)
    spine = ibis.memtable(frame)
    d = ws.table("deals")
    d = d.filter(d.status == "won")
    j = d.join(
        spine,
        [d.created_at >= spine.at, d.created_at < spine.until, d.closed_at < spine.until],
    )
    value = j.amount.sum().execute()
    return float(value) / len(frame) if pd.notna(value) else 0.0


def _pipeline_expected(
    ws: Workspace, grain: periods.Grain, as_of: datetime, history: int, fiscal: int
) -> float:
    now = ibis.memtable(pd.DataFrame({"at": pd.to_datetime([as_of]).astype("datetime64[us]")}))
    t = _open_at(ws, now)
    q = period_win_rates(ws, grain, as_of, history=history, fiscal=fiscal)
    q = q.select(_qp=q.pipeline, _qs=q.stage, _q=q.q)
    j = t.left_join(q, [t.pipeline_key == q._qp, t.at_stage == q._qs])
    value = (j.amount.fill_null(0.0) * j._q.fill_null(0.0)).sum().execute()
    return float(value) if pd.notna(value) else 0.0


def _won_between(ws: Workspace, lo: datetime, hi: datetime) -> float:
    d = ws.table("deals")
    d = d.filter((d.status == "won") & (d.closed_at >= lo) & (d.closed_at < hi))
    value = d.amount.sum().execute()
    return float(value) if pd.notna(value) else 0.0


def _quota(ws: Workspace, grain: periods.Grain, start: date) -> float | None:
    t = ws.table("targets")
    t = t.filter(
        (t.kpi == "won_revenue")
        & (t.grain == grain.value)
        & (t.period_start == periods.to_datetime(start))
        & (t.dimension.isnull() | (t.dimension == ""))
    )
    value = t.value.sum().execute()
    return float(value) if pd.notna(value) else None


def data_end(ws: Workspace) -> datetime | None:
    """Midnight after the latest deal creation, close or stage entry (None: no deals)."""
    d, h = ws.table("deals"), ws.table("deal_stage_history")
    found = [expr.execute() for expr in (d.created_at.max(), d.closed_at.max(), h.entered_at.max())]
    latest = [pd.Timestamp(v).to_pydatetime() for v in found if v is not None and pd.notna(v)]
    if not latest:
        return None
    last = max(latest)
    return datetime(last.year, last.month, last.day) + timedelta(days=1)


def default_as_of(ws: Workspace) -> tuple[datetime, str]:
    """The moment a forecast is made when none is given, and where it comes from.

    The end of the data when it lies in the past (a historical export), else now.
    """
    now = periods.utc_now()
    end = data_end(ws)
    if end is not None and end < now:
        return end, "the end of the data"
    return now, "now"


def forecast(
    ws: Workspace,
    *,
    grain: periods.Grain = periods.Grain.month,
    as_of: datetime | None = None,
    settings: KpiSettings | None = None,
) -> dict[str, object]:
    """Forecast of the period containing ``as_of`` (default: :func:`default_as_of`) vs quota.

    Returns as_of, period_start, period_end (exclusive), won_to_date, weighted_open (open
    deals × q), new_business (expected from deals not yet created), share_left, forecast, quota,
    forecast_attainment (forecast ÷ quota) and gap (quota − forecast).
    """
    settings = settings or KpiSettings()
    as_of = as_of or default_as_of(ws)[0]
    fiscal, history = settings.fiscal_year_start_month, settings.forecast_history_periods
    start = periods.period_start(as_of.date(), grain, fiscal)
    end = periods.shift(start, grain, 1)
    lo, hi = periods.to_datetime(start), periods.to_datetime(end)
    left = (hi - as_of) / (hi - lo)
    won = _won_between(ws, lo, as_of)
    weighted = _pipeline_expected(ws, grain, as_of, history, fiscal)
    new = _new_business(ws, grain, as_of, history, fiscal)
    total = won + left * (weighted + new)
    quota = _quota(ws, grain, start)
    return {
        "as_of": as_of,
        "period_start": start,
        "period_end": end,
        "won_to_date": won,
        "weighted_open": weighted,
        "new_business": new,
        "share_left": left,
        "forecast": total,
        "quota": quota,
        "forecast_attainment": total / quota if quota else None,
        "gap": quota - total if quota is not None else None,
    }


def accuracy(
    ws: Workspace,
    *,
    grain: periods.Grain = periods.Grain.month,
    count: int = 6,
    as_of: datetime | None = None,
    settings: KpiSettings | None = None,
) -> pd.DataFrame:
    """Forecast made at the start of each of the last ``count`` closed periods vs actual.

    Columns: period_start, forecast, actual, error (forecast − actual), accuracy
    (1 − |error| ÷ actual; empty when nothing was won).
    """
    if count < 1:
        raise AnalysisError("forecast accuracy needs at least one past period")
    settings = settings or KpiSettings()
    as_of = as_of or default_as_of(ws)[0]
    current = periods.period_start(as_of.date(), grain, settings.fiscal_year_start_month)
    rows = []
    for n in range(count, 0, -1):
        start = periods.shift(current, grain, -n)
        lo = periods.to_datetime(start)
        hi = periods.to_datetime(periods.shift(start, grain, 1))
        predicted = float(forecast(ws, grain=grain, as_of=lo, settings=settings)["forecast"])  # type: ignore[arg-type]
        actual = _won_between(ws, lo, hi)
        error = predicted - actual
        rows.append(
            {
                "period_start": start,
                "forecast": predicted,
                "actual": actual,
                "error": error,
                "accuracy": 1 - abs(error) / actual if actual else None,
            }
        )
    return pd.DataFrame(rows)
