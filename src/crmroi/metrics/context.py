"""What a KPI builder sees: the query's periods and dimensions, and the shapes KPIs share.

Builders return an Ibis table with one row per period and dimension values (``period_start``,
the dimension columns, ``value``) and execute nothing, with one exception: ``ltv_to_cac`` fits
the CLV model (SciPy, on a per-customer summary the engine computes) before it builds, because a
maximum-likelihood fit is not an expression. The helpers here cover
the shapes every KPI takes, so each definition is a few lines:

* :meth:`QueryContext.events`: filter a fact to the date range, put each row into its period by
  one date, slice by dimensions, aggregate (simple and ratio KPIs).
* :meth:`QueryContext.snapshot`: rows alive at a moment of each period, e.g. deals open at the
  period end (cumulative KPIs).
* :meth:`QueryContext.combine`: outer-join two aggregates of the same periods and dimensions
  (ratios across facts, derived KPIs).

A record without a value for a requested dimension is grouped under ``(none)``, so that a join of
two aggregates never drops it (SQL's NULL never equals NULL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import ibis
import ibis.expr.types as ir

from crmroi.errors import AnalysisError
from crmroi.metrics import periods
from crmroi.metrics.definitions import REGISTRY, Registry
from crmroi.metrics.settings import KpiSettings

if TYPE_CHECKING:
    from crmroi.workspace import Workspace

NONE_LABEL = "(none)"
"""Dimension value of records that have none."""

_ACCOUNT_DIMS = {"segment", "industry", "region"}
_COLUMN_OF = {
    "owner": "owner_id",
    "pipeline": "pipeline",
    "channel": "channel",
    "campaign": "campaign_id",
    "product": "product",
    "stage": "stage",
    "field": "field",
}


class Tables(Protocol):
    """Where builders get workspace tables by name: a ``Workspace``, or a ``QueryContext``.

    A query context looks each table up once per query (each lookup of a ``Workspace`` asks the
    backend for the table's schema).
    """

    def table(self, name: str) -> ir.Table:
        """The workspace table ``name``."""
        ...


@dataclass(frozen=True)
class QueryContext:
    """One evaluation of KPIs over a date range, a grain and dimensions."""

    ws: Workspace
    start: date
    end: date
    """Last day of the range (inclusive)."""
    grain: periods.Grain | None = None
    dimensions: tuple[str, ...] = ()
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    settings: KpiSettings = field(default_factory=KpiSettings)
    registry: Registry = REGISTRY
    now: datetime = field(default_factory=periods.utc_now)
    _tables: dict[str, ir.Table] = field(default_factory=dict, compare=False, repr=False)

    def table(self, name: str) -> ir.Table:
        """The workspace table ``name``, looked up once per query.

        Each lookup asks the backend for the table's schema, which costs a round trip.
        """
        if name not in self._tables:
            self._tables[name] = self.ws.table(name)
        return self._tables[name]

    # -- periods ---------------------------------------------------------------------------
    @property
    def lo(self) -> datetime:
        """Start of the range (inclusive)."""
        return periods.to_datetime(self.start)

    @property
    def hi(self) -> datetime:
        """End of the range (exclusive): midnight after the last day."""
        return periods.to_datetime(self.end + timedelta(days=1))

    @property
    def signature(self) -> str:
        """What a shared sub-expression depends on (contexts made by ``replace`` differ)."""
        return repr(
            (
                self.start,
                self.end,
                self.grain,
                self.dimensions,
                self.filters,
                self.settings,
                self.now,
            )
        )

    @property
    def keys(self) -> tuple[str, ...]:
        """Columns every KPI result is keyed by."""
        return ("period_start", *self.dimensions)

    def period_starts(self) -> list[date]:
        """Starts of the periods of the query (one for a query without a grain)."""
        if self.grain is None:
            return [self.start]
        return periods.periods(
            self.start, self.end, self.grain, self.settings.fiscal_year_start_month
        )

    def period_bounds(self) -> list[tuple[date, date]]:
        """(start, exclusive end) of each period; a query without a grain has one."""
        if self.grain is None:
            return [(self.start, self.end + timedelta(days=1))]
        return [(s, periods.shift(s, self.grain, 1)) for s in self.period_starts()]

    @property
    def spine(self) -> ir.Table:
        """The periods as a small table: period_start, period_end (exclusive).

        One table per query, so that KPIs built on it share their sub-expressions.
        """
        bounds = self.period_bounds()
        key = f"<spine {bounds[0][0]} {bounds[-1][1]} {len(bounds)}>"  # per range: see replace()
        if key not in self._tables:
            frame = periods.spine_frame([b[0] for b in bounds], [b[1] for b in bounds])
            self._tables[key] = ibis.memtable(frame)
        return self._tables[key]

    def bucket(self, ts: ir.TimestampValue) -> ir.TimestampValue:
        """The start of the period a timestamp falls into."""
        if self.grain is None:
            return ibis.literal(self.lo, type="timestamp")
        return periods.bucket(ts, self.grain, self.settings.fiscal_year_start_month)

    def in_range(self, ts: ir.TimestampValue, *, back: int = 0) -> ir.BooleanValue:
        """Whether ``ts`` lies in the range, extended ``back`` periods before its start."""
        lo = self.previous_lo(back) if back else self.lo
        return (ts >= ibis.literal(lo, type="timestamp")) & (
            ts < ibis.literal(self.hi, type="timestamp")
        )

    def previous_lo(self, n: int = 1) -> datetime:
        """Start of the period ``n`` periods before the first one of the range."""
        if self.grain is None:
            return self.lo - n * (self.hi - self.lo)
        first = self.period_starts()[0]
        return periods.to_datetime(periods.shift(first, self.grain, -n))

    def bucket_back(self, ts: ir.TimestampValue) -> ir.TimestampValue:
        """Like :meth:`bucket`, for data reaching one period before the range."""
        if self.grain is None:
            lo = ibis.literal(self.lo, type="timestamp")
            prev = ibis.literal(self.previous_lo(1), type="timestamp")
            return ibis.ifelse(ts >= lo, lo, prev)
        return self.bucket(ts)

    def next_period(self, start: ir.TimestampValue) -> ir.TimestampValue:
        """The start of the period after the one starting at ``start``.

        Without a grain the only such pair is (the range before, the range): anything else has
        no next period here and maps to empty.
        """
        if self.grain is None:
            prev = ibis.literal(self.previous_lo(1), type="timestamp")
            return ibis.ifelse(start == prev, ibis.literal(self.lo, type="timestamp"), None)
        return start + periods.interval(self.grain)

    # -- dimensions ------------------------------------------------------------------------
    @property
    def needed(self) -> set[str]:
        """Dimensions to attach: the requested ones and those filtered on."""
        return set(self.dimensions) | {name for name, _ in self.filters}

    def attach(self, t: ir.Table) -> ir.Table:
        """Add the requested dimension columns to a fact and apply the filters.

        A fact names its keys in a standard way (``owner_id``, ``account_id``, ``channel``,
        ``campaign_id``, ``pipeline``, ``product``, ``stage``, ``field``); team comes from the
        owner's user record, segment, industry and region from the account. Where the account
        has no region (or there is no account), region is the owner's (``users.region``: the
        region of the owner's team, as a sales-team export gives it).
        """
        need = self.needed
        if not need:
            return t
        if need & _ACCOUNT_DIMS:
            acc = self.table("accounts")
            acc = acc.select(
                _acc_id=acc.account_id,
                _segment=acc.segment,
                _industry=acc.industry,
                _region=acc.region,
            )
            t = t.left_join(acc, t.account_id == acc._acc_id).drop("_acc_id")
        owner_region = "region" in need and "owner_id" in t.columns
        if "team" in need or owner_region:
            users = self.table("users")
            users = users.select(
                _user_id=users.user_id, _team=users.team, _owner_region=users.region
            )
            t = t.left_join(users, t.owner_id == users._user_id).drop("_user_id")
            if owner_region:
                region = t._region if "_region" in t.columns else ibis.null("string")
                t = t.mutate(_region=ibis.coalesce(region, t._owner_region))
        values: dict[str, Any] = {}
        for name in need:
            source = _COLUMN_OF.get(name, f"_{name}")
            values[name] = t[source].cast("string").fill_null(NONE_LABEL)
        t = t.mutate(**values)
        for name, allowed in self.filters:
            t = t.filter(t[name].isin(list(allowed)))
        return t

    # -- shapes ----------------------------------------------------------------------------
    def events(self, fact: ir.Table, ts: str, *, back: int = 0, **aggs: Any) -> ir.Table:
        """Aggregate a fact by the period of its date ``ts`` and the requested dimensions."""
        t = fact.filter(self.in_range(fact[ts], back=back))
        t = self.attach(t)
        bucketed = self.bucket_back(t[ts]) if back else self.bucket(t[ts])
        t = t.mutate(period_start=bucketed)
        return t.group_by(list(self.keys)).aggregate(**aggs)

    def snapshot(
        self, fact: ir.Table, born: str, gone: str, *, at: str = "end", **aggs: Any
    ) -> ir.Table:
        """Aggregate the rows alive at the end (or start) of each period.

        A row is alive at moment m when ``born < m`` and (``gone`` is empty or ``gone >= m``).
        A row whose ``born`` is unknown (a deal imported with ``fallback = "unknown"``) counts as
        alive from the start: it is still open, only its start date is missing.
        """
        spine = self.spine
        moment = spine.period_end if at == "end" else spine.period_start
        joined = fact.join(
            spine,
            [
                fact[born].isnull() | (fact[born] < moment),
                fact[gone].isnull() | (fact[gone] >= moment),
            ],
        )
        t = self.attach(joined)
        return t.group_by(list(self.keys)).aggregate(**aggs)

    def combine(self, left: ir.Table, right: ir.Table) -> ir.Table:
        """Outer-join two aggregates on period and dimensions (their other columns differ)."""
        keys = list(self.keys)
        joined = left.view().join(right.view(), keys, how="outer")
        others = [c for c in joined.columns if c not in keys and not c.endswith("_right")]
        return joined.select(
            *[ibis.coalesce(joined[k], joined[f"{k}_right"]).name(k) for k in keys],
            *others,
        )

    def metric(self, kpi_id: str) -> ir.Table:
        """Another KPI's result in this context (for derived KPIs)."""
        metric = self.registry.get(kpi_id)
        unsupported = self.needed - metric.dimensions
        if unsupported:
            raise AnalysisError(
                f"KPI {kpi_id!r} cannot be sliced by {', '.join(sorted(unsupported))}"
            )
        t = metric.build(self)
        return t.select(*self.keys, value=t.value.cast("float64"))


def shared(build: Callable[[QueryContext], ir.Table]) -> Callable[[QueryContext], ir.Table]:
    """Decorator: build a sub-expression once per query context and reuse it.

    KPIs queried together then share the very same node (one CTE, one scan), and the Ibis
    expression is built once, not once per KPI.
    """

    def get(ctx: QueryContext) -> ir.Table:
        key = f"{build.__module__}.{build.__qualname__}|{ctx.signature}"
        if key not in ctx._tables:
            ctx._tables[key] = build(ctx)
        return ctx._tables[key]

    get.__doc__ = build.__doc__
    get.__name__ = build.__name__
    return get


def ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.FloatingValue:
    """``num ÷ den`` as float, empty where the denominator is 0 or empty."""
    return num.cast("float64") / den.cast("float64").nullif(0.0)


def days_between(start: ir.TimestampValue, end: ir.TimestampValue) -> ir.FloatingValue:
    """Fractional days from ``start`` to ``end``."""
    return (end.epoch_seconds() - start.epoch_seconds()).cast("float64") / 86400.0
