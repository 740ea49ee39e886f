"""Data-driven intervals by the delta method, held to the bootstrap; 2 to 30 channels."""

from __future__ import annotations

import numpy as np
import pytest

from crmroi.attribution import attribute_journeys
from crmroi.attribution.conversion_model import OneStep
from crmroi.attribution.delta import gradient, share_sd, unit_value
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


@pytest.mark.parametrize("world", ["noisy_or", "wide_10"])
def test_blocked_spread_equals_the_whole_table_at_once(world: str) -> None:
    """Every pattern counted once: blocks of 7 (a ragged last one) and the default blocks give
    the variance written out over the whole table in one array."""
    spec = wide_world(10) if world == "wide_10" else WORLDS[world]
    model = get("data_driven")
    assert isinstance(model, ShapleyModel)
    stats = model.prepare(simulate(spec, 20_000, seed=5).journeys)
    assert stats.fitted is not None
    patterns = stats.patterns
    step = OneStep.prepare(patterns, stats.fitted, model.settings)
    assert patterns.n_patterns % 7 != 0
    use_value = bool(patterns.value.sum() > 0)
    unit, y = unit_value(patterns, use_value), patterns.conversions
    total = float((y * unit).sum())
    g = gradient(patterns, step, use_value)
    every = np.arange(patterns.n_patterns)
    through, fraction = g.through(every), g.fraction(every)
    d_y = (through * (1 - g.mu) + (fraction - g.revenue[:, None] / total) * unit) / total
    d_m = through * g.mu / total
    nulls = patterns.journeys - y
    whole = np.sqrt((d_y**2 * y).sum(axis=1) + (d_m**2 * nulls).sum(axis=1))
    assert whole.min() > 0
    np.testing.assert_allclose(share_sd(patterns, step, block=7), whole, rtol=1e-12, atol=0)
    np.testing.assert_allclose(share_sd(patterns, step), whole, rtol=1e-12, atol=0)


def test_wide_worlds_have_two_to_thirty_channels() -> None:
    assert wide_world(30).channels[-1] == "channel_30" and len(wide_world(2).effects) == 2
    with pytest.raises(ValueError, match="2 to 30"):
        wide_world(31)
