"""A simulated company with a known ground truth, to show and to test every crmroi analysis.

``generate(size, seed)`` builds the canonical tables of a B2B company that switched a CRM on in
the middle of three years of history, with planted effects (CRM uplift on win rate and cycle,
campaign and workflow lifts, churn, NPS, declining engagement, costs); ``write`` saves them as
CSV or Parquet files beside ``truth.json``. See ``docs/synthetic-company.md``.
"""

from __future__ import annotations

from crmroi.synth.company import SyntheticCompany, generate
from crmroi.synth.files import write
from crmroi.synth.plan import SIZES

__all__ = ["SIZES", "SyntheticCompany", "generate", "write"]
