"""Sufficient statistics of set-based models: journeys grouped by the channels they touched.

Shapley models only care which channels a journey touched and how often, not in which order. So
the journeys collapse to *patterns*: a set of members (channel code, touch count capped at
``cap``) with the number of journeys, conversions and revenue that share it. A million journeys
over a dozen channels give a few thousand patterns; every fit, lattice and bootstrap replicate
runs on those.

Grouping is done without path strings: per-journey member counts come from a sparse matrix
(journey x channel), and each pattern is identified by a sum of random 64-bit tags, one per
(channel, capped count) member (collision probability ~ P^2 / 2^64).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from crmroi.attribution.paths import Journeys

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Patterns:
    """Journeys grouped by their (channel, capped count) members.

    Pattern ``p`` has members ``codes[offsets[p]:offsets[p+1]]`` (ascending) touched
    ``counts[...]`` times; ``journeys`` journeys of that pattern, ``conversions`` of them
    converted, bringing ``value``. ``inverse`` maps each journey to its pattern.
    """

    n_keys: int
    offsets: I64
    codes: NDArray[np.int32]
    counts: NDArray[np.int32]
    journeys: F64
    conversions: F64
    value: F64
    inverse: I64

    @property
    def n_patterns(self) -> int:
        """Number of distinct patterns."""
        return int(self.journeys.shape[0])

    @property
    def sizes(self) -> I64:
        """Number of distinct channels per pattern."""
        return np.diff(self.offsets)

    def with_outcomes(self, journeys: F64, conversions: F64, value: F64) -> Patterns:
        """The same patterns with resampled outcomes (for the bootstrap)."""
        return Patterns(
            self.n_keys,
            self.offsets,
            self.codes,
            self.counts,
            journeys,
            conversions,
            value,
            self.inverse,
        )


def member_matrix(journeys: Journeys) -> sp.csr_matrix:
    """Journey x channel matrix of touch counts (sparse, int32)."""
    n, k = journeys.n_journeys, max(journeys.n_keys, 1)
    ones = np.ones(journeys.codes.shape[0], dtype=np.int32)
    # copies: sum_duplicates sorts and compacts indices and indptr in place
    matrix = sp.csr_matrix(
        (ones, journeys.codes.copy(), journeys.offsets.copy()), shape=(n, k), copy=False
    )
    matrix.sum_duplicates()
    return matrix


def build_patterns(journeys: Journeys, *, cap: int = 4, seed: int = 20180801) -> Patterns:
    """Group journeys into patterns of (channel, min(count, cap)) members."""
    if journeys.n_keys > 0 and (cap + 1) ** journeys.n_keys <= _DENSE_CODES:
        return _dense_patterns(journeys, cap)
    members = member_matrix(journeys)
    counts = np.minimum(members.data, cap).astype(np.int64)
    tags = np.random.default_rng(seed).integers(
        1, np.iinfo(np.int64).max, size=(max(journeys.n_keys, 1), cap + 1), dtype=np.int64
    )
    member_tag = tags[members.indices, counts].view(np.uint64)
    row_tag = np.zeros(journeys.n_journeys, dtype=np.uint64)
    nonempty = np.diff(members.indptr) > 0
    if member_tag.size:
        row_tag[nonempty] = np.add.reduceat(member_tag, members.indptr[:-1][nonempty])
    _, first, inverse = np.unique(row_tag, return_index=True, return_inverse=True)
    inverse = inverse.astype(np.int64).ravel()
    starts = members.indptr[first]
    sizes = members.indptr[first + 1] - starts
    offsets = np.zeros(first.shape[0] + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    take = np.repeat(starts - offsets[:-1], sizes) + np.arange(int(offsets[-1]))
    return _with_totals(
        journeys,
        offsets,
        members.indices[take].astype(np.int32),
        counts[take].astype(np.int32),
        inverse,
        first.shape[0],
    )


_DENSE_CODES = 1 << 24
_DENSE_CHUNK = 1 << 18  # journeys per chunk: its count array stays under ~20 MB


def _dense_patterns(journeys: Journeys, cap: int) -> Patterns:
    """Few channels: encode each journey's capped counts as base-(cap+1) digits, no sorting."""
    k, n = journeys.n_keys, journeys.n_journeys
    base = cap + 1
    powers = base ** np.arange(k, dtype=np.int64)
    weights = powers.astype(np.float64)  # BLAS matmul; codes < 2**24 are exact in float64
    code = np.empty(n, dtype=np.int64)
    for start in range(0, n, _DENSE_CHUNK):
        stop = min(n, start + _DENSE_CHUNK)
        lo, hi = journeys.offsets[start], journeys.offsets[stop]
        # journey of each touch, per chunk: caching it for all touches would hold 4 bytes each
        rows = np.repeat(np.arange(stop - start) * k, np.diff(journeys.offsets[start : stop + 1]))
        cell = rows + journeys.codes[lo:hi]
        counts = np.bincount(cell, minlength=(stop - start) * k)
        np.minimum(counts, cap, out=counts)
        code[start:stop] = (counts.reshape(stop - start, k) @ weights).astype(np.int64)
    # a flag per possible code (1 byte each), not a count and a lookup table (8 bytes each):
    # fresh memory is most of the cost here (5^10 codes at 10 channels)
    present = np.zeros(int(base**k), dtype=bool)
    present[code] = True
    distinct = np.flatnonzero(present)
    digits = (distinct[:, None] // powers) % base
    sizes = (digits > 0).sum(axis=1)
    offsets = np.zeros(distinct.shape[0] + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    rows, cols = np.nonzero(digits)
    return _with_totals(
        journeys,
        offsets,
        cols.astype(np.int32),
        digits[rows, cols].astype(np.int32),
        np.searchsorted(distinct, code),
        distinct.shape[0],
    )


def _with_totals(
    journeys: Journeys,
    offsets: I64,
    codes: NDArray[np.int32],
    counts: NDArray[np.int32],
    inverse: I64,
    p: int,
) -> Patterns:
    total = journeys.conversions + journeys.nulls
    return Patterns(
        n_keys=journeys.n_keys,
        offsets=offsets,
        codes=codes,
        counts=counts,
        journeys=np.asarray(np.bincount(inverse, total, p), dtype=np.float64),
        conversions=np.asarray(np.bincount(inverse, journeys.conversions, p), dtype=np.float64),
        value=np.asarray(np.bincount(inverse, journeys.value, p), dtype=np.float64),
        inverse=inverse,
    )


def poisson_resample(patterns: Patterns, rng: np.random.Generator) -> Patterns:
    """One Poisson bootstrap replicate: converted and non-converted counts drawn per pattern.

    Every journey gets a Poisson(1) weight; summed over the c conversions of a pattern that is
    Poisson(c), and likewise for its non-converting journeys. Revenue scales with the drawn
    conversions at the pattern's mean deal value. Sampling uncertainty only: it says nothing
    about confounding or a wrong model.
    """
    conv = rng.poisson(patterns.conversions).astype(np.float64)
    null = rng.poisson(np.maximum(patterns.journeys - patterns.conversions, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_value = np.where(patterns.conversions > 0, patterns.value / patterns.conversions, 0.0)
    return patterns.with_outcomes(conv + null, conv, conv * mean_value)
