"""Findings: the weak spots of the CRM and its use, ranked by the money at stake.

Each detector reads the workspace through Ibis (the same tables and definitions as the KPIs)
and returns :class:`Finding` objects; :func:`find` runs them all. See ``docs/findings.md``.
The detectors (and the ROI analysis, statsmodels and SciPy behind them) load on first use of
``find`` or ``DETECTORS``, so that reading settings (``crmroi.config``, which every command
does) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmroi.insights.finding import KINDS, Finding, rank
from crmroi.insights.settings import FindingsSettings

if TYPE_CHECKING:
    from crmroi.insights.run import DETECTORS, find

__all__ = ["DETECTORS", "KINDS", "Finding", "FindingsSettings", "find", "rank"]


def __getattr__(name: str) -> Any:
    if name in {"DETECTORS", "find"}:
        from crmroi.insights import run

        return getattr(run, name)
    raise AttributeError(f"module 'crmroi.insights' has no attribute {name!r}")
