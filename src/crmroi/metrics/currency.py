"""Refuse to add amounts of different currencies.

KPIs and attribution sum ``amount`` as stored; a workspace holding EUR and USD deals would add
1 USD to 1 EUR and show the total as one figure. ``roi`` converts with the roi settings'
``fx_rates``; the KPI and attribution sums have no rates, so they stop with a message instead.
An empty currency means the company's reporting currency and never counts as a second one.
"""

from __future__ import annotations

import ibis.expr.types as ir

from crmroi.errors import AnalysisError
from crmroi.roi.fx import distinct_currencies


def require_one_currency(table: ir.Table, *, what: str) -> None:
    """Raise :class:`AnalysisError` when ``table.currency`` holds more than one ISO code."""
    found = sorted({c.strip().upper() for c in distinct_currencies(table) if c and c.strip()})
    if len(found) > 1:
        raise AnalysisError(
            f"{what} are in {len(found)} currencies ({', '.join(found)}): their amounts cannot "
            "be added as one figure; import each currency into its own workspace, or convert "
            "the amounts before importing (`crmroi roi` converts with the roi settings' fx_rates)"
        )
