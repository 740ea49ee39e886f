"""The data-driven model's Shapley values as a linear map of its coefficients, on its design.

For the identity link v(S) = β₀ + Σ_{c∈S} (a_c + d_c log k_c) + Σ_{c<c'∈S} g_cc' is linear with
pairwise terms, so a member's Shapley value is its own terms plus half of each of its pairs':
φ = A β. The fit's design X already holds every one of those terms as an entry (``Design``), so
A is read off X instead of being built: the point estimate (``shapley.model_driven``) and the
delta method's derivatives (``delta.py``) both apply it there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

if TYPE_CHECKING:
    from crmroi.attribution.design import Design

F64 = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ShapleyMap:
    """A with φ = A β: each member's Shapley value as a linear map of the coefficients.

    Never formed as a matrix. Every entry of the design X belongs to one member (its main or
    dose entry) or to the two members of a pair (the intercept to none), and A is those entries
    shared equally among their members: "main + dose·log k + half of every pair term",
    ``shapley.model_driven``'s closed form. Read off X's entries (``Design.members``), A's
    products are weighted counts, and "A summed over a pattern's members" is X reweighted entry
    by entry, on X's own sparsity: no matrix of A's millions of entries, no sparse products to
    build it, and no array longer than X's entries.
    """

    x: sp.csr_matrix
    members: NDArray[np.int32]
    """Each entry's member and pair partner (2 × entries); none: ``size``, a bin to drop."""
    share: F64
    """Per column, the part of an entry each member takes: 1, a half for a pair's."""
    size: int
    n_keys: int
    keys: NDArray[np.int64]
    """The key of each column's member and of its pair partner (2 × coefficients)."""

    @classmethod
    def of(cls, basis: Design) -> ShapleyMap:
        """The map on the design's entries."""
        width = basis.x.shape[1]
        pairs = basis.pair_keys.shape[0]
        k = (width - 1 - pairs) // 2
        share = np.ones(width)
        share[1 + 2 * k :] = 0.5
        own = np.concatenate([[0], np.arange(k), np.arange(k)])  # intercept: no member, key 0
        first, second = np.divmod(basis.pair_keys, max(k, 1))
        keys = np.stack([np.append(own, first), np.append(own, second)])
        return cls(basis.x, basis.members, share, basis.codes.shape[0], k, keys)

    def apply(self, beta: F64) -> F64:
        """φ = A β: every member's Shapley value."""
        part = (self.share * beta)[self.x.indices]
        part *= self.x.data
        first, second = self.members
        whole = np.bincount(first, part, self.size + 1)
        whole += np.bincount(second, part, self.size + 1)
        return np.asarray(whole[: self.size], dtype=np.float64)

    def by_key(self, weight: F64) -> F64:
        """Σ_m weight_m A_m over each key's members (keys × coefficients, dense).

        A column's members all have the same key (its channel; a pair's first or second), so
        the sums by column, one per side, are the sums by key.
        """
        width = self.x.shape[1]
        weights = np.append(weight, 0.0)  # the bin past the members weighs 0
        out = np.zeros((self.n_keys, width))
        columns = np.arange(width)
        for side, keys in zip(self.members, self.keys, strict=True):
            part = weights[side]
            part *= self.x.data
            out[keys, columns] += np.bincount(self.x.indices, part, width) * self.share
        return out

    def summed(self, weight: F64, intercept: float) -> sp.csr_matrix:
        """Σ_{m ∈ p} weight_m A_m per pattern p, and ``intercept`` in column 0 of every row."""
        weights = np.append(weight, 0.0)
        first, second = self.members
        data = weights[first]
        data += weights[second]
        data *= self.x.data
        data[second < self.size] *= 0.5  # a pair's entry, shared by its two members
        data[self.x.indptr[:-1]] = intercept  # every row's first entry is its intercept
        return sp.csr_matrix((data, self.x.indices, self.x.indptr), shape=self.x.shape)
