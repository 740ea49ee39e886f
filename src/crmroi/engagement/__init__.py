"""Customer engagement and retention: scores, cohorts, churn, NRR/GRR, RFM, surveys and CLV.

Every analysis builds Ibis expressions over the workspace's ``orders``, ``touchpoints``,
``activities``, ``web_sessions`` and ``survey_responses`` tables; only small aggregates come back
as pandas frames. The BG/NBD and Gamma-Gamma models (one per module) fit on SciPy.
"""

from __future__ import annotations

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
