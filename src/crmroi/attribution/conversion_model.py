"""The fitted conversion model v(S) behind the ``data_driven`` Shapley attribution.

v(S, k) = σ(β0 + Σ_{c∈S} (a_c + d_c log k_c) + Σ_{c<c'∈S} g_{cc'})

a logistic regression of "did the journey convert" on which channels it touched (a_c), how often
(d_c log k_c: diminishing returns per repeated touch), and which pairs it touched together
(g_cc': synergy or overlap). It is fitted by ridge-penalised Newton steps on the pattern
counts (sufficient statistics), so a million journeys cost what a few thousand patterns cost.
For the identity link (the default) the steps use the observed information and, for large
designs, are solved by conjugate gradients with the first step's Hessian as preconditioner: one
Gram product per fit instead of one per step (30 channels: 163k patterns × 461 coefficients).

Why this form: the Shapley value of v over the channels of one journey splits that journey's
conversion probability into a baseline v(∅) = σ(β0) and one share per channel. In an additive
world p(S) = b + Σ e_c the shares sum, over journeys, to the expected incremental conversions
n_c e_c, which is the truth we validate against; the pair terms absorb the curvature of the
logistic link (and real synergy), the log-count terms the dose-response. The ridge penalty pulls
rarely seen pairs and doses towards 0, i.e. pools sparse channel sets with the main effects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from crmroi.attribution.patterns import Patterns

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class ConversionModel:
    """Fitted coefficients: intercept, per channel main and dose, per pair synergy (dense K×K)."""

    intercept: float
    main: F64
    dose: F64
    pair: F64
    coefficients: F64
    pair_keys: NDArray[np.int64]
    link: str = "logit"
    fitted_on: Design | None = field(default=None, repr=False)
    """The design the fit ran on, reused by :meth:`OneStep.prepare` on the same patterns."""

    def inverse_link(self, eta: F64) -> F64:
        """Conversion probability from the linear predictor."""
        return inverse_link(self.link, eta)

    def member_effect(self, codes: NDArray[np.int32], counts: NDArray[np.int32]) -> F64:
        """a_c + d_c log k_c for members (any shape)."""
        return self.main[codes] + self.dose[codes] * np.log(np.maximum(counts, 1))


@dataclass(frozen=True)
class FitSettings:
    """Ridge strengths (in journeys' worth of information) and pair selection."""

    ridge_main: float = 1.0
    ridge_dose: float = 5.0
    ridge_pair: float = 5.0
    min_pair_journeys: float = 50.0
    max_pairs: int = 400
    iterations: int = 30
    tolerance: float = 1e-8
    links: tuple[str, ...] = ("identity",)
    """Candidate links; the fit keeps the one with the highest penalised likelihood.

    The default is the identity link only: on every validation world it was as accurate as the
    noisy-OR and logit links (docs/attribution.md), and its Shapley values have a closed form,
    which keeps 200 bootstrap refits cheap. ``LINKS`` lists all three.
    """


LINKS = ("identity", "noisy_or", "logit")
_EPS = 1e-6
_DENSE_CELLS = 20_000_000
_DENSE_PAIRS = 1 << 22  # K² up to this: pair keys are looked up in a table, not sorted
_CG_ITERATIONS = 200
_SLAB_CELLS = 1 << 20  # cells of a Gram product's temporaries at once (8 MB)
_SLAB_ROWS = 16_384  # rows of the design made dense at once in a Gram product (~8 MB at K=30)
_CHEAP_GRAM = 200_000_000  # multiply-adds: below, every Newton step forms its Hessian


def inverse_link(link: str, eta: F64) -> F64:
    """μ = η (identity), 1 − e^(−η) (noisy-OR: independent causes), σ(η) (logit)."""
    if link == "identity":
        return np.asarray(eta, dtype=np.float64)
    if link == "noisy_or":
        return np.asarray(-np.expm1(-np.asarray(eta)), dtype=np.float64)
    from scipy.special import expit  # only the logit link needs it: not imported at start-up

    return np.asarray(expit(eta), dtype=np.float64)


def _derivative(link: str, eta: F64, mu: F64) -> F64:
    if link == "identity":
        return np.ones_like(eta)
    if link == "noisy_or":
        return np.exp(-eta)
    return mu * (1 - mu)


def _pair_groups(patterns: Patterns) -> list[tuple[I64, I64]]:
    """Per size s ≥ 2: the patterns of that size and their pair keys c1*K + c2 (c1 < c2).

    Keys are in the order of ``np.triu_indices``: since members are in ascending code order,
    they ascend along each pattern's row.
    """
    groups: list[tuple[I64, I64]] = []
    sizes = patterns.sizes
    k = patterns.n_keys
    for s in np.unique(sizes[sizes >= 2]):
        which = np.flatnonzero(sizes == s)
        codes = patterns.codes[patterns.offsets[which][:, None] + np.arange(s)].astype(np.int64)
        i, j = np.triu_indices(int(s), 1)
        groups.append((which, codes[:, i] * k + codes[:, j]))
    return groups


def _select_pairs(
    patterns: Patterns, settings: FitSettings, rows: I64, keys: I64
) -> NDArray[np.int64]:
    """The pairs seen in at least ``min_pair_journeys`` journeys, the ``max_pairs`` most seen."""
    k = patterns.n_keys
    weights = patterns.journeys[rows]
    if k * k <= _DENSE_PAIRS:
        seen = np.flatnonzero(np.bincount(keys, minlength=k * k))
        totals = np.bincount(keys, weights, k * k)[seen]
    else:
        seen, inverse = np.unique(keys, return_inverse=True)
        totals = np.bincount(inverse.ravel(), weights, seen.shape[0])
    enough = totals >= settings.min_pair_journeys
    order = np.argsort(-totals[enough], kind="stable")
    return np.sort(seen[enough][order[: settings.max_pairs]])


def _pair_columns(k: int, pair_keys: I64, keys: I64) -> I64:
    """Column of every pair key among ``pair_keys`` (−1: not a modelled pair)."""
    if k * k <= _DENSE_PAIRS:
        table = np.full(k * k, -1, dtype=np.int64)
        table[pair_keys] = np.arange(pair_keys.shape[0])
        return table[keys]
    if not pair_keys.size:
        return np.full(keys.shape[0], -1, dtype=np.int64)
    position = np.minimum(np.searchsorted(pair_keys, keys), pair_keys.shape[0] - 1)
    return np.where(pair_keys[position] == keys, position, -1)


def design(
    patterns: Patterns, settings: FitSettings, pair_keys: NDArray[np.int64] | None = None
) -> tuple[sp.csr_matrix, NDArray[np.int64], NDArray[np.int32]]:
    """Sparse design matrix [1 | touched_c | log count_c | pair_cc'] over patterns.

    Only non-zero entries are stored (log 1 = 0: a channel touched once has no dose entry),
    which keeps the Gram products of the fit about a third cheaper. Every entry's place in the
    CSR arrays follows from the row counts, so the matrix is written directly, with its column
    indices sorted, instead of being sorted out of coordinates.

    Also returned, per entry of the matrix (2 × entries): the member (index into
    ``patterns.codes``) it belongs to and, for a pair entry, its second member; where there is
    none (the intercept; the second of a main or dose entry) the number of members, one past
    the last, so that sums over members can take it as a bin of its own and drop it. The
    Shapley values of the identity-link model are these entries shared among their members
    (``delta.py``).
    """
    k, p = patterns.n_keys, patterns.n_patterns
    sizes = patterns.sizes
    groups = _pair_groups(patterns)
    if pair_keys is None:
        pair_keys = _select_pairs(
            patterns,
            settings,
            np.concatenate(
                [np.repeat(w, g.shape[1]) for w, g in groups] or [np.zeros(0, np.int64)]
            ),
            np.concatenate([g.ravel() for _, g in groups] or [np.zeros(0, np.int64)]),
        )
    columns = [_pair_columns(k, pair_keys, g) for _, g in groups]
    member_row = np.repeat(np.arange(p), sizes)
    log_counts = np.log(np.maximum(patterns.counts, 1)).astype(np.float64)
    dose = log_counts > 0
    doses = np.bincount(member_row[dose], minlength=p)
    known = np.zeros(p, dtype=np.int64)
    for (which, _), column in zip(groups, columns, strict=True):
        known[which] = (column >= 0).sum(axis=1)
    indptr = np.zeros(p + 1, dtype=np.int64)
    np.cumsum(1 + sizes + doses + known, out=indptr[1:])
    start = indptr[:-1]
    indices = np.zeros(int(indptr[-1]), dtype=np.int32)  # 0: the intercept, first in each row
    data = np.ones(int(indptr[-1]))
    members = np.full((2, int(indptr[-1])), patterns.codes.shape[0], dtype=np.int32)
    codes = patterns.codes.astype(np.int64)
    local = np.arange(codes.shape[0]) - patterns.offsets[member_row]
    indices[start[member_row] + 1 + local] = 1 + codes
    members[0, start[member_row] + 1 + local] = np.arange(codes.shape[0])
    dose_rank = np.concatenate([[0], np.cumsum(dose)])
    at = np.flatnonzero(dose)
    row = member_row[at]
    place = start[row] + 1 + sizes[row] + dose_rank[at] - dose_rank[patterns.offsets[row]]
    indices[place] = 1 + k + codes[at]
    data[place] = log_counts[at]
    members[0, place] = at
    for (which, _), column in zip(groups, columns, strict=True):
        modelled = column >= 0
        rank = np.cumsum(modelled, axis=1) - 1
        first = start[which] + 1 + sizes[which] + doses[which]
        place = (first[:, None] + rank)[modelled]
        indices[place] = 1 + 2 * k + column[modelled]
        # members ascend in code order, so the pair key's two codes are members i < j
        i, j = np.triu_indices(int(sizes[which[0]]), 1)
        lead = patterns.offsets[which][:, None]
        members[0, place] = (lead + i)[modelled]
        members[1, place] = (lead + j)[modelled]
    shape = (p, 1 + 2 * k + pair_keys.shape[0])
    return sp.csr_matrix((data, indices, indptr), shape=shape), pair_keys, members


@dataclass(frozen=True, eq=False)
class Design:
    """A pattern table's design matrix with its transpose, and the patterns it was built on."""

    x: sp.csr_matrix
    xt: sp.csr_matrix
    pair_keys: I64
    offsets: I64
    codes: NDArray[np.int32]
    counts: NDArray[np.int32]
    members: NDArray[np.int32]
    """Each entry's member and pair partner (2 × entries; none: the number of members)."""

    @classmethod
    def build(
        cls, patterns: Patterns, settings: FitSettings, pair_keys: I64 | None = None
    ) -> Design:
        """The design of ``patterns`` (pairs selected from them unless ``pair_keys`` is given)."""
        x, keys, members = design(patterns, settings, pair_keys)
        return cls(x, x.T.tocsr(), keys, patterns.offsets, patterns.codes, patterns.counts, members)

    def serves(self, patterns: Patterns, pair_keys: I64) -> bool:
        """Whether this is the design of ``patterns`` (same arrays; outcomes may differ)."""
        return (
            patterns.offsets is self.offsets
            and patterns.codes is self.codes
            and patterns.counts is self.counts
            and np.array_equal(pair_keys, self.pair_keys)
        )

    @property
    def dense(self) -> bool:
        """Few patterns × few coefficients: dense BLAS beats sparse products by far."""
        return bool(self.x.shape[0] * self.x.shape[1] <= _DENSE_CELLS)

    @cached_property
    def dense_x(self) -> F64:
        """X as a dense array (made once, for the small designs only)."""
        return np.asarray(self.x.toarray(), dtype=np.float64)

    @property
    def cheap(self) -> bool:
        """Whether a Gram product costs about what a few products X v cost (few coefficients)."""
        rows, width = self.x.shape
        return bool(rows * width * width <= _CHEAP_GRAM)

    @cached_property
    def blocks(self) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """X's leading columns (intercept, touched, dose) and its pair columns."""
        lead = self.x.shape[1] - self.pair_keys.shape[0]
        return self.x[:, :lead].tocsr(), self.x[:, lead:].tocsr()

    @cached_property
    def pair_rows(self) -> list[tuple[I64, NDArray[np.int32]]]:
        """Per number q of modelled pairs in a row: those rows and their pair columns (n × q)."""
        _, pairs = self.blocks
        per_row = np.diff(pairs.indptr)
        groups = []
        for q in np.unique(per_row[per_row > 0]):
            rows = np.flatnonzero(per_row == q)
            groups.append((rows, pairs.indices[pairs.indptr[rows][:, None] + np.arange(q)]))
        return groups

    def _pair_gram(self, weight: F64) -> F64:
        """The pair block of Xᵀ diag(weight) X: one weighted count per (pair, pair) cell.

        Pair columns are 0/1 indicators, so a row adds its weight to every cell (i, j), i ≤ j,
        of its own pair columns. Rows go a slab at a time, so no temporary outgrows the
        allocator's reuse (fresh pages are what large temporaries cost here).
        """
        width = self.pair_keys.shape[0]
        upper = np.zeros(width * width)
        for rows, columns in self.pair_rows:
            first, second = np.triu_indices(columns.shape[1])
            step = max(1, _SLAB_CELLS // first.shape[0])
            for start in range(0, rows.shape[0], step):
                part = columns[start : start + step].astype(np.int64)
                cells = part[:, first] * width + part[:, second]
                mass = np.repeat(weight[rows[start : start + step]], first.shape[0])
                upper += np.bincount(cells.ravel(), mass, width * width)
        block = upper.reshape(width, width)
        return np.asarray(block + block.T - np.diag(np.diag(block)), dtype=np.float64)

    def gram(self, weight: F64) -> F64:
        """Xᵀ diag(weight) X as a dense matrix.

        Large designs are split by columns: the leading block (1 + 2K columns, several
        entries in every row) goes through dense BLAS a slab of rows at a time, and the pair
        block, 0/1 and sparse on both sides, is a weighted count per cell. One sparse product
        for all of it costs about twice as much (its accumulator pays per multiply-add).
        """
        if self.dense:
            xd = self.dense_x
            return np.asarray(xd.T @ (xd * weight[:, None]), dtype=np.float64)
        lead, pairs = self.blocks
        width, front = self.x.shape[1], lead.shape[1]
        out = np.empty((width, width))
        lead_gram = np.zeros((front, front))
        cross = np.zeros((width - front, front))
        for start in range(0, lead.shape[0], _SLAB_ROWS):
            rows = slice(start, start + _SLAB_ROWS)
            slab = lead[rows].toarray()
            scaled = slab * weight[rows, None]
            lead_gram += slab.T @ scaled
            cross += pairs[rows].T @ scaled
        out[:front, :front] = lead_gram
        out[front:, :front] = cross
        out[:front, front:] = cross.T
        out[front:, front:] = self._pair_gram(weight)
        return out


def fit(
    patterns: Patterns,
    settings: FitSettings | None = None,
    *,
    start: ConversionModel | None = None,
) -> ConversionModel:
    """Fit v(S) by penalised Newton steps on the pattern counts.

    Every candidate link is fitted and the one with the highest penalised binomial likelihood
    kept; ``start`` (a previous fit, e.g. on the full data for a bootstrap replicate) fixes the
    link and the pairs and warm-starts the coefficients.
    """
    settings = settings or FitSettings()
    basis = Design.build(patterns, settings, None if start is None else start.pair_keys)
    links = (start.link,) if start is not None else settings.links
    best: tuple[float, ConversionModel] | None = None
    for link in links:
        beta, loglik = _irls(basis, patterns, settings, link, start)
        model = _unpack(beta, patterns.n_keys, basis.pair_keys, link, basis)
        if best is None or loglik > best[0]:
            best = (loglik, model)
    assert best is not None
    return best[1]


@dataclass(frozen=True, eq=False)
class OneStep:
    """The one-step bootstrap: Newton steps from the full-data fit with its Hessian.

    A replicate's estimate differs from the full-data one by O(n^-1/2); one Newton step from
    the full-data fit, with the full-data Hessian, leaves an error of O(n^-1), far below the
    sampling spread being measured, and costs one matrix-vector product per replicate.
    """

    fitted: ConversionModel
    basis: Design
    mu: F64
    factor: F64
    hessian_inverse: F64
    penalty: F64

    @property
    def x(self) -> sp.csr_matrix:
        """The design matrix of the patterns."""
        return self.basis.x

    @classmethod
    def prepare(cls, patterns: Patterns, fitted: ConversionModel, settings: FitSettings) -> OneStep:
        """Design, fitted means and the inverse penalised Hessian at the full-data fit."""
        basis = fitted.fitted_on
        if basis is None or not basis.serves(patterns, fitted.pair_keys):
            basis = Design.build(patterns, settings, fitted.pair_keys)
        x = basis.x
        k = patterns.n_keys
        penalty = _penalty(settings, k, x.shape[1])
        eta = x @ fitted.coefficients
        mu = np.clip(inverse_link(fitted.link, eta), _EPS, 1 - _EPS)
        slope = _derivative(fitted.link, eta, mu)
        factor = slope / (mu * (1 - mu))
        weight = patterns.journeys * slope * factor
        hessian = basis.gram(weight) + np.diag(penalty + 1e-9)
        inverse = np.asarray(np.linalg.inv(hessian), dtype=np.float64)
        return cls(fitted, basis, mu, factor, inverse, penalty)

    def refit(self, patterns: Patterns) -> ConversionModel:
        """The replicate's coefficients after one Newton step."""
        residual = (patterns.conversions - patterns.journeys * self.mu) * self.factor
        score = self.x.T @ residual - self.penalty * self.fitted.coefficients
        beta = self.fitted.coefficients + self.hessian_inverse @ score
        return _unpack(beta, patterns.n_keys, self.fitted.pair_keys, self.fitted.link)


def _penalty(settings: FitSettings, k: int, width: int) -> F64:
    return np.concatenate(
        [
            [0.0],
            np.full(k, settings.ridge_main),
            np.full(k, settings.ridge_dose),
            np.full(width - 1 - 2 * k, settings.ridge_pair),
        ]
    )


def _start(patterns: Patterns, link: str, width: int, start: ConversionModel | None) -> F64:
    """The previous fit's coefficients, or the intercept-only model's."""
    if start is not None:
        return start.coefficients.copy()
    n, y = patterns.journeys, patterns.conversions
    rate = (y.sum() + 0.5) / (n.sum() + 1.0)
    beta = np.zeros(width)
    beta[0] = {"identity": rate, "noisy_or": -np.log1p(-rate)}.get(
        link, float(np.log(rate / (1 - rate)))
    )
    return beta


def _irls(
    basis: Design,
    patterns: Patterns,
    settings: FitSettings,
    link: str,
    start: ConversionModel | None,
) -> tuple[F64, float]:
    """Penalised maximum likelihood: Newton for the identity link, Fisher scoring otherwise."""
    x, xt = basis.x, basis.xt
    n, y = patterns.journeys, patterns.conversions
    penalty = _penalty(settings, patterns.n_keys, x.shape[1])
    ridge = penalty + 1e-9
    beta = _start(patterns, link, x.shape[1], start)
    eta = x @ beta
    loglik = _loglik(eta, y, n, link, penalty, beta)
    observed = np.where(n > 0, y / np.where(n > 0, n, 1.0), 0.0)
    solve: _Solve | None = None
    change = np.inf
    for iteration in range(settings.iterations):
        mu = np.clip(inverse_link(link, eta), _EPS, 1 - _EPS)
        slope = _derivative(link, eta, mu)
        fisher = n * slope**2 / (mu * (1 - mu))
        score = xt @ (n * slope * (observed - mu) / (mu * (1 - mu))) - ridge * beta
        if link != "identity" or iteration == 0:
            # the first step (and every step of the other links) is a Fisher-scoring step
            solve = _Solve(basis.gram(fisher) + np.diag(ridge))
            step = solve(score)
        else:
            curvature = _curvature(eta, mu, n, y, fisher)
            if basis.cheap:
                step = _Solve(basis.gram(curvature) + np.diag(ridge))(score)
            else:
                assert solve is not None
                step = _conjugate_gradient(
                    _hessian_product(x, xt, curvature, ridge), score, solve, min(1e-2, change)
                )
        new, eta, loglik = _damped(x, y, n, link, penalty, beta, eta, beta + step, loglik)
        change = float(np.max(np.abs(new - beta)))
        beta = new
        if change < settings.tolerance:
            break
    return beta, loglik


def _curvature(eta: F64, mu: F64, n: F64, y: F64, fisher: F64) -> F64:
    """Per pattern −∂²(log-likelihood)/∂η² of the identity link: y/μ² + (n − y)/(1 − μ)².

    The observed information, not its expectation: with it the Newton steps converge
    quadratically to the same root of the score that Fisher scoring converges to linearly
    (13 steps at 30 channels, each one a full Gram product). Where the mean is clipped the
    expected information stands in, so the matrix stays positive definite.
    """
    inside = (eta > _EPS) & (eta < 1 - _EPS)
    return np.where(inside, y / mu**2 + (n - y) / (1 - mu) ** 2, fisher)


def _hessian_product(
    x: sp.csr_matrix, xt: sp.csr_matrix, weight: F64, ridge: F64
) -> Callable[[F64], F64]:
    """The product H v = (Xᵀ diag(weight) X + diag(ridge)) v, without forming H."""

    def product(v: F64) -> F64:
        return np.asarray(xt @ (weight * (x @ v)) + ridge * v, dtype=np.float64)

    return product


class _Solve:
    """The inverse of a small symmetric matrix (a few hundred coefficients), applied to vectors.

    An explicit inverse: solving with it is one matrix-vector product, and NumPy's ``inv`` is
    all it takes (no SciPy LAPACK wrappers to import at start-up).
    """

    def __init__(self, matrix: F64) -> None:
        try:
            self._inverse = np.linalg.inv(matrix)
        except np.linalg.LinAlgError:  # singular: the least-squares solution still steps
            self._inverse = np.linalg.pinv(matrix)

    def __call__(self, rhs: F64) -> F64:
        return np.asarray(self._inverse @ rhs, dtype=np.float64)


def _conjugate_gradient(
    product: Callable[[F64], F64], rhs: F64, precondition: _Solve, tolerance: float
) -> F64:
    """Solve H s = rhs for the Newton step by preconditioned conjugate gradients.

    H v costs two sparse products with the design (X v, then Xᵀ(w ⊙ ·)), a few milliseconds,
    where forming H costs a Gram product, a second or so at 30 channels. The first step's
    factorised Hessian is close to every later one, so a few dozen products reach the
    relative residual ``tolerance``; the steps may be inexact, the root they converge to is not.
    """
    step = np.zeros_like(rhs)
    residual = rhs.copy()
    limit = tolerance * float(np.linalg.norm(rhs))
    direction = precondition(residual)
    fit_ = float(residual @ direction)
    for _ in range(_CG_ITERATIONS):
        if float(np.linalg.norm(residual)) <= limit or fit_ <= 0:
            break
        image = product(direction)
        length = fit_ / float(direction @ image)
        step += length * direction
        residual -= length * image
        preconditioned = precondition(residual)
        previous, fit_ = fit_, float(residual @ preconditioned)
        direction = preconditioned + (fit_ / previous) * direction
    return step


def _loglik(eta: F64, y: F64, n: F64, link: str, penalty: F64, beta: F64) -> float:
    """Penalised binomial log-likelihood at ``beta`` (``eta`` = X β; means clipped into (0, 1))."""
    mu = np.clip(inverse_link(link, eta), _EPS, 1 - _EPS)
    return float((y * np.log(mu) + (n - y) * np.log1p(-mu)).sum() - 0.5 * (penalty * beta**2).sum())


def _damped(
    x: sp.csr_matrix,
    y: F64,
    n: F64,
    link: str,
    penalty: F64,
    beta: F64,
    eta: F64,
    new: F64,
    before: float,
) -> tuple[F64, F64, float]:
    """The step, halved until the penalised likelihood does not fall (at most 20 times).

    Returns the coefficients kept, their linear predictor (the next step starts from it) and
    their likelihood (``eta``, ``before``: those of ``beta``). Where
    the fit is well inside (0, 1) the full step always improves and is kept as it is. With
    many channels and sparse pairs an identity-link step can push some means below 0, where
    the clipped weights are meaningless and full steps run away (30 channels at 200k journeys:
    an intercept of 0.26 for a true 0.02); halving keeps the fit climbing.
    """
    for _ in range(20):
        moved = x @ new
        after = _loglik(moved, y, n, link, penalty, new)
        if after >= before - 1e-9 * abs(before):
            return new, moved, after
        new = 0.5 * (beta + new)
    return beta, eta, before


def _unpack(
    beta: F64, k: int, pair_keys: NDArray[np.int64], link: str, basis: Design | None = None
) -> ConversionModel:
    pair = np.zeros((k, k))
    first, second = np.divmod(pair_keys, max(k, 1))
    pair[first, second] = beta[1 + 2 * k :]
    pair[second, first] = beta[1 + 2 * k :]
    return ConversionModel(
        intercept=float(beta[0]),
        main=beta[1 : 1 + k].copy(),
        dose=beta[1 + k : 1 + 2 * k].copy(),
        pair=pair,
        coefficients=beta,
        pair_keys=pair_keys,
        link=link,
        fitted_on=basis,
    )
