"""The design matrix of the conversion model: main effects, log-counts and channel pairs.

Built straight into CSR arrays from a pattern table, once per fit and reused for the one-step
Hessian and the delta method's Shapley map; its Gram products are split into dense slabs for the
leading block and weighted cell counts for the 0/1 pair block (:mod:`crmroi.attribution.
conversion_model` fits on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from crmroi.attribution.patterns import Patterns

if TYPE_CHECKING:
    from crmroi.attribution.conversion_model import FitSettings

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

_DENSE_CELLS = 20_000_000
_DENSE_PAIRS = 1 << 22  # K² up to this: pair keys are looked up in a table, not sorted
_SLAB_CELLS = 1 << 20  # cells of a Gram product's temporaries at once (8 MB)
_SLAB_ROWS = 16_384  # rows of the design made dense at once in a Gram product (~8 MB at K=30)
_CHEAP_GRAM = 200_000_000  # multiply-adds: below, every Newton step forms its Hessian


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
