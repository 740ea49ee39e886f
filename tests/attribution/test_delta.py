"""Data-driven intervals by the delta method, held to the bootstrap; 2 to 30 channels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from crmroi.attribution import attribute_journeys
from crmroi.attribution import conversion_model as cm
from crmroi.attribution import design as dm
from crmroi.attribution.conversion_model import OneStep
from crmroi.attribution.delta import gradient, share_sd, unit_value
from crmroi.attribution.models import ShapleyModel, get
from crmroi.attribution.patterns import Patterns
from crmroi.attribution.shapley import model_driven
from crmroi.attribution.shapley_map import ShapleyMap
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


def _ragged() -> Patterns:
    """Seven patterns over 4 channels: none, one, two, three and four members, counts 1 to 4."""
    members = [[], [(2, 3)], [(0, 1), (3, 2)], [(0, 4), (1, 1), (3, 1)], [(1, 2), (2, 1)],
               [(0, 1), (1, 1), (2, 2), (3, 1)], [(0, 2), (2, 1), (3, 3)]]  # fmt: skip
    offsets = np.cumsum([0] + [len(m) for m in members])
    flat = [member for row in members for member in row]
    journeys = np.array([50.0, 40, 30, 20, 25, 10, 15])
    conversions = np.array([1.0, 3, 4, 5, 2, 4, 3])
    return Patterns(
        n_keys=4,
        offsets=offsets.astype(np.int64),
        codes=np.array([c for c, _ in flat], dtype=np.int32),
        counts=np.array([n for _, n in flat], dtype=np.int32),
        journeys=journeys,
        conversions=conversions,
        value=conversions * np.array([100.0, 80, 120, 90, 110, 70, 95]),
        inverse=np.arange(7, dtype=np.int64),
    )


def _map_by_loop(patterns: Patterns, pair_keys: np.ndarray) -> np.ndarray:
    """A written member by member, the definition: main + dose·log count + ½ each modelled pair."""
    k = patterns.n_keys
    column = {int(key): 1 + 2 * k + i for i, key in enumerate(pair_keys)}
    a = np.zeros((patterns.codes.shape[0], 1 + 2 * k + pair_keys.shape[0]))
    for p in range(patterns.n_patterns):
        lo, hi = patterns.offsets[p], patterns.offsets[p + 1]
        for m in range(lo, hi):
            c = int(patterns.codes[m])
            a[m, 1 + c] = 1.0
            a[m, 1 + k + c] = np.log(patterns.counts[m])
            for other in range(lo, hi):
                d = int(patterns.codes[other])
                key = min(c, d) * k + max(c, d)
                if other != m and key in column:
                    a[m, column[key]] = 0.5
    return a


def test_shapley_map_applies_the_closed_form_on_ragged_patterns() -> None:
    """φ = A β, key sums of A's rows and pattern sums of them, against A written out.

    Pairs (0, 3), (1, 2), (2, 3) and (0, 2) are modelled, (0, 1) and (1, 3) are not, so some
    members share no pair, some one, some two; v(∅)'s column is in no member's row.
    """
    patterns = _ragged()
    pair_keys = np.array([0 * 4 + 2, 0 * 4 + 3, 1 * 4 + 2, 2 * 4 + 3])
    basis = dm.Design.build(patterns, cm.FitSettings(), pair_keys)
    a = ShapleyMap.of(basis)
    dense = _map_by_loop(patterns, pair_keys)
    rng = np.random.default_rng(1)
    beta = rng.normal(size=dense.shape[1])
    np.testing.assert_allclose(a.apply(beta), dense @ beta, rtol=1e-14, atol=1e-15)
    weight = rng.uniform(0.5, 2.0, patterns.codes.shape[0])
    by_key = np.zeros((4, dense.shape[1]))
    np.add.at(by_key, patterns.codes, weight[:, None] * dense)
    np.testing.assert_allclose(a.by_key(weight), by_key, rtol=1e-14)
    rows = np.repeat(np.arange(patterns.n_patterns), patterns.sizes)
    summed = np.zeros((patterns.n_patterns, dense.shape[1]))
    np.add.at(summed, rows, weight[:, None] * dense)
    summed[:, 0] = 0.25
    np.testing.assert_allclose(a.summed(weight, 0.25).toarray(), summed, rtol=1e-14)


@pytest.mark.parametrize("clip", [True, False])
def test_point_credit_on_the_design_is_the_per_pattern_closed_form(clip: bool) -> None:
    """``model_driven`` through the map (the fit's own patterns) and through the lattice's
    closed form written per pattern size (a model without its design) give the same credit."""
    sim = simulate(wide_world(8), 20_000, seed=6, truth=False)
    patterns = get("data_driven").prepare(sim.journeys).patterns
    fitted = cm.fit(patterns, cm.FitSettings())
    assert fitted.fitted_on is not None and fitted.fitted_on.serves(patterns, fitted.pair_keys)
    on_design = model_driven(patterns, fitted, clip=clip)
    by_size = model_driven(patterns, replace(fitted, fitted_on=None), clip=clip)
    np.testing.assert_allclose(on_design.member, by_size.member, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(on_design.baseline, by_size.baseline, rtol=1e-12, atol=1e-15)


def _credited(patterns: Patterns, fitted: cm.ConversionModel, beta: np.ndarray) -> np.ndarray:
    """Revenue credited to each key and to the baseline by ``shapley.model_driven`` at β."""
    k = patterns.n_keys
    model = cm._unpack(beta, k, fitted.pair_keys, fitted.link)
    credit = model_driven(patterns, model)
    rows = np.repeat(np.arange(patterns.n_patterns), patterns.sizes)
    by_key = np.bincount(patterns.codes, credit.member * patterns.value[rows], k)
    return np.append(by_key, (credit.baseline * patterns.value).sum())


@pytest.mark.parametrize("world", ["ragged", "wide_6"])
def test_gradient_is_the_derivative_of_the_credited_revenue(world: str) -> None:
    """The revenue and its derivative by the coefficients, against ``shapley.model_driven``.

    Central differences of the credited revenue (clipped Shapley values, as the point
    estimate) give ∂R/∂β; mapped through the Newton step (X H⁻¹, times the link factor) that is
    ``through`` for every pattern. The step stays below the smallest |φ| (a coefficient moves a
    Shapley value by at most log 4 times as much), so no clip switches between the two sides.
    """
    if world == "ragged":
        patterns = _ragged()
        settings = cm.FitSettings(min_pair_journeys=0.0)
    else:
        patterns = get("data_driven").prepare(simulate(wide_world(6), 20_000, seed=2).journeys)
        patterns, settings = patterns.patterns, cm.FitSettings()
    fitted = cm.fit(patterns, settings)
    step = OneStep.prepare(patterns, fitted, settings)
    g = gradient(patterns, step, True)
    beta = fitted.coefficients
    np.testing.assert_allclose(g.revenue, _credited(patterns, fitted, beta), rtol=1e-12)
    phi = _map_by_loop(patterns, fitted.pair_keys) @ beta
    h = min(1e-5, 0.5 * float(np.abs(phi).min()) / np.log(4.0))
    by_beta = np.empty((patterns.n_keys + 1, beta.shape[0]))
    for i in range(beta.shape[0]):
        up, down = beta.copy(), beta.copy()
        up[i] += h
        down[i] -= h
        by_beta[:, i] = (_credited(patterns, fitted, up) - _credited(patterns, fitted, down)) / (
            2 * h
        )
    every = np.arange(patterns.n_patterns)
    expected = (step.x.toarray() @ step.hessian_inverse @ by_beta.T).T * step.factor
    scale = np.abs(expected).max()
    np.testing.assert_allclose(g.through(every), expected, rtol=0, atol=1e-6 * scale)
