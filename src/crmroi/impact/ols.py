"""Least squares with robust influence functions, so several models share one covariance.

Each fit returns its coefficients and per-row influence ``(X'X)⁺ x_i e_i``. Summing the stacked
influences of several models within clusters gives their joint cluster-robust covariance, cross
terms included, which the delta method needs when it combines them; with the CR1 small-sample
factor ``G/(G−1) · (N−1)/(N−K)`` (Cameron & Miller 2015, "A Practitioner's Guide to
Cluster-Robust Inference", J Human Resources 50:317–372, eq. 11). With few clusters (a sales team
has tens of reps) that covariance is noisy and biased down, so :func:`joint_cov` also returns the
heteroskedasticity-robust HC1 one (``N/(N−K)``), and callers take the larger variance
(Angrist & Pischke 2009, *Mostly Harmless Econometrics*, §8.2.3: use the larger of two SEs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Fit:
    """Coefficients, fitted values and influence rows of one least-squares fit."""

    params: Matrix
    fitted: Matrix
    influence: Matrix
    """n × k; rows of observations left out of the fit are zero."""
    n: int
    k: int


def ols(x: Matrix, y: Matrix, rows: npt.ArrayLike | None = None) -> Fit:
    """OLS of ``y`` on ``x`` over ``rows`` (all when None); ``x`` may be rank-deficient."""
    use = None if rows is None else np.asarray(rows, dtype=bool)
    xs, ys = (x, y) if use is None else (x[use], y[use])  # no n × k copy when all rows count
    bread = np.linalg.pinv(xs.T @ xs)
    params = bread @ (xs.T @ ys)
    resid = ys - xs @ params
    if use is None:
        influence = (xs * resid[:, None]) @ bread
    else:
        influence = np.zeros((len(y), x.shape[1]))
        influence[use] = (xs * resid[:, None]) @ bread
    return Fit(params, x @ params, influence, len(ys), rank(xs))


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


def joint_cov(fits: Sequence[Fit], clusters: npt.ArrayLike) -> tuple[Matrix, Matrix]:
    """The CR1 (clustered) and HC1 covariance of all the fits' coefficients, stacked in order.

    Both are Gram matrices of the raw influences scaled per fit afterwards (the factors are
    constants per column), so the n × K influences are stacked once and never rescaled: on
    100k deals and K ≈ 170 those copies cost more than the products.
    """
    codes = pd.factorize(np.asarray(clusters))[0]
    g, n = int(codes.max()) + 1, len(codes)
    cr_scale, hc_scale = [], []
    for fit in fits:
        dof = (fit.n - 1) / max(fit.n - fit.k, 1)
        width = fit.influence.shape[1]
        cr_scale.append(np.full(width, np.sqrt(g / max(g - 1, 1) * dof)))
        hc_scale.append(np.full(width, np.sqrt(fit.n / max(fit.n - fit.k, 1))))
    raw = fits[0].influence if len(fits) == 1 else np.hstack([fit.influence for fit in fits])
    member = sparse.csr_array((np.ones(n), (codes, np.arange(n))), shape=(g, n))
    sums = np.asarray(member @ raw)
    cr, hc = np.concatenate(cr_scale), np.concatenate(hc_scale)
    return (sums.T @ sums) * np.outer(cr, cr), (raw.T @ raw) * np.outer(hc, hc)
