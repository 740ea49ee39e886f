"""Currency conversion to the reporting currency, with rates from the settings.

A rate is "units of reporting currency per one unit of the foreign currency" (``USD: 0.92`` with
EUR reporting). An empty currency is taken to be the reporting currency. A currency with no rate
is an error that names it, never a silent 1:1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import pandas as pd

from crmroi.errors import AnalysisError


class FxRates:
    """Rates into one reporting currency."""

    def __init__(self, currency: str, rates: Mapping[str, float]) -> None:
        self.currency = currency.upper()
        self.rates = {k.upper(): float(v) for k, v in rates.items()}
        self.rates[self.currency] = 1.0

    def rate(self, currency: object, *, where: str = "") -> float:
        """The rate of one currency (empty or missing: the reporting currency)."""
        if not isinstance(currency, str):  # None, NaN or pd.NA from a nullable column
            return 1.0
        code = str(currency).strip().upper()
        if not code:
            return 1.0
        if code not in self.rates:
            place = f" in {where}" if where else ""
            raise AnalysisError(
                f"no exchange rate for {code}{place}: add it to the roi settings' fx_rates "
                f"(units of {self.currency} per 1 {code})"
            )
        return self.rates[code]

    def convert(
        self, amounts: pd.Series, currencies: pd.Series, *, where: str = ""
    ) -> npt.NDArray[np.float64]:
        """Convert a column of amounts with a column of currency codes."""
        factors = np.array([self.rate(c, where=where) for c in currencies.tolist()], dtype=float)
        values = np.nan_to_num(amounts.to_numpy(dtype=float))
        out: npt.NDArray[np.float64] = values * factors
        return out

    def check(self, currencies: Iterable[str | None], *, where: str) -> None:
        """Raise for the first currency that has no rate."""
        for code in currencies:
            self.rate(code, where=where)

    def amount_expr(
        self, table: ir.Table, amount: str = "amount", currency: str = "currency"
    ) -> ir.Value:
        """An Ibis expression: ``table[amount]`` in the reporting currency.

        Built as a CASE over the known rates, so it runs on every backend; call :meth:`check` on
        the table's distinct currencies first so that no row falls through.
        """
        code = table[currency].strip().upper()
        cases = [(code == k, v) for k, v in sorted(self.rates.items())]
        factor = ibis.cases(*cases, else_=1.0)
        return table[amount].fill_null(0.0) * factor


def distinct_currencies(table: ir.Table, column: str = "currency") -> list[str | None]:
    """The distinct currency codes of a table (a tiny query)."""
    values = table.select(column).distinct().execute()[column]
    return [None if pd.isna(v) else str(v) for v in values.tolist()]


def reporting_currency(explicit: str | None, *tables: ir.Table) -> str:
    """The reporting currency: the explicit one, else the one currency a table uses (in order)."""
    if explicit:
        return explicit.upper()
    for table in tables:
        found = {c.strip().upper() for c in distinct_currencies(table) if c and c.strip()}
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            raise AnalysisError(
                f"the data mixes currencies ({', '.join(sorted(found))}): set the roi settings' "
                "currency and fx_rates"
            )
    return "EUR"
