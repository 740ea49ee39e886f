"""Customer value and retention KPIs from revenue events (``orders``).

Convention: a customer (the account, else the contact) is *active* in a period when its net
revenue in that period is positive. Churn and revenue retention compare each period with the one
before it: the starting customers S of period P are those active in P − 1, and

* churned = customers of S not active in P;
* NRR = Σ revenue of S in P ÷ Σ revenue of S in P − 1 (new customers left out, expansion in);
* GRR = Σ min(revenue in P, revenue in P − 1) over S ÷ Σ revenue of S in P − 1 (≤ 1).

With a monthly grain and subscription charges this is MRR churn and retention month over month;
with a yearly grain, annual retention. A query without a grain compares the range with the range
of the same length just before it. Source: REFERENCE §3.3 (calqulate, raziel.co, omnioperand).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
from ibis import _

from crmroi.metrics import facts, periods
from crmroi.metrics.context import QueryContext, ratio, shared
from crmroi.metrics.definitions import Direction, Kind, Unit, kpi
from crmroi.metrics.facts import CUSTOMER_DIMS

if TYPE_CHECKING:
    from crmroi.engagement.new_customer import NewCustomerValue

HIGHER, LOWER = Direction.higher, Direction.lower
ORDER_DATE = "orders.occurred_at (this period against the one before)"


@shared
def _retention(ctx: QueryContext) -> ir.Table:
    """Per period: starting customers and revenue, churned customers, kept revenue."""
    o = facts.orders(ctx)
    o = o.filter(ctx.in_range(o.occurred_at, back=1))
    o = ctx.attach(o).mutate(period_start=ctx.bucket_back(o.occurred_at))
    keys = list(ctx.keys)
    rev = o.group_by(["customer", *keys]).aggregate(rev=o.amount.sum())
    prev = rev.filter(rev.rev > 0)
    prev = prev.mutate(period_start=ctx.next_period(prev.period_start)).rename(prev_rev="rev")
    cur = rev.rename(cur_rev="rev")
    j = prev.left_join(cur, ["customer", *keys])
    kept = j.cur_rev.fill_null(0.0)
    j = j.mutate(
        kept=kept,
        capped=ibis.greatest(ibis.least(kept, j.prev_rev), 0.0),
        churned=(kept <= 0).cast("int32"),
    )
    starts = [periods.to_datetime(s) for s in ctx.period_starts()]
    j = j.filter(j.period_start.isin(starts))
    return j.group_by(keys).aggregate(
        customers=_.count(),
        churned=_.churned.sum(),
        start_rev=_.prev_rev.sum(),
        kept_rev=_.kept.sum(),
        capped_rev=_.capped.sum(),
    )


@kpi(
    "customer_churn_rate",
    en="Customer churn rate",
    de="Kundenabwanderungsrate",
    unit=Unit.share,
    direction=LOWER,
    kind=Kind.conversion,
    date=ORDER_DATE,
    dimensions=CUSTOMER_DIMS,
)
def customer_churn_rate(ctx: QueryContext) -> ir.Table:
    """Customers lost in the period ÷ customers at its start.

    Formula: |customers active in P − 1 and not in P| ÷ |customers active in P − 1| (active:
    positive net revenue in the period; see the module notes). Source: calqulate, producthall
    (REFERENCE §3.3).
    """
    t = _retention(ctx)
    return t.mutate(value=ratio(t.churned, t.customers))


@kpi(
    "nrr",
    en="Net revenue retention",
    de="Netto-Umsatzbindung",
    unit=Unit.share,
    direction=HIGHER,
    kind=Kind.ratio,
    date=ORDER_DATE,
    dimensions=CUSTOMER_DIMS,
)
def nrr(ctx: QueryContext) -> ir.Table:
    """Revenue this period from last period's customers ÷ their revenue last period.

    Formula: (start + expansion − contraction − churned) ÷ start = Σ_S rev(P) ÷ Σ_S rev(P − 1);
    new customers are left out. Source: raziel.co (REFERENCE §3.3).
    """
    t = _retention(ctx)
    return t.mutate(value=ratio(t.kept_rev, t.start_rev))


@kpi(
    "grr",
    en="Gross revenue retention",
    de="Brutto-Umsatzbindung",
    unit=Unit.share,
    direction=HIGHER,
    kind=Kind.ratio,
    date=ORDER_DATE,
    dimensions=CUSTOMER_DIMS,
)
def grr(ctx: QueryContext) -> ir.Table:
    """Revenue kept from last period's customers, without expansion, ÷ their revenue then.

    Formula: (start − churned − contraction) ÷ start = Σ_S min(rev(P), rev(P − 1)) ÷ Σ_S
    rev(P − 1), so at most 1. Source: omnioperand (REFERENCE §3.3).
    """
    t = _retention(ctx)
    return t.mutate(value=ratio(t.capped_rev, t.start_rev))


@kpi(
    "revenue_churn_rate",
    en="Revenue churn rate",
    de="Umsatzabwanderungsrate",
    unit=Unit.share,
    direction=LOWER,
    kind=Kind.derived,
    date=ORDER_DATE,
    dimensions=CUSTOMER_DIMS,
    components=("grr",),
)
def revenue_churn_rate(ctx: QueryContext) -> ir.Table:
    """Share of last period's revenue lost to churn and contraction (gross revenue churn).

    Formula: (churned + contraction revenue) ÷ starting revenue = 1 − GRR. Source: the
    complement of GRR (omnioperand, REFERENCE §3.3).
    """
    t = ctx.metric("grr")
    return t.mutate(value=1.0 - t.value)


@kpi(
    "avg_revenue_per_account",
    en="Average revenue per account",
    de="Durchschnittsumsatz pro Kunde",
    unit=Unit.currency,
    direction=HIGHER,
    kind=Kind.ratio,
    date="orders.occurred_at",
    dimensions=CUSTOMER_DIMS,
)
def avg_revenue_per_account(ctx: QueryContext) -> ir.Table:
    """Net revenue in the period ÷ customers with a revenue event in it (ARPA).

    Formula: Σ orders.amount ÷ distinct customers (account, else contact) with an order in P.
    Returns and cancellations (negative amounts) reduce the revenue. Source: the ARPU of the
    simple LTV (roicalculator-live, REFERENCE §3.3), per account.
    """
    t = ctx.events(facts.orders(ctx), "occurred_at", rev=_.amount.sum(), n=_.customer.nunique())
    return t.mutate(value=ratio(t.rev, t.n))


@kpi(
    "ltv_simple",
    en="Customer lifetime value (simple)",
    de="Kundenwert (einfach)",
    unit=Unit.currency,
    direction=HIGHER,
    kind=Kind.derived,
    date=ORDER_DATE,
    dimensions=CUSTOMER_DIMS,
    components=("avg_revenue_per_account", "customer_churn_rate"),
)
def ltv_simple(ctx: QueryContext) -> ir.Table:
    """ARPA × gross margin ÷ customer churn rate, both per period of the query's grain.

    Formula: (ARPU × gross margin) ÷ churn; example 50 × 0.70 ÷ 0.05 = 700
    (roicalculator-live, REFERENCE §3.3). ``KpiSettings.gross_margin`` defaults to 1 (the
    plain-revenue variant). Use a month or year grain: the churn and ARPA must be per the same
    period. No churn: empty (an infinite lifetime is not a number to report).
    """
    arpa = ctx.metric("avg_revenue_per_account").rename(arpa="value")
    churn = ctx.metric("customer_churn_rate").rename(churn="value")
    t = ctx.combine(arpa, churn)
    return t.mutate(value=ratio(t.arpa * ctx.settings.gross_margin, t.churn))


@kpi(
    "ltv_to_cac",
    en="LTV : CAC",
    de="Kundenwert : Akquisitionskosten",
    unit=Unit.ratio,
    direction=HIGHER,
    kind=Kind.derived,
    date="components' dates",
    dimensions=frozenset(),
    components=("ltv_simple", "cac"),
)
def ltv_to_cac(ctx: QueryContext) -> ir.Table:
    """LTV of a new customer ÷ CAC of the same period.

    Formula: LTV ÷ CAC; ≥ 3 is called healthy, < 1 unsustainable (tinytoolkit, knowmba;
    REFERENCE §3.3). Example 700 ÷ 200 = 3.5. The LTV is the BG/NBD + Gamma-Gamma value of a
    customer at their first purchase (× gross margin, over ``ltv_horizon_months``), fitted on
    the orders up to the range end, when the orders allow that model (non-contractual, enough
    repeat buyers, a proper fit: :mod:`crmroi.engagement.new_customer`); otherwise, or with
    ``ltv_model = "simple"``, the period's ``ltv_simple``. Only for the whole company: LTV is
    sliced by customer attributes, CAC by campaign, and they share no dimension.
    """
    cac = ctx.metric("cac").rename(cac="value")
    value = probabilistic_ltv(ctx).value
    if value is None:
        ltv = ctx.metric("ltv_simple").rename(ltv="value")
        t = ctx.combine(ltv, cac)
        return t.mutate(value=ratio(t.ltv, t.cac))
    ltv_value = ibis.literal(value * ctx.settings.gross_margin, "float64")
    return cac.mutate(value=ratio(ltv_value, cac.cac))


def probabilistic_ltv(ctx: QueryContext) -> NewCustomerValue:
    """The probabilistic new-customer value for ``ltv_to_cac``, or why it is not used.

    Imported here: the BG/NBD fit needs SciPy's optimiser (≈ 0.3 s to import), which a process
    that never asks for ``ltv_to_cac`` (every ``crmroi kpis --by owner``) should not load.
    """
    from crmroi.engagement.new_customer import NewCustomerValue, probabilistic_new_customer_value

    if ctx.settings.ltv_model == "simple":
        return NewCustomerValue(None, "ltv_model = simple")
    return probabilistic_new_customer_value(
        ctx.ws,
        end=ctx.end,
        horizon_months=ctx.settings.ltv_horizon_months,
        min_repeat_customers=ctx.settings.ltv_min_repeat_customers,
    )
