"""Sales-pipeline KPIs: won revenue, win rate, deal size, cycle, pipeline, velocity, quota.

Conventions (REFERENCE.md §3.1): a won or lost deal belongs to the period of its close date
(``deals.closed_at``); the pipeline is a state, measured at the end (coverage: the start) of each
period; amounts are summed as stored, in the deals' own currency (one currency per workspace).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _

from crmroi.metrics import facts
from crmroi.metrics.context import QueryContext, days_between, ratio, shared
from crmroi.metrics.definitions import Direction, Kind, Unit, kpi
from crmroi.metrics.facts import DEAL_DIMS
from crmroi.metrics.forecast import stage_probabilities

HIGHER, LOWER = Direction.higher, Direction.lower
CLOSED = "deals.closed_at"


@shared
def _closed(ctx: QueryContext) -> ir.Table:
    d = facts.deals(ctx)
    d = d.filter(d.status.isin(["won", "lost"]) & d.closed_at.notnull())
    return d.mutate(
        won=(d.status == "won").cast("int32"),
        won_amount=ibis.ifelse(d.status == "won", d.amount, 0.0),
        won_unpriced=((d.status == "won") & d.amount.isnull()).cast("int32"),
        cycle=ibis.ifelse(d.status == "won", days_between(d.created_at, d.closed_at), None),
    )


@shared
def _closed_sums(ctx: QueryContext) -> ir.Table:
    """Every additive measure of the closed deals, in one aggregate.

    The KPIs built on it share one scan when they are queried together.
    """
    return ctx.events(
        _closed(ctx),
        "closed_at",
        won=_.won.sum(),
        closed=_.count(),
        won_amount=_.won_amount.sum(),
        won_unpriced=_.won_unpriced.sum(),
        cycle=_.cycle.mean(),
    )


@kpi(
    "won_revenue",
    en="Won revenue",
    de="Gewonnener Umsatz",
    unit=Unit.currency,
    direction=HIGHER,
    kind=Kind.simple,
    date=CLOSED,
    dimensions=DEAL_DIMS,
    additive=True,
)
def won_revenue(ctx: QueryContext) -> ir.Table:
    """Σ amount of the deals won in the period.

    Formula: Σ deals.amount over status = won, by close date. Source: Nutshell, Frappe
    (REFERENCE §3.1 quota attainment uses the same closed-won amount). Unknown, not 0, where
    deals were won but none of them has an amount (an export without the amount column).
    """
    t = _closed_sums(ctx)
    unknown = (t.won > 0) & (t.won_unpriced == t.won)
    return t.mutate(value=ibis.ifelse(unknown, ibis.null("float64"), t.won_amount))


@kpi(
    "won_deals",
    en="Won deals",
    de="Gewonnene Deals",
    unit=Unit.count,
    direction=HIGHER,
    kind=Kind.simple,
    date=CLOSED,
    dimensions=DEAL_DIMS,
    additive=True,
)
def won_deals(ctx: QueryContext) -> ir.Table:
    """Number of deals won in the period (by close date).

    The count behind win rate and average deal size. Source: Nutshell, Pipedrive goals
    (REFERENCE §3.1).
    """
    t = _closed_sums(ctx)
    return t.mutate(value=t.won)


@kpi(
    "lost_deals",
    en="Lost deals",
    de="Verlorene Deals",
    unit=Unit.count,
    direction=LOWER,
    kind=Kind.simple,
    date=CLOSED,
    dimensions=DEAL_DIMS,
    additive=True,
)
def lost_deals(ctx: QueryContext) -> ir.Table:
    """Number of deals lost in the period (by close date).

    The other half of the win-rate denominator. Source: Nutshell (REFERENCE §3.1).
    """
    t = _closed_sums(ctx)
    return t.mutate(value=t.closed - t.won)


@kpi(
    "win_rate",
    en="Win rate",
    de="Abschlussquote",
    unit=Unit.share,
    direction=HIGHER,
    kind=Kind.ratio,
    date=CLOSED,
    dimensions=DEAL_DIMS,
)
def win_rate(ctx: QueryContext) -> ir.Table:
    """Won deals ÷ closed (won + lost) deals, by close date.

    Formula: won ÷ (won + lost). Open deals are not in the denominator; cancelled deals are not
    modelled (Nutshell's option to include them is not offered). Source: Nutshell sales
    analytics (REFERENCE §3.1).
    """
    t = _closed_sums(ctx)
    return t.mutate(value=ratio(t.won, t.closed))


@kpi(
    "avg_deal_size",
    en="Average deal size",
    de="Durchschnittliche Dealgröße",
    unit=Unit.currency,
    direction=HIGHER,
    kind=Kind.ratio,
    date=CLOSED,
    dimensions=DEAL_DIMS,
)
def avg_deal_size(ctx: QueryContext) -> ir.Table:
    """Σ won amount ÷ number of won deals, by close date.

    Formula: Σ amount (won) ÷ count (won). Source: Frappe CRM dashboard, Krayin (REFERENCE §3.1).
    Over the won deals with an amount: one without it is unknown, not a deal of size 0.
    """
    t = _closed_sums(ctx)
    return t.mutate(value=ratio(t.won_amount, t.won - t.won_unpriced))


@kpi(
    "sales_cycle_days",
    en="Sales cycle (mean days)",
    de="Verkaufszyklus (Tage, Mittel)",
    unit=Unit.days,
    direction=LOWER,
    kind=Kind.simple,
    date=CLOSED,
    dimensions=DEAL_DIMS,
)
def sales_cycle_days(ctx: QueryContext) -> ir.Table:
    """Mean days from creation to close of the deals won in the period.

    Formula: mean(closed_at − created_at) over won deals, in fractional days, by close date.
    Source: Nutshell "average days to win" (REFERENCE §3.1).
    """
    t = _closed_sums(ctx)
    return t.mutate(value=t.cycle)


@kpi(
    "sales_cycle_days_median",
    en="Sales cycle (median days)",
    de="Verkaufszyklus (Tage, Median)",
    unit=Unit.days,
    direction=LOWER,
    kind=Kind.simple,
    date=CLOSED,
    dimensions=DEAL_DIMS,
)
def sales_cycle_days_median(ctx: QueryContext) -> ir.Table:
    """Median days from creation to close of the deals won in the period.

    Formula: median(closed_at − created_at) over won deals (the continuous median: the mean of
    the two middle values for an even count), by close date. Robust to a few very long cycles.
    Source: Nutshell, Odoo days to close (REFERENCE §3.1), median instead of mean.
    """
    return ctx.events(_closed(ctx), "closed_at", value=_.cycle.quantile(0.5))


def _open_deals(ctx: QueryContext, at: str = "end") -> ir.Table:
    d = facts.deals(ctx)
    return ctx.snapshot(
        d, "created_at", "gone_at", at=at, n=_.deal_id.nunique(), amount=_.amount.sum()
    )


@kpi(
    "open_deals",
    en="Open deals",
    de="Offene Deals",
    unit=Unit.count,
    direction=HIGHER,
    kind=Kind.cumulative,
    date="open at period end (created_at, closed_at)",
    dimensions=DEAL_DIMS,
)
def open_deals(ctx: QueryContext) -> ir.Table:
    """Number of deals open at the end of the period.

    A deal is open at moment m when created_at < m and it was not closed before m (closed_at
    empty or ≥ m). For the running period the end lies ahead, so this is the pipeline today.
    Source: the "# open opps" of pipeline velocity (beefed.ai, REFERENCE §3.1).
    """
    t = _open_deals(ctx)
    return t.mutate(value=t.n)


@kpi(
    "open_pipeline_value",
    en="Open pipeline value",
    de="Offene Pipeline (Wert)",
    unit=Unit.currency,
    direction=HIGHER,
    kind=Kind.cumulative,
    date="open at period end (created_at, closed_at)",
    dimensions=DEAL_DIMS,
)
def open_pipeline_value(ctx: QueryContext) -> ir.Table:
    """Σ amount of the deals open at the end of the period (unweighted).

    Same notion of open as ``open_deals``. Source: Nutshell's snapshot pipeline, which is
    also unweighted (REFERENCE §3.1).
    """
    t = _open_deals(ctx)
    return t.mutate(value=t.amount)


@kpi(
    "weighted_pipeline_value",
    en="Weighted pipeline value",
    de="Gewichtete Pipeline",
    unit=Unit.currency,
    direction=HIGHER,
    kind=Kind.cumulative,
    date="open at period end; stage at period end from deal_stage_history",
    dimensions=DEAL_DIMS,
)
def weighted_pipeline_value(ctx: QueryContext) -> ir.Table:
    """Σ open amount × empirical win probability of the deal's stage, at the end of the period.

    Formula: Σ amount × p(stage) (Salesforce ``ExpectedRevenue = Amount × Probability``; Odoo's
    example 3,800 × 0.9 + 22,500 × 0.2 = 7,920). Unlike the CRM's typed-in probabilities, p(stage)
    is learned from history: the share won of the closed deals that ever entered that stage
    (``metrics.forecast.stage_probabilities``). The stage at the period end is the last one
    entered before it (deal_stage_history), else the deal's current stage. Source: REFERENCE
    §3.1 (weighted pipeline / forecast).
    """
    d = facts.deals(ctx)
    spine = ctx.spine
    alive = d.join(
        spine,
        [d.created_at < spine.period_end, d.gone_at.isnull() | (d.gone_at >= spine.period_end)],
    )
    h = ctx.table("deal_stage_history")
    h = h.select(_hid=h.deal_id, _hstage=h.stage, _hat=h.entered_at)
    # the last stage entered before each period end, keyed by (deal, period end) only
    moments = alive.select(_kid=alive.deal_id, _kend=alive.period_end)
    staged = moments.join(h, [moments._kid == h._hid, h._hat < moments._kend])
    then = staged.group_by([staged._kid, staged._kend]).aggregate(
        _last=staged._hstage.argmax(staged._hat)
    )
    last = alive.left_join(then, [alive.deal_id == then._kid, alive.period_end == then._kend])
    last = last.drop("_kid", "_kend")
    last = last.mutate(at_stage=ibis.coalesce(last._last, last.stage))
    probs = stage_probabilities(ctx)
    probs = probs.select(_pp=probs.pipeline, _ps=probs.stage, _p=probs.probability)
    joined = last.left_join(
        probs, [last.at_stage == probs._ps, last.pipeline.fill_null("") == probs._pp]
    )
    t = ctx.attach(joined)
    agg = t.group_by(list(ctx.keys)).aggregate(
        value=(t.amount.fill_null(0.0) * t._p.fill_null(0.0)).sum()
    )
    return agg


@kpi(
    "pipeline_velocity",
    en="Pipeline velocity",
    de="Pipeline-Geschwindigkeit",
    unit=Unit.currency_per_day,
    direction=HIGHER,
    kind=Kind.derived,
    date="components' dates",
    dimensions=DEAL_DIMS,
    components=("open_deals", "avg_deal_size", "win_rate", "sales_cycle_days"),
)
def pipeline_velocity(ctx: QueryContext) -> ir.Table:
    """Expected revenue per day flowing out of the pipeline.

    Formula: open_deals × avg_deal_size × win_rate ÷ sales_cycle_days, each for the same period
    and dimensions (open deals at the period end; the others by close date). Example:
    60 × 50,000 × 0.25 ÷ 90 = 8,333.33 … per day (beefed.ai, REFERENCE §3.1).
    """
    names = ("open_deals", "avg_deal_size", "win_rate", "sales_cycle_days")
    parts = [ctx.metric(n).rename({f"_{n}": "value"}) for n in names]
    t = parts[0]
    for part in parts[1:]:
        t = ctx.combine(t, part)
    return t.mutate(
        value=ratio(t._open_deals * t._avg_deal_size * t._win_rate, t._sales_cycle_days)
    )


def _quota(ctx: QueryContext) -> ir.Table:
    """Targets of won_revenue for each period and dimension value of the query."""
    tg = ctx.table("targets")
    tg = tg.filter(tg.kpi == "won_revenue")
    dims = ctx.dimensions
    if len(dims) > 1:
        return tg.filter(ibis.literal(False)).select(
            period_start=tg.period_start,
            **{d: tg.dimension_value for d in dims},
            quota=tg.value,
        )
    if dims:
        tg = tg.filter(tg.dimension == dims[0])
    else:
        tg = tg.filter(tg.dimension.isnull() | (tg.dimension == ""))
    grain = ctx.grain.value if ctx.grain is not None else ctx.settings.quota_grain
    tg = tg.filter(tg.grain == grain)
    tg = tg.filter(ctx.in_range(tg.period_start))
    tg = tg.mutate(
        period_start=ctx.bucket(tg.period_start),
        **{d: tg.dimension_value.fill_null("(none)") for d in dims},
    )
    return tg.group_by(list(ctx.keys)).aggregate(quota=tg.value.sum())


@kpi(
    "quota_attainment",
    en="Quota attainment",
    de="Quotenerreichung",
    unit=Unit.share,
    direction=HIGHER,
    kind=Kind.ratio,
    date=CLOSED,
    dimensions=DEAL_DIMS,
)
def quota_attainment(ctx: QueryContext) -> ir.Table:
    """Won revenue in the period ÷ its quota (the ``won_revenue`` target).

    Formula: Σ closed-won amount with close date in P ÷ quota for P; example 235,000 ÷ 250,000 =
    0.94 (rekener.com, REFERENCE §3.1). The quota is the targets row of kpi ``won_revenue`` for
    the query's grain and dimension (one dimension at most); a query without a grain sums the
    targets of ``KpiSettings.quota_grain`` starting in the range. No quota: empty.
    """
    won = won_revenue(ctx).rename(won="value")
    t = ctx.combine(won, _quota(ctx))
    return t.mutate(value=ratio(t.won.fill_null(0.0), t.quota))


@kpi(
    "pipeline_coverage",
    en="Pipeline coverage",
    de="Pipeline-Abdeckung",
    unit=Unit.ratio,
    direction=HIGHER,
    kind=Kind.ratio,
    date="open at period start ÷ quota of the period",
    dimensions=DEAL_DIMS,
)
def pipeline_coverage(ctx: QueryContext) -> ir.Table:
    """Open pipeline at the start of the period ÷ the period's quota.

    Formula: Σ amount of deals open at the period start ÷ won_revenue target of the period;
    example $4.8M ÷ $1.6M = 3.0× (winsabove, REFERENCE §3.1). All open deals count, since
    expected close dates are often missing from exports (the stricter "in-period, qualified"
    variant needs them). Needed coverage is about 1 ÷ win rate.
    """
    pipe = _open_deals(ctx, at="start").select(*ctx.keys, open_amount=_.amount)
    t = ctx.combine(pipe, _quota(ctx))
    return t.mutate(value=ratio(t.open_amount.fill_null(0.0), t.quota))
