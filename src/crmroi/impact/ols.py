"""Least squares with robust covariances, so several models share one covariance.

Each fit's influence of row i is ``(X'X)⁺ x_i e_i``. Summing the stacked influences of several
models within clusters gives their joint cluster-robust covariance, cross terms included, which
the delta method needs when it combines them; with the CR1 small-sample factor
``G/(G−1) · (N−1)/(N−K)`` (Cameron & Miller 2015, "A Practitioner's Guide to Cluster-Robust
Inference", J Human Resources 50:317–372, eq. 11). With few clusters (a sales team has tens of
reps) that covariance is noisy and biased down, so :func:`joint_cov` also returns the
heteroskedasticity-robust HC1 one (``N/(N−K)``), and callers take the larger variance
(Angrist & Pischke 2009, *Mostly Harmless Econometrics*, §8.2.3: use the larger of two SEs).

The observations are grouped into :class:`Cells` of identical design rows within one cluster,
and every product runs over the cells: ``X'X = Σ_c n_c x_c x_c'``, the cluster sums of the
influences are ``(X'X)⁺ Σ_c x_c Σ_{i∈c} e_i``, and the HC1 meat is ``Σ_c x_c x_c' Σ_{i∈c} e_i²``.
A design of owner, segment and month dummies over the large simulated company's 105k deals has
about 1,200 distinct rows: its six fits and their covariances cost 1.9 s of CPU with n × k
matrices (the n × 170 stacked influences alone were 140 MB), a few hundredths over the cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

Matrix = npt.NDArray[np.float64]
Codes = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Cells:
    """Observations grouped by identical design rows, each cell within one cluster."""

    index: Codes
    """Observation → its cell."""
    cluster: Codes
    """Cell → its cluster's code."""
    groups: int
    """Number of clusters (of all observations)."""

    @classmethod
    def of(cls, keys: pd.DataFrame, cluster: str) -> Cells:
        """Cells of the distinct rows of ``keys``, the columns the design is built from.

        ``cluster`` must be one of them, so that a cell never spans two clusters.
        """
        if cluster not in keys.columns:
            raise ValueError(f"the cluster column {cluster!r} must be one of the keys")
        index = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup().to_numpy()
        codes = pd.factorize(keys[cluster], use_na_sentinel=False)[0]
        first = _first(np.asarray(index, dtype=np.intp))
        return cls(np.asarray(index, dtype=np.intp), codes[first], int(codes.max()) + 1)

    @classmethod
    def each(cls, clusters: npt.ArrayLike) -> Cells:
        """One cell per observation (a design with continuous columns)."""
        codes = pd.factorize(np.asarray(clusters), use_na_sentinel=False)[0]
        return cls(np.arange(len(codes)), codes, int(codes.max()) + 1 if len(codes) else 0)

    @property
    def size(self) -> int:
        """Number of cells."""
        return len(self.cluster)

    @property
    def first(self) -> Codes:
        """One observation of every cell, in cell order (build a cell's design row from it)."""
        return _first(self.index)

    def sum(self, values: npt.ArrayLike) -> Matrix:
        """Per cell, the sum of ``values`` over its observations."""
        sums = np.bincount(self.index, np.asarray(values, dtype=float), minlength=self.size)
        return np.asarray(sums, dtype=np.float64)


def _first(index: Codes) -> Codes:
    """The first observation of each cell (codes 0, 1, … in order)."""
    return np.asarray(np.unique(index, return_index=True)[1], dtype=np.intp)


@dataclass(frozen=True)
class Fit:
    """Coefficients, fitted values and residuals of one least-squares fit over cells."""

    params: Matrix
    fitted: Matrix
    """Per observation."""
    resid: Matrix
    """Per observation; zero for observations left out of the fit."""
    bread: Matrix
    design: Matrix
    """Cells × k: each cell's design row."""
    cells: Cells
    n: int
    k: int


def ols(x: Matrix, y: Matrix, cells: Cells, rows: npt.ArrayLike | None = None) -> Fit:
    """OLS of ``y`` on the cells' design rows ``x`` over ``rows`` (all when None).

    ``x`` may be rank-deficient (the pseudo-inverse, and the rank for the degrees of freedom).
    """
    use = np.ones(len(y), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    weight = cells.sum(use)
    bread = np.asarray(np.linalg.pinv(x.T @ (x * weight[:, None])), dtype=np.float64)
    params = bread @ (x.T @ cells.sum(np.where(use, y, 0.0)))
    fitted = (x @ params)[cells.index]
    resid = np.where(use, y - fitted, 0.0)
    return Fit(params, fitted, resid, bread, x, cells, int(use.sum()), rank(x[weight > 0]))


def rank(x: Matrix) -> int:
    """Rank of ``x`` from its distinct rows: the same row space, far fewer rows.

    A design of dummies and a few 0/1 terms over 100k deals has about a thousand distinct rows;
    the SVD of all rows cost seconds per fit on the large simulated company. Rows are told
    apart by a random projection (two distinct rows meet only by a coincidence of floats; a
    row kept twice changes nothing).
    """
    if not x.shape[0]:
        return 0
    keys = x @ np.random.default_rng(0).standard_normal(x.shape[1])
    _, first = np.unique(keys, return_index=True)
    return int(np.linalg.matrix_rank(x[np.sort(first)]))


def joint_cov(fits: Sequence[Fit]) -> tuple[Matrix, Matrix]:
    """The CR1 (clustered) and HC1 covariance of all the fits' coefficients, stacked in order.

    The fits share their cells. Both are Gram matrices of the influences, formed over the
    cells (module doc) and scaled per fit afterwards (the factors are constants per column).
    """
    cells = fits[0].cells
    if any(fit.cells is not cells for fit in fits):
        raise ValueError("joint_cov needs fits over the same cells")
    g = cells.groups
    sums, cr_scale, hc_scale = [], [], []
    for fit in fits:
        dof = (fit.n - 1) / max(fit.n - fit.k, 1)
        width = fit.design.shape[1]
        cr_scale.append(np.full(width, np.sqrt(g / max(g - 1, 1) * dof)))
        hc_scale.append(np.full(width, np.sqrt(fit.n / max(fit.n - fit.k, 1))))
        scores = fit.design * cells.sum(fit.resid)[:, None]
        by_cluster = np.zeros((g, width))
        np.add.at(by_cluster, cells.cluster, scores)
        sums.append(by_cluster @ fit.bread)
    stacked = np.hstack(sums)
    blocks = [
        [
            a.bread.T @ (a.design.T @ (b.design * cells.sum(a.resid * b.resid)[:, None])) @ b.bread
            for b in fits
        ]
        for a in fits
    ]
    cr, hc = np.concatenate(cr_scale), np.concatenate(hc_scale)
    return (stacked.T @ stacked) * np.outer(cr, cr), np.block(blocks) * np.outer(hc, hc)
