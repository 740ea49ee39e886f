"""KPIs: declarative definitions in a registry, evaluated by period and dimension in the engine.

>>> from crmroi.metrics import MetricQuery, query
>>> query(ws, MetricQuery(kpis=("won_revenue", "win_rate"), grain="month", dimensions=("owner",)))

Importing this package registers the built-in KPIs (modules ``sales``, ``marketing``,
``funnel``, ``adoption``, ``retention``, ``feedback``, ``web``) in :data:`REGISTRY`.
"""

from __future__ import annotations

import importlib

from crmroi.metrics.context import QueryContext
from crmroi.metrics.definitions import (
    DIMENSIONS,
    REGISTRY,
    Direction,
    Kind,
    Metric,
    Registry,
    Unit,
    kpi,
)
from crmroi.metrics.engine import MetricQuery, explain, query
from crmroi.metrics.periods import Grain
from crmroi.metrics.settings import KpiSettings

BUILTIN_MODULES: tuple[str, ...] = (
    "sales",
    "marketing",
    "funnel",
    "adoption",
    "retention",
    "feedback",
    "web",
)
"""Modules whose KPIs ship with crmroi, registered in this order (the order of the reference)."""

for _name in BUILTIN_MODULES:
    importlib.import_module(f"crmroi.metrics.{_name}")

__all__ = [
    "BUILTIN_MODULES",
    "DIMENSIONS",
    "REGISTRY",
    "Direction",
    "Grain",
    "Kind",
    "KpiSettings",
    "Metric",
    "MetricQuery",
    "QueryContext",
    "Registry",
    "Unit",
    "explain",
    "kpi",
    "query",
]
