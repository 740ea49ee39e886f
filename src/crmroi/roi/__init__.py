"""ROI of the CRM: cost ledger → TCO; benefit on three bases; ROI, payback, NPV, IRR, what-ifs.

``crmroi.roi.analyse(ws, settings)`` runs everything and returns a frozen :class:`RoiResult`.
The analysis (and statsmodels behind it) loads on first use, so that reading settings
(``crmroi.config``) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmroi.roi.finance import (
    Figure,
    annual_flows,
    irr,
    npv,
    nucleus_roi,
    payback_months,
    simple_roi,
)
from crmroi.roi.settings import RoiSettings, Scenario

if TYPE_CHECKING:
    from crmroi.roi.analysis import RoiResult
    from crmroi.workspace import Workspace

__all__ = [
    "Figure",
    "RoiResult",
    "RoiSettings",
    "Scenario",
    "analyse",
    "annual_flows",
    "irr",
    "npv",
    "nucleus_roi",
    "payback_months",
    "simple_roi",
]


def analyse(ws: Workspace, settings: RoiSettings | None = None) -> RoiResult:
    """Run the ROI analysis of the workspace's CRM (see :mod:`crmroi.roi.analysis`)."""
    from crmroi.roi.analysis import analyse as run

    return run(ws, settings or RoiSettings())


def __getattr__(name: str) -> object:
    if name == "RoiResult":
        from crmroi.roi.analysis import RoiResult

        return RoiResult
    raise AttributeError(f"module 'crmroi.roi' has no attribute {name!r}")
