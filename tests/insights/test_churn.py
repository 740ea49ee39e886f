"""The churn detector's pieces that a hand computation can check."""

from __future__ import annotations

import pandas as pd
import pytest

from crmroi.insights.churn import dispersion


def test_dispersion_is_pearson_chi2_over_its_degrees_of_freedom() -> None:
    """Two customers, two months each: counts (0, 6) and (6, 0) have means 3 and χ² =
    (9 + 9) / 3 per customer, 12 in all, over 2 × (2 − 1) = 2 degrees of freedom: 6.
    Counts (2, 4) and (3, 3) vary less than a Poisson count (χ² = 2/3, df 2): the floor 1."""
    assert dispersion(pd.DataFrame([[0, 6], [6, 0]])) == pytest.approx(6.0)
    assert dispersion(pd.DataFrame([[2, 4], [3, 3]])) == 1.0
    assert dispersion(pd.DataFrame([[0, 0]])) == 1.0
