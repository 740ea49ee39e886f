"""Total cost of ownership of the CRM, by category and month, from the cost ledger and the seats.

Rules (``docs/roi.md`` explains them with examples):

* **Window.** Month 0 is ``start`` (first day of its month); the window runs ``horizon`` months.
  Costs before month 0 or after the last month are outside the TCO.
* **One-off** lines fall in the month of ``incurred_at``.
* **Recurring** lines repeat every 1, 3 or 12 months from the month of ``incurred_at`` while the
  occurrence's month is not after the month of ``ends_at`` (the schema's "last occurrence"), or to
  the end of the window when ``ends_at`` is empty.
* **Licences.** Licence lines in the ledger take precedence: seat-derived licences
  (``users.seat_cost`` per month, for every calendar month from ``active_from`` to ``active_to``
  inclusive, or to the end of the window) are added only when the ledger has no licence line, so
  a licence is never counted twice.
* **Amortisation.** The cash view books a one-off in its month; the amortised view spreads it evenly
  over ``amortisation_months`` months from that month (the part beyond the window is outside it).
  Totals over the window can therefore differ between the two views; NPV, IRR and payback use cash.
* **Currency.** Every amount is converted with :class:`~crmroi.roi.fx.FxRates`.

The month expansion runs in NumPy on the ledger, not in the engine: a ledger has tens to hundreds
of lines, and expanding recurrences in SQL needs ``generate_series``/``unnest`` forms that differ
between DuckDB, Spark and PostgreSQL. The engine does the heavy part, counting login activities per
user, and only that small aggregate comes back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from crmroi.roi.fx import FxRates
from crmroi.schema import COST_CATEGORIES
from crmroi.workspace import Workspace

Matrix = npt.NDArray[np.float64]
STEP_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def month_start(value: object) -> pd.Timestamp:
    """The first day (00:00) of the month of ``value``."""
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    return pd.Timestamp(year=ts.year, month=ts.month, day=1)


def month_index(value: object, start: pd.Timestamp) -> int:
    """Whole months from ``start``'s month to ``value``'s month (negative before it)."""
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    return (ts.year - start.year) * 12 + (ts.month - start.month)


def occurrences(
    first: int, step: int | None, last: int | None, horizon: int
) -> npt.NDArray[np.int64]:
    """Month indices (inside ``0 … horizon-1``) at which one ledger line is paid.

    ``step`` None is a one-off; ``last`` None is an ongoing recurrence.
    """
    if step is None:
        months = np.array([first], dtype=np.int64)
    else:
        stop = horizon - 1 if last is None else min(last, horizon - 1)
        months = np.arange(first, stop + 1, step, dtype=np.int64)
    return months[(months >= 0) & (months < horizon)]


def spread(amount: float, first: int, months: int, horizon: int) -> npt.NDArray[np.float64]:
    """``amount`` spread evenly over ``months`` months from ``first``, clipped to the window."""
    row = np.zeros(horizon)
    span = np.arange(first, first + max(months, 1))
    inside = span[(span >= 0) & (span < horizon)]
    row[inside] = amount / max(months, 1)
    return row


@dataclass(frozen=True)
class LedgerExpansion:
    """The ledger spread over the window: category × month matrices."""

    cash: Matrix
    amortised: Matrix
    one_off: Matrix
    per_line: Matrix
    """Cash cost of each ledger line over the window, in ledger row order."""


def expand_ledger(
    ledger: pd.DataFrame,
    *,
    start: pd.Timestamp,
    horizon: int,
    fx: FxRates,
    amortisation_months: int = 0,
) -> LedgerExpansion:
    """Spread the cost ledger (canonical ``costs`` columns) over the window, per category.

    Rows follow :data:`~crmroi.schema.COST_CATEGORIES`; unknown categories count as ``other``.
    """
    cats = {c: i for i, c in enumerate(COST_CATEGORIES)}
    cash = np.zeros((len(cats), horizon))
    amortised = np.zeros_like(cash)
    one_off = np.zeros_like(cash)
    per_line = np.zeros(len(ledger))
    if ledger.empty:
        return LedgerExpansion(cash, amortised, one_off, per_line)
    amounts = fx.convert(ledger["amount"], ledger["currency"], where="costs")
    for n, (amount, row) in enumerate(zip(amounts, ledger.itertuples(index=False), strict=True)):
        cat = cats.get(str(row.category), cats["other"])
        first = month_index(row.incurred_at, start)
        step = STEP_MONTHS.get(str(row.recurrence))
        last = None if pd.isna(row.ends_at) else month_index(row.ends_at, start)
        paid = occurrences(first, step, last, horizon)
        cash[cat, paid] += amount
        per_line[n] = amount * paid.size
        if step is None:
            one_off[cat, paid] += amount
            if amortisation_months > 1:
                amortised[cat] += spread(amount, first, amortisation_months, horizon)
            else:
                amortised[cat, paid] += amount
        else:
            amortised[cat, paid] += amount
    return LedgerExpansion(cash, amortised, one_off, per_line)


def seat_months(users: pd.DataFrame, *, start: pd.Timestamp, horizon: int) -> npt.NDArray[np.bool_]:
    """Seat grid, users × months: True where the seat is licensed in that calendar month."""
    grid = np.zeros((len(users), horizon), dtype=bool)
    for i, (frm, to) in enumerate(zip(users["active_from"], users["active_to"], strict=True)):
        if pd.isna(frm):
            continue
        first = max(month_index(frm, start), 0)
        last = horizon - 1 if pd.isna(to) else min(month_index(to, start), horizon - 1)
        if first <= last:
            grid[i, first : last + 1] = True
    return grid


def seat_costs(users: pd.DataFrame, active: npt.NDArray[np.bool_], fx: FxRates) -> Matrix:
    """Licence cost per user and month: ``seat_cost`` (converted) where the seat is active."""
    monthly = fx.convert(users["seat_cost"], users["currency"], where="users.seat_cost")
    costs: Matrix = np.where(active, monthly[:, None], 0.0)
    return costs


@dataclass(frozen=True)
class Tco:
    """TCO over the window, in the reporting currency.

    ``cash`` and ``amortised`` are category × month matrices (rows: ``categories``). Lower is
    better. ``initial`` is the one-off cost up to and including the adoption month: the initial
    investment of Nucleus's ROI and TEI's undiscounted time 0.
    """

    currency: str
    start: pd.Timestamp
    categories: tuple[str, ...]
    cash: Matrix
    amortised: Matrix
    one_off: Matrix
    initial: float
    licence_source: str
    seats: int
    active_users: int
    unused_seat_cost: float
    activity_source: str | None
    """How ``active_users`` was counted when it was not from logins (a note), else None."""
    ledger: pd.DataFrame
    """The cost ledger as read, with ``window_cost``: each line's cash cost in the window."""

    @property
    def months(self) -> int:
        """Number of months in the window."""
        return int(self.cash.shape[1])

    @property
    def total(self) -> float:
        """Total cost over the window (cash basis)."""
        return float(self.cash.sum())

    @property
    def monthly(self) -> Matrix:
        """Cost per month, all categories (cash basis)."""
        out: Matrix = self.cash.sum(axis=0)
        return out

    @property
    def cumulative(self) -> Matrix:
        """Cumulative cost at the end of each month (cash basis)."""
        return np.cumsum(self.monthly)

    def by_category(self, *, amortised: bool = False) -> dict[str, float]:
        """Total per cost category over the window."""
        matrix = self.amortised if amortised else self.cash
        return {c: float(v) for c, v in zip(self.categories, matrix.sum(axis=1), strict=True)}

    @property
    def one_off_total(self) -> float:
        """One-off lines in the window."""
        return float(self.one_off.sum())

    @property
    def recurring_total(self) -> float:
        """Recurring lines (and seat licences) in the window."""
        return self.total - self.one_off_total

    @property
    def cost_per_seat(self) -> float | None:
        """Total cost ÷ seats licensed in the window (None without seats)."""
        return self.total / self.seats if self.seats else None

    @property
    def cost_per_active_user(self) -> float | None:
        """Total cost ÷ users with at least one login in the window (None when nobody logged in)."""
        return self.total / self.active_users if self.active_users else None

    @property
    def adoption_rate(self) -> float | None:
        """Share of licensed seats whose user logged in during the window."""
        return self.active_users / self.seats if self.seats else None

    def month_labels(self) -> list[str]:
        """``YYYY-MM`` of each month of the window."""
        return [
            (self.start + pd.DateOffset(months=i)).strftime("%Y-%m") for i in range(self.months)
        ]


def login_counts(
    ws: Workspace, start: pd.Timestamp, end: pd.Timestamp, *, logins_only: bool = True
) -> pd.Series:
    """Login (or, with ``logins_only=False``, any) activities per user in ``[start, end)``."""
    acts = ws.table("activities")
    inside = acts.filter(
        acts.user_id.notnull() & (acts.occurred_at >= start) & (acts.occurred_at < end)
    )
    if logins_only:
        inside = inside.filter(inside.type == "login")
    counts = inside.group_by("user_id").aggregate(n=inside.count()).execute()
    return pd.Series(counts["n"].to_numpy(), index=counts["user_id"].astype(str), dtype=float)


def seat_holders(
    users: pd.DataFrame, active: npt.NDArray[np.bool_], start: pd.Timestamp
) -> npt.NDArray[np.bool_]:
    """Users with a seat in the window: licensed in one of its months, or undated.

    A user in the CRM's user list without ``active_from`` holds a seat whose dates are unknown;
    it counts unless its ``active_to`` ends before the window.
    """
    undated = users["active_from"].isna().to_numpy()
    ended = pd.to_datetime(users["active_to"]).lt(start).to_numpy()  # NaT: not ended
    out: npt.NDArray[np.bool_] = active.any(axis=1) | (undated & ~ended)
    return out


def compute_tco(
    ws: Workspace,
    *,
    start: pd.Timestamp,
    horizon: int,
    fx: FxRates,
    adoption: pd.Timestamp,
    amortisation_months: int = 0,
) -> Tco:
    """Compute the TCO of the workspace's CRM over ``horizon`` months from ``start``."""
    ledger = ws.table("costs").execute()
    expanded = expand_ledger(
        ledger, start=start, horizon=horizon, fx=fx, amortisation_months=amortisation_months
    )
    users = ws.table("users").execute()
    active = seat_months(users, start=start, horizon=horizon)
    seat_cost = seat_costs(users, active, fx)
    has_ledger_licences = bool((ledger["category"] == "licence").any()) if len(ledger) else False
    lic = COST_CATEGORIES.index("licence")
    cash, amortised = expanded.cash.copy(), expanded.amortised.copy()
    if not has_ledger_licences:
        cash[lic] += seat_cost.sum(axis=0)
        amortised[lic] += seat_cost.sum(axis=0)
    end = start + pd.DateOffset(months=horizon)
    logins = login_counts(ws, start, end)
    activity_source = None
    if logins.empty:  # no login records: a user who logs calls or e-mails is using the CRM
        logins = login_counts(ws, start, end, logins_only=False)
        if not logins.empty:
            activity_source = (
                "active users: users with any activity in the window (no login activities recorded)"
            )
    licensed = seat_holders(users, active, start)
    ids = users["user_id"].astype(str).to_numpy()
    logged_in = np.array([logins.get(u, 0.0) > 0 for u in ids], dtype=bool)
    adoption_idx = month_index(adoption, start)
    initial = float(expanded.one_off[:, : max(adoption_idx + 1, 1)].sum())
    return Tco(
        currency=fx.currency,
        start=start,
        categories=COST_CATEGORIES,
        cash=cash,
        amortised=amortised,
        one_off=expanded.one_off,
        initial=initial,
        licence_source="ledger" if has_ledger_licences else "seats",
        seats=int(licensed.sum()),
        active_users=int((licensed & logged_in).sum()),
        unused_seat_cost=float(seat_cost[licensed & ~logged_in].sum()),
        activity_source=activity_source,
        ledger=ledger.assign(window_cost=expanded.per_line),
    )
