"""Customer engagement and retention: scores, cohorts, churn, NRR/GRR, RFM, surveys and CLV.

Every analysis builds Ibis expressions over the workspace's ``orders``, ``touchpoints``,
``activities``, ``web_sessions`` and ``survey_responses`` tables; only small aggregates come back
as pandas frames. The BG/NBD and Gamma-Gamma models (one per module) fit on SciPy.

The names below load their module on first use: a command that needs one analysis (cohorts,
or the KPI engine's new-customer value) does not pay for importing the others (SciPy's
statistics for the surveys alone cost ≈ 0.5 s of every process).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmroi.engagement.bgnbd import BGNBDParams
    from crmroi.engagement.clv import ClvFit, ClvReport, analyse_clv, fit_clv, predict_clv
    from crmroi.engagement.cohorts import CohortBy, CohortValue, cohort_frame, cohort_matrix
    from crmroi.engagement.gamma_gamma import GammaGammaParams
    from crmroi.engagement.periods import Grain
    from crmroi.engagement.purchases import Customer
    from crmroi.engagement.retention import logo_retention, revenue_retention
    from crmroi.engagement.rfm import rfm_segments, rfm_table
    from crmroi.engagement.score import Level, score_table, scores
    from crmroi.engagement.score_views import by_dimension, distribution, falling_fastest, trend
    from crmroi.engagement.settings import EngagementSettings
    from crmroi.engagement.summary import TimeUnit, purchase_summary
    from crmroi.engagement.surveys import ces, csat, nps
    from crmroi.engagement.themes import DEFAULT_THEMES, Theme, comment_themes

_MODULES = {
    "DEFAULT_THEMES": "themes",
    "BGNBDParams": "bgnbd",
    "ClvFit": "clv",
    "ClvReport": "clv",
    "CohortBy": "cohorts",
    "CohortValue": "cohorts",
    "Customer": "purchases",
    "EngagementSettings": "settings",
    "GammaGammaParams": "gamma_gamma",
    "Grain": "periods",
    "Level": "score",
    "Theme": "themes",
    "TimeUnit": "summary",
    "analyse_clv": "clv",
    "by_dimension": "score_views",
    "ces": "surveys",
    "cohort_frame": "cohorts",
    "cohort_matrix": "cohorts",
    "comment_themes": "themes",
    "csat": "surveys",
    "distribution": "score_views",
    "falling_fastest": "score_views",
    "fit_clv": "clv",
    "logo_retention": "retention",
    "nps": "surveys",
    "predict_clv": "clv",
    "purchase_summary": "summary",
    "revenue_retention": "retention",
    "rfm_segments": "rfm",
    "rfm_table": "rfm",
    "score_table": "score",
    "scores": "score",
    "trend": "score_views",
}
"""Each public name → the submodule that defines it."""

__all__ = [
    "DEFAULT_THEMES",
    "BGNBDParams",
    "ClvFit",
    "ClvReport",
    "CohortBy",
    "CohortValue",
    "Customer",
    "EngagementSettings",
    "GammaGammaParams",
    "Grain",
    "Level",
    "Theme",
    "TimeUnit",
    "analyse_clv",
    "by_dimension",
    "ces",
    "cohort_frame",
    "cohort_matrix",
    "comment_themes",
    "csat",
    "distribution",
    "falling_fastest",
    "fit_clv",
    "logo_retention",
    "nps",
    "predict_clv",
    "purchase_summary",
    "revenue_retention",
    "rfm_segments",
    "rfm_table",
    "score_table",
    "scores",
    "trend",
]


def __getattr__(name: str) -> Any:
    """Import the submodule holding ``name`` on first use, then keep the name here."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
