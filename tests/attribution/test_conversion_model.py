"""The data-driven conversion model: its design and its fit, against plain reference code."""

from __future__ import annotations

import numpy as np
import pytest

from crmroi.attribution import conversion_model as cm
from crmroi.attribution import design as dm
from crmroi.attribution.patterns import Patterns, build_patterns
from crmroi.attribution.worlds import simulate, wide_world


def _patterns(world: str | int, n: int) -> Patterns:
    chosen = wide_world(world) if isinstance(world, int) else world
    return build_patterns(simulate(chosen, n, seed=5, truth=False).journeys, cap=4)


def _design_by_loop(patterns: Patterns, pair_keys: np.ndarray) -> np.ndarray:
    """[1 | touched | log count | pair] written pattern by pattern, the definition."""
    k = patterns.n_keys
    x = np.zeros((patterns.n_patterns, 1 + 2 * k + pair_keys.shape[0]))
    column = {int(key): 1 + 2 * k + i for i, key in enumerate(pair_keys)}
    for p in range(patterns.n_patterns):
        lo, hi = patterns.offsets[p], patterns.offsets[p + 1]
        codes, counts = patterns.codes[lo:hi], patterns.counts[lo:hi]
        x[p, 0] = 1.0
        x[p, 1 + codes] = 1.0
        x[p, 1 + k + codes] = np.log(counts)
        for a in range(len(codes)):
            for b in range(a + 1, len(codes)):
                key = int(codes[a]) * k + int(codes[b])
                if key in column:
                    x[p, column[key]] = 1.0
    return x


def test_design_matches_the_definition() -> None:
    patterns = _patterns(8, 20_000)
    settings = cm.FitSettings(max_pairs=12)
    x, pair_keys, _ = dm.design(patterns, settings)
    assert pair_keys.shape[0] == 12 and x.has_sorted_indices
    assert x.toarray() == pytest.approx(_design_by_loop(patterns, pair_keys), abs=0)
    assert not (x.data == 0).any()  # a channel touched once has log 1 = 0: no entry


def test_design_names_the_members_of_every_entry() -> None:
    """Main and dose entries belong to their member, a pair's to both, the intercept to none."""
    patterns = _patterns(8, 5_000)
    k, none = patterns.n_keys, patterns.codes.shape[0]
    x, pair_keys, members = dm.design(patterns, cm.FitSettings(max_pairs=12))
    expected = np.full((2, x.nnz), none)
    for p in range(patterns.n_patterns):
        lo = patterns.offsets[p]
        member_of = {
            int(c): lo + i for i, c in enumerate(patterns.codes[lo : patterns.offsets[p + 1]])
        }
        for entry in range(x.indptr[p], x.indptr[p + 1]):
            column = int(x.indices[entry])
            if 1 <= column <= 2 * k:
                expected[0, entry] = member_of[(column - 1) % k]
            elif column > 2 * k:
                first, second = divmod(int(pair_keys[column - 1 - 2 * k]), k)
                expected[:, entry] = member_of[first], member_of[second]
    np.testing.assert_array_equal(members, expected)


def _fisher_scoring(patterns: Patterns, x: np.ndarray, settings: cm.FitSettings) -> np.ndarray:
    """The identity-link fit as it was: dense Fisher scoring to a tight tolerance."""
    k = patterns.n_keys
    n, y = patterns.journeys, patterns.conversions
    ridge = (
        np.concatenate(
            [
                [0.0],
                np.full(k, settings.ridge_main),
                np.full(k, settings.ridge_dose),
                np.full(x.shape[1] - 1 - 2 * k, settings.ridge_pair),
            ]
        )
        + 1e-9
    )
    beta = np.zeros(x.shape[1])
    beta[0] = (y.sum() + 0.5) / (n.sum() + 1.0)
    for _ in range(500):
        mu = np.clip(x @ beta, 1e-6, 1 - 1e-6)
        weight = n / (mu * (1 - mu))
        score = x.T @ ((y - n * mu) / (mu * (1 - mu))) - ridge * beta
        step = np.linalg.solve(x.T @ (x * weight[:, None]) + np.diag(ridge), score)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-13:
            break
    return beta


@pytest.mark.parametrize("cheap", [True, False])
def test_newton_fit_reaches_the_fisher_scoring_root(
    cheap: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both solvers (Hessian formed every step; conjugate gradients) end where scoring ends."""
    if not cheap:  # force the large-problem path on a small world
        monkeypatch.setattr(dm, "_CHEAP_GRAM", 0)
        monkeypatch.setattr(dm, "_DENSE_CELLS", 0)
    patterns = _patterns(8, 40_000)
    settings = cm.FitSettings()
    model = cm.fit(patterns, settings)
    assert model.fitted_on is not None and model.fitted_on.cheap is cheap
    x, _, _ = dm.design(patterns, settings, model.pair_keys)
    expected = _fisher_scoring(patterns, x.toarray(), settings)
    assert model.coefficients == pytest.approx(expected, abs=1e-9)


def test_one_step_reuses_the_fit_design_only_for_the_same_patterns() -> None:
    patterns = _patterns("additive", 20_000)
    settings = cm.FitSettings()
    model = cm.fit(patterns, settings)
    step = cm.OneStep.prepare(patterns, model, settings)
    assert model.fitted_on is not None and step.x is model.fitted_on.x
    other = _patterns("additive", 20_000)
    fresh = cm.OneStep.prepare(other, model, settings)
    assert fresh.x is not model.fitted_on.x
    assert (fresh.x != step.x).nnz == 0  # same world and seed: the same patterns, rebuilt
    assert fresh.hessian_inverse == pytest.approx(step.hessian_inverse, rel=1e-9)
