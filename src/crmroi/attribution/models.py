"""The attribution model registry: every model, built-in or added, behind one interface.

A model turns journeys into its sufficient statistics once (``prepare``), allocates conversions
and revenue to keys plus a ``(baseline)`` bucket (``allocate``), gives bootstrap replicates of
its shares (``replicate_shares``) and splits each converted journey into fractions per key
(``fractions``, for per-deal credits). Extensions add a model with :func:`register`, the same path
the built-ins take.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from statistics import NormalDist
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from crmroi.attribution import conversion_model, delta, markov, nested, rules, shapley
from crmroi.attribution.paths import Journeys
from crmroi.attribution.patterns import Patterns, build_patterns, member_matrix, poisson_resample
from crmroi.errors import AnalysisError

F64 = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Allocation:
    """Conversions and revenue per key, the ``(baseline)`` bucket last."""

    conversions: F64
    revenue: F64

    def shares(self) -> F64:
        """Revenue shares (conversion shares when there is no revenue); they sum to 1."""
        basis = self.revenue if self.revenue.sum() > 0 else self.conversions
        total = basis.sum()
        return basis / total if total > 0 else np.zeros_like(basis)


@dataclass(frozen=True, eq=False)
class Fractions:
    """Per-journey credit fractions: (journey, key code, fraction); code K = baseline."""

    journey: NDArray[np.int64]
    code: NDArray[np.int64]
    fraction: F64


class Model(Protocol):
    """What every attribution model provides."""

    @property
    def id(self) -> str:
        """Model id used in tables, the CLI and the CampaignInfluence ModelId."""

    @property
    def description(self) -> str:
        """One line on what the model does."""

    @property
    def interval_method(self) -> str:
        """How the model's intervals are computed (and what they do not cover)."""

    def prepare(self, journeys: Journeys) -> Any:
        """Reduce the journeys to the model's sufficient statistics."""

    def allocate(self, stats: Any) -> Allocation:
        """Credit conversions and revenue to keys and the baseline."""

    def replicate_shares(self, stats: Any, n: int, rng: np.random.Generator) -> F64:
        """``n`` bootstrap replicates of the shares, shape (n, K + 1)."""

    def fractions(self, journeys: Journeys, stats: Any) -> Fractions:
        """Credit fractions of every converted journey (summing to 1 per journey)."""


def _empty_journeys(journeys: Journeys) -> Fractions:
    empty = np.flatnonzero((journeys.lengths == 0) & (journeys.conversions > 0))
    return Fractions(empty, np.full(empty.shape[0], journeys.n_keys), np.ones(empty.shape[0]))


def _concat(parts: list[Fractions]) -> Fractions:
    return Fractions(
        np.concatenate([p.journey for p in parts]).astype(np.int64),
        np.concatenate([p.code for p in parts]).astype(np.int64),
        np.concatenate([p.fraction for p in parts]),
    )


@dataclass(frozen=True, eq=False)
class RuleStats:
    """The converted journeys (a rule reads nothing else); per-touch weights when needed."""

    journeys: Journeys
    converted: Journeys
    index: NDArray[np.int64]
    rule: rules.Rule

    @cached_property
    def weights(self) -> F64:
        """Fraction of its journey's conversion each touch earns."""
        return rules.touch_weights(self.converted, self.rule)


@dataclass(frozen=True)
class RuleModel:
    """A rule-based model (see ``rules.py``)."""

    id: str
    rule: rules.Rule
    description: str = ""
    interval_method: str = "normal approximation of the Poisson bootstrap (sampling only)"

    def prepare(self, journeys: Journeys) -> RuleStats:
        """Per-touch weights of the rule, on the converted journeys only."""
        sub, index = journeys.converting
        return RuleStats(journeys, sub, index, self.rule)

    def allocate(self, stats: RuleStats) -> Allocation:
        """Sum the touch weights times their journey's conversions and value per key."""
        sub = stats.converted
        empty = sub.lengths == 0
        conv, rev = rules.fast_totals(sub, self.rule)
        return Allocation(
            np.append(conv, sub.conversions[empty].sum()),
            np.append(rev, sub.value[empty].sum()),
        )

    def replicate_shares(self, stats: RuleStats, n: int, rng: np.random.Generator) -> F64:
        """Normal draws with the Poisson bootstrap's variance of each share (delta method).

        A share s_k = X_k / T is a ratio of sums over journeys; under Poisson(1) weights per
        journey Var(s_k) ≈ Σ_j (x_jk − s_k t_j)² / T² (aggregated path rows of c journeys
        contribute (x − s t)² / c). Drawing normals with that variance avoids 200 passes over
        every touch; for a rule, which is linear in the journeys, it is the bootstrap's limit.
        """
        sub = stats.converted
        fr = self._sub_fractions(stats)
        k = sub.n_keys
        alloc = self.allocate(stats)
        per_journey = sub.value if alloc.revenue.sum() > 0 else sub.conversions
        x = sp.csr_matrix(
            (fr.fraction * per_journey[fr.journey], (fr.journey, fr.code)),
            shape=(sub.n_journeys, k + 1),
        )
        count = np.maximum(sub.conversions, 1.0)
        t = per_journey
        total = t.sum()
        if total <= 0:  # nothing converted: every share is 0 and so is its spread
            return np.zeros((n, k + 1), dtype=np.float64)
        share = alloc.shares()
        scaled = sp.diags(1.0 / count) @ x
        var = (
            np.asarray(x.multiply(scaled).sum(axis=0)).ravel()
            - 2 * share * (scaled.T @ t)
            + share**2 * float((t * t / count).sum())
        ) / total**2
        sd = np.sqrt(np.maximum(var, 0.0))
        draws = share + rng.standard_normal((n, k + 1)) * sd
        return np.asarray(np.clip(draws, 0.0, 1.0), dtype=np.float64)

    def _sub_fractions(self, stats: RuleStats) -> Fractions:
        sub, weights = stats.converted, stats.weights
        jidx = sub.touch_journey()
        m = sp.csr_matrix((weights, (jidx, sub.codes)), shape=(sub.n_journeys, max(sub.n_keys, 1)))
        m.sum_duplicates()
        coo = m.tocoo()
        return _concat(
            [
                Fractions(coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data),
                _empty_journeys(sub),
            ]
        )

    def fractions(self, journeys: Journeys, stats: RuleStats) -> Fractions:
        """Touch weights summed per (journey, key), for every converted journey."""
        fr = self._sub_fractions(stats)
        return Fractions(stats.index[fr.journey], fr.code, fr.fraction)


@dataclass(frozen=True)
class MarkovModel:
    """Markov chain of order 1–4 with exact removal effects (see ``markov.py``)."""

    id: str
    order: int = 1
    description: str = ""
    interval_method: str = (
        "Poisson bootstrap of the transition counts (sampling only; transitions of one journey "
        "resampled independently)"
    )

    def prepare(self, journeys: Journeys) -> markov.Transitions:
        """Transition counts of the chain."""
        return markov.transitions(journeys, self.order)

    def allocate(self, stats: markov.Transitions) -> Allocation:
        """Credit in proportion to the removal effects."""
        conv, rev = markov.allocate(stats)
        return Allocation(conv, rev)

    def replicate_shares(self, stats: markov.Transitions, n: int, rng: np.random.Generator) -> F64:
        """Shares of ``n`` resampled chains."""
        return np.stack(
            [self.allocate(markov.poisson_resample(stats, rng)).shares() for _ in range(n)]
        )

    def fractions(self, journeys: Journeys, stats: markov.Transitions) -> Fractions:
        """Each journey split over its distinct channels in proportion to their removal effect."""
        effect, effect_v, _, _ = markov.removal_effects(stats)
        basis = effect_v if journeys.value.sum() > 0 else effect
        members = member_matrix(journeys)
        rows = np.repeat(np.arange(journeys.n_journeys), np.diff(members.indptr))
        weight = np.maximum(basis[members.indices], 0.0)
        per_row = np.bincount(rows, weights=weight, minlength=journeys.n_journeys)
        sizes = np.diff(members.indptr)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(
                per_row[rows] > 0, weight / per_row[rows], 1.0 / np.maximum(sizes[rows], 1)
            )
        keep = journeys.conversions[rows] > 0
        return _concat(
            [
                Fractions(rows[keep], members.indices[keep].astype(np.int64), frac[keep]),
                _empty_journeys(journeys),
            ]
        )


@dataclass(frozen=True, eq=False)
class PatternStats:
    """Patterns and, for ``data_driven``, the fitted conversion model; nested: every level's."""

    patterns: Patterns
    fitted: conversion_model.ConversionModel | None = None
    nesting: nested.Nesting | None = None
    credits: list[shapley.PatternCredit] = field(default_factory=list, repr=False)
    """The model's fractions once computed (the table, the intervals and the credits read them)."""


@dataclass(frozen=True)
class ShapleyModel:
    """A Shapley model on channel sets (see ``shapley.py``), nested below the channels.

    At campaign and workflow level a channel's credit is split among its campaigns by a model
    of the same kind over that channel's campaigns (and a campaign's among its workflows), so
    every level sums into the one above (``nested.py``).
    """

    id: str
    kind: str
    description: str = ""
    settings: conversion_model.FitSettings = field(default_factory=conversion_model.FitSettings)
    cap: int = 4
    interval_method: str = (
        "Poisson bootstrap of the journeys per channel pattern, v(S) refitted by one Newton "
        "step from the full-data fit per replicate (sampling only); data_driven: that "
        "bootstrap's delta-method normal approximation"
    )

    def prepare(self, journeys: Journeys) -> PatternStats:
        """Patterns (sets for the empirical models), and the fitted v(S) for data_driven."""
        cap = self.cap if self.kind == "data_driven" else 1
        patterns = build_patterns(journeys, cap=cap)
        if journeys.parents is not None:
            return PatternStats(
                patterns, nesting=nested.prepare(patterns, journeys.parents, self._fit, cap)
            )
        return PatternStats(patterns, self._fit(patterns))

    def _fit(self, patterns: Patterns) -> conversion_model.ConversionModel | None:
        if self.kind == "data_driven":
            return conversion_model.fit(patterns, self.settings)
        return None

    def _credit(
        self, patterns: Patterns, fitted: conversion_model.ConversionModel | None
    ) -> shapley.PatternCredit:
        if self.kind == "simplified":
            return shapley.simplified(patterns)
        if self.kind == "empirical":
            return shapley.empirical(patterns)
        assert fitted is not None
        return shapley.model_driven(patterns, fitted)

    def credit(self, stats: PatternStats) -> shapley.PatternCredit:
        """Fractions per pattern member and baseline (computed once per ``stats``)."""
        if not stats.credits:
            if stats.nesting is not None:
                stats.credits.append(stats.nesting.credit(self._credit))
            else:
                stats.credits.append(self._credit(stats.patterns, stats.fitted))
        return stats.credits[0]

    def allocate(self, stats: PatternStats) -> Allocation:
        """Credit each pattern's conversions and revenue by its fractions (nested: split down)."""
        if stats.nesting is not None:
            return Allocation(*stats.nesting.allocate(self._credit))
        p = stats.patterns
        cr = self.credit(stats)
        conv, rev = nested.totals(p, cr)
        return Allocation(
            np.append(conv, (cr.baseline * p.conversions).sum()),
            np.append(rev, (cr.baseline * p.value).sum()),
        )

    def replicate_shares(self, stats: PatternStats, n: int, rng: np.random.Generator) -> F64:
        """Replicates of the shares: the bootstrap's delta-method limit, or the bootstrap.

        ``data_driven`` with the identity link (the default) takes the limit (``_delta_draws``),
        nested levels too (every level's fit must be identity-link); the other links and kinds
        run :meth:`bootstrap`.
        """
        fitted, nesting = stats.fitted, stats.nesting
        if nesting is None and fitted is not None and fitted.link == "identity":
            step = conversion_model.OneStep.prepare(stats.patterns, fitted, self.settings)
            return self._delta_draws(stats, delta.share_sd(stats.patterns, step), n)
        levels = (nesting.top, *nesting.splits) if nesting is not None else ()
        if levels and all(v.fitted is not None and v.fitted.link == "identity" for v in levels):
            assert nesting is not None
            steps = [s for s in nesting.one_steps(self.settings) if s is not None]
            sd = delta.nested_share_sd(nesting, stats.patterns, steps)
            return self._delta_draws(stats, sd, n)
        return self.bootstrap(stats, n, rng)

    def bootstrap(self, stats: PatternStats, n: int, rng: np.random.Generator) -> F64:
        """Shares of ``n`` Poisson-resampled pattern tables, v(S) refitted by one Newton step.

        Nested: the finest patterns are resampled and every level is summed from them and
        refitted, so a campaign's interval carries its channel's sampling noise and its own.
        """
        nesting = stats.nesting
        steps = nesting.one_steps(self.settings) if nesting is not None else ()
        step = None
        if stats.fitted is not None:
            step = conversion_model.OneStep.prepare(stats.patterns, stats.fitted, self.settings)
        out = []
        for _ in range(n):
            patterns = poisson_resample(stats.patterns, rng)
            if nesting is not None:
                draw = PatternStats(patterns, nesting=nesting.resampled(patterns, steps))
            else:
                draw = PatternStats(patterns, step.refit(patterns) if step is not None else None)
            out.append(self.allocate(draw).shares())
        return np.stack(out)

    def _delta_draws(self, stats: PatternStats, sd: F64, n: int) -> F64:
        """``n`` normal quantiles with the bootstrap's delta-method spread ``sd`` (``delta.py``).

        One pass over the patterns instead of ``n`` refits: at 30 channels 200 replicates cost
        several times the fit, this a fraction of it. The replicates are the evenly spaced
        quantiles of that normal, not random draws, so their percentiles carry no Monte Carlo
        noise. The tests hold the spread to the bootstrap's.
        """
        share = self.allocate(stats).shares()
        standard = NormalDist()
        z = np.array([standard.inv_cdf((i + 0.5) / n) for i in range(n)])
        return np.asarray(np.clip(share + z[:, None] * sd, 0.0, 1.0), dtype=np.float64)

    def fractions(self, journeys: Journeys, stats: PatternStats) -> Fractions:
        """Expand the pattern fractions to every converted journey of the pattern."""
        p = stats.patterns
        cr = self.credit(stats)
        converted = np.flatnonzero(journeys.conversions > 0)
        pattern = p.inverse[converted]
        sizes = p.sizes[pattern]
        rows = np.repeat(converted, sizes)
        member_index = np.repeat(p.offsets[pattern] - np.cumsum(sizes) + sizes, sizes) + np.arange(
            int(sizes.sum())
        )
        base = cr.baseline[pattern]
        has_base = base != 0
        return _concat(
            [
                Fractions(rows, p.codes[member_index].astype(np.int64), cr.member[member_index]),
                Fractions(
                    converted[has_base],
                    np.full(int(has_base.sum()), journeys.n_keys),
                    base[has_base],
                ),
            ]
        )


MODELS: dict[str, Model] = {}
"""Every registered model by id."""


def register(model: Model) -> Model:
    """Add ``model`` to the registry (an extension's entry point too)."""
    MODELS[model.id] = model
    return model


def get(model_id: str) -> Model:
    """The registered model ``model_id``; markov_2..markov_4 are higher-order chains."""
    try:
        return MODELS[model_id]
    except KeyError:
        raise AnalysisError(
            f"unknown attribution model {model_id!r}; known: {', '.join(MODELS)}"
        ) from None


def position_model(model_id: str, first: float, middle: float, last: float) -> Model:
    """A custom position-based rule (weights are normalised to sum to 1) and register it."""
    total = first + middle + last
    if total <= 0 or min(first, middle, last) < 0:
        raise AnalysisError("position weights must be >= 0 and not all 0")
    rule = rules.PositionRule(first / total, middle / total, last / total)
    return register(RuleModel(model_id, rule, f"custom position weights {first}/{middle}/{last}"))


for _id, _rule in rules.RULES.items():
    register(RuleModel(_id, _rule, f"rule-based: {_id.replace('_', ' ')}"))
register(MarkovModel("markov", 1, "Markov chain, order 1, exact removal effects"))
for _order in (2, 3, 4):
    register(MarkovModel(f"markov_{_order}", _order, f"Markov chain, order {_order}"))
register(ShapleyModel("shapley_simplified", "simplified", "Shapley, simplified (Zhao et al. 2018)"))
register(ShapleyModel("shapley_empirical", "empirical", "Shapley on observed set conversion rates"))
register(ShapleyModel("data_driven", "data_driven", "Shapley values of a fitted conversion model"))
