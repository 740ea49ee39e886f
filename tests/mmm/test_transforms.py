"""Adstock and saturation against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from crmroi.mmm.transforms import adstock, hill


def test_adstock_carries_half_over_each_week() -> None:
    assert adstock(np.array([100.0, 0, 0, 10]), 0.5) == pytest.approx([100, 50, 25, 22.5])


def test_adstock_takes_one_decay_per_channel() -> None:
    spend = np.array([[1.0, 1.0], [0.0, 0.0]])
    assert adstock(spend, np.array([0.0, 0.8])).ravel() == pytest.approx([1, 1, 0, 0.8])


def test_hill_is_half_at_the_half_saturation_point() -> None:
    assert hill(np.array([0.0, 10.0, 30.0]), 10.0) == pytest.approx([0, 0.5, 0.75])
