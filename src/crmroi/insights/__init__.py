"""Findings: the weak spots of the CRM and its use, ranked by the money at stake.

Each detector reads the workspace through Ibis (the same tables and definitions as the KPIs)
and returns :class:`Finding` objects; :func:`find` runs them all. See ``docs/findings.md``.
"""

from __future__ import annotations

from crmroi.insights.finding import KINDS, Finding, rank
from crmroi.insights.run import DETECTORS, find
from crmroi.insights.settings import FindingsSettings

__all__ = ["DETECTORS", "KINDS", "Finding", "FindingsSettings", "find", "rank"]
