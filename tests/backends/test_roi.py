"""The ROI analysis (TCO, benefits, finance, incrementality) is the same on both backends.

The TCO reads the cost ledger and the seats from the engine and counts logins there; the whole
analysis adds the incremental revenue estimates (``crmroi.impact``) and the attribution behind
the per-campaign figures. Each is compared number by number; the random parts (bootstrap, Monte
Carlo) use the settings' seed, so equal inputs give equal draws.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from crmroi.impact import adoption_date
from crmroi.roi import RoiSettings, analyse
from crmroi.roi.fx import FxRates
from crmroi.roi.tco import compute_tco
from crmroi.workspace import Workspace
from tests.backends.compare import assert_same

pytestmark = pytest.mark.spark

FAST = RoiSettings(attribution_bootstrap=20, monte_carlo_draws=500)
"""Fewer bootstrap and Monte Carlo draws than the defaults: the code path is the same."""


def assert_close(expected: Any, got: Any, path: str = "") -> None:
    """Nested dicts/lists/numbers are equal, floats within a relative 1e-7."""
    if isinstance(expected, dict):
        assert isinstance(got, dict), path
        assert sorted(expected) == sorted(got), f"{path}: keys differ"
        for key in expected:
            assert_close(expected[key], got[key], f"{path}.{key}")
    elif isinstance(expected, list | tuple):
        assert len(expected) == len(got), f"{path}: lengths differ"
        for i, (a, b) in enumerate(zip(expected, got, strict=True)):
            assert_close(a, b, f"{path}[{i}]")
    elif isinstance(expected, float) and isinstance(got, float | int):
        if math.isnan(expected):
            assert math.isnan(got), f"{path}: {got} on Spark, NaN on DuckDB"
        else:
            assert got == pytest.approx(expected, rel=1e-7, abs=1e-9), path
    else:
        assert got == expected, f"{path}: {got!r} on Spark, {expected!r} on DuckDB"


def test_compute_tco(workspaces: tuple[Workspace, Workspace]) -> None:
    duck, spark = workspaces
    adoption = adoption_date(duck)
    assert adoption_date(spark) == adoption
    start = pd.Timestamp("2023-01-01")
    fx = FxRates("EUR", {})
    expected, got = (
        compute_tco(ws, start=start, horizon=36, fx=fx, adoption=adoption, amortisation_months=12)
        for ws in (duck, spark)
    )
    assert expected.total > 0
    for field in ("cash", "amortised", "one_off"):
        np.testing.assert_allclose(getattr(got, field), getattr(expected, field), rtol=1e-9)
    for field in ("currency", "categories", "licence_source", "seats", "active_users"):
        assert getattr(got, field) == getattr(expected, field), field
    for field in ("initial", "unused_seat_cost"):
        assert getattr(got, field) == pytest.approx(getattr(expected, field), rel=1e-9), field
    assert_same(expected.ledger, got.ledger, keys=["cost_id"])


def test_analyse(workspaces: tuple[Workspace, Workspace]) -> None:
    duck, spark = workspaces
    expected = analyse(duck, FAST).to_dict()
    got = analyse(spark, FAST).to_dict()
    assert expected["total_cost"] > 0
    assert_close(expected, got)
