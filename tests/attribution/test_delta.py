"""Data-driven intervals by the delta method, held to the bootstrap; 2 to 30 channels."""

from __future__ import annotations

import numpy as np
import pytest

from crmroi.attribution import attribute_journeys
from crmroi.attribution.conversion_model import OneStep
from crmroi.attribution.delta import share_sd
from crmroi.attribution.models import ShapleyModel, get
from crmroi.attribution.worlds import WORLDS, share_error, simulate, wide_world


@pytest.mark.slow
@pytest.mark.parametrize("world", ["additive", "noisy_or", "wide_10"])
def test_delta_spread_matches_the_bootstrap(world: str) -> None:
    """400 replicates of the one-step bootstrap vs the delta method, per share.

    With 400 replicates the bootstrap's own SD is uncertain by ~3.5 %; 15 % is four times that.
    A channel with no effect (``direct``) has its credit clipped at 0, where the delta method
    is only an approximation (docs/benchmarks.md), and is left out.
    """
    spec = wide_world(10) if world == "wide_10" else WORLDS[world]
    sim = simulate(spec, 200_000, seed=3)
    model = get("data_driven")
    assert isinstance(model, ShapleyModel)
    stats = model.prepare(sim.journeys)
    assert stats.fitted is not None
    boot = model.bootstrap(stats, 400, np.random.default_rng(0)).std(axis=0, ddof=1)
    sd = share_sd(stats.patterns, OneStep.prepare(stats.patterns, stats.fitted, model.settings))
    effective = np.append(spec.effects > 0, True)
    ratio = sd[effective] / boot[effective]
    assert ((ratio > 0.85) & (ratio < 1.15)).all(), ratio


@pytest.mark.slow
@pytest.mark.parametrize("k", [2, 30])
def test_two_to_thirty_channels_recover_the_truth_with_covering_intervals(k: int) -> None:
    """Additive worlds: the truth is each touched channel's own effect (closed form)."""
    sim = simulate(wide_world(k), 300_000, seed=4)
    result = attribute_journeys(sim.journeys, models=("data_driven",), bootstrap=200)
    table = result.table("data_driven")
    assert len(table) == k + 1
    error, _, _ = share_error(sim.truth, table["share"].to_numpy())
    assert error < 10  # share points summed over k + 1 buckets
    low, high = table["share_low"] - 0.005, table["share_high"] + 0.005
    assert ((low <= sim.truth) & (sim.truth <= high)).all()


def test_wide_worlds_have_two_to_thirty_channels() -> None:
    assert wide_world(30).channels[-1] == "channel_30" and len(wide_world(2).effects) == 2
    with pytest.raises(ValueError, match="2 to 30"):
        wide_world(31)
