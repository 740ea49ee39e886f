"""Revenue attribution: which campaigns and CRM workflows brought in the revenue.

Journeys (``journeys.py``) → models (rule-based ``rules.py``, exact ``markov.py``, Shapley
``shapley.py`` with the fitted ``conversion_model.py``) → per-key tables with bootstrap intervals
and per-deal credits (``analysis.py``, ``credits.py``). ``worlds.py`` simulates journeys with a
known truth to validate the models.
"""

from __future__ import annotations

from crmroi.attribution.analysis import AttributionResult, attribute, attribute_journeys
from crmroi.attribution.credits import campaign_influence, write_campaign_influence
from crmroi.attribution.models import MODELS, position_model, register
from crmroi.attribution.paths import BASELINE, Journeys, read_paths

__all__ = [
    "BASELINE",
    "MODELS",
    "AttributionResult",
    "Journeys",
    "attribute",
    "attribute_journeys",
    "campaign_influence",
    "position_model",
    "read_paths",
    "register",
    "write_campaign_influence",
]
