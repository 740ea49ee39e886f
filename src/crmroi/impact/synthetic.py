"""Synthetic control: one treated unit against a weighted mix of untreated donor units.

Abadie, Diamond & Hainmueller (2010), "Synthetic Control Methods for Comparative Case Studies",
*JASA* 105:493–505. The weights ``w`` (``w_j ≥ 0``, ``Σ w_j = 1``) minimise the pre-period
distance ``Σ_{t<g} (y_1t − Σ_j w_j y_jt)²`` (their eq. 4 with the pre-period outcomes as the only
predictors and ``V = I``); the gap ``y_1t − Σ_j w_j y_jt`` after go-live ``g`` is the effect,
its mean over the post months the monthly effect. Each unit enters relative to its own
pre-period mean, so units of different size compare (Abadie 2021, *J Econ Lit* 59:391–425, on
rescaling); results are given back in the outcome's unit with the treated unit's pre-period mean.

Inference, two ways, because a CRM rarely has more than a handful of donor teams:

* **Interval** by conformal inference (Chernozhukov, Wüthrich & Zhu 2021, *JASA*
  116:1849–1864, §2–3): under a constant monthly effect ``θ``, subtract ``θ`` from the post
  months, refit the weights on *all* months and take the residuals ``u``; the statistic
  ``S(u) = Σ_post |u_t|`` is compared with its value when the months are permuted (their i.i.d.
  permutations: 999 random orders and the identity), ``p(θ) = share with S ≥ S(u)``; the 95 %
  set is ``{θ : p(θ) > 0.05}``, found on a grid and by bisection. Valid with any number of
  donors when the monthly deviations are exchangeable over time.
* **In-space placebo** (Abadie et al. 2010, §2.4): each donor in turn is the treated unit (the
  other donors its donors); the p-value is the share of units whose post/pre RMSPE ratio is at
  least the treated unit's. Its smallest value is ``1/(J + 1)``, so it can only reject with many
  donors; it is printed as a diagnostic.

Written here on SciPy rather than taken from ``pysyncon`` (the maintained Python package): the
weights are one small quadratic programme, while ``pysyncon`` imports matplotlib (~45 MB, 1.1 s
at import) and gives conformal intervals per month, not for the whole post period.
``pysyncon`` is the test oracle for the weights (``tests/impact/test_synthetic.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize

Array = npt.NDArray[np.float64]
ALPHA = 0.05
BISECTIONS = 30
GRID = 33
PERMUTATIONS = 1000


def simplex_weights(target: Array, donors: Array) -> Array:
    """``w ≥ 0, Σ w = 1`` minimising ``‖target − donors @ w‖²`` (SLSQP, analytic gradient)."""
    n = donors.shape[1]
    if n == 1:
        return np.ones(1)
    gram, cross = donors.T @ donors, donors.T @ target
    scale = max(float(np.abs(gram).max()), 1e-300)  # the optimum does not depend on it

    def loss(w: Array) -> float:
        return float(w @ gram @ w - 2 * cross @ w) / scale

    def grad(w: Array) -> Array:
        return np.asarray(2 * (gram @ w - cross) / scale, dtype=np.float64)

    fit = optimize.minimize(
        loss,
        np.full(n, 1.0 / n),
        jac=grad,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * n,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(n)}],
        options={"ftol": 1e-14, "maxiter": 500},
    )
    weights: Array = np.clip(np.asarray(fit.x, dtype=np.float64), 0.0, None)
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def _gaps(treated: Array, donors: Array, fit_rows: int) -> tuple[Array, Array]:
    """Weights fitted on the first ``fit_rows`` months and the gaps of every month."""
    weights = simplex_weights(treated[:fit_rows], donors[:fit_rows])
    return weights, treated - donors @ weights


@cache
def _permutations(n: int) -> npt.NDArray[np.int64]:
    """The identity and ``PERMUTATIONS − 1`` random orders of ``n`` months (fixed seed)."""
    rng = np.random.default_rng(0)
    orders = np.vstack(
        [np.arange(n), rng.permuted(np.tile(np.arange(n), (PERMUTATIONS - 1, 1)), axis=1)]
    )
    orders.setflags(write=False)  # cached: shared by every call
    return orders


def conformal_p_value(treated: Array, donors: Array, n_pre: int, theta: float) -> float:
    """``p(θ)`` of the module doc, with weights refitted on every month under ``θ``.

    The share of permutations of the months whose post-period |residual| sum is at least the
    observed one.
    """
    adjusted = treated.copy()
    adjusted[n_pre:] -= theta
    _, residuals = _gaps(adjusted, donors, len(adjusted))
    orders = _permutations(len(residuals))
    # row k: the |residuals| that the k-th order puts in the post months (row 0: as observed)
    stats = np.abs(residuals)[orders[:, n_pre:]].sum(axis=1)
    return float(np.mean(stats >= stats[0] - 1e-12 * max(stats[0], 1.0)))


def _edge(treated: Array, donors: Array, n_pre: int, inside: float, step: float) -> float | None:
    """The bound of ``{θ : p(θ) > α}`` from ``inside`` in the direction of ``step``."""
    outside = inside + step
    for _ in range(60):
        if conformal_p_value(treated, donors, n_pre, outside) <= ALPHA:
            break
        inside, outside = outside, outside + 2 * (outside - inside)
    else:
        return None
    for _ in range(BISECTIONS):
        middle = (inside + outside) / 2
        if conformal_p_value(treated, donors, n_pre, middle) > ALPHA:
            inside = middle
        else:
            outside = middle
    return (inside + outside) / 2


def conformal_interval(
    treated: Array, donors: Array, n_pre: int, centre: float, scale: float
) -> tuple[float, float] | None:
    """95 % set of the constant monthly effect (its hull); None when it is empty.

    The set need not contain ``centre`` nor be an interval, so it is first looked for on a grid
    of ``centre ± 8 scale``; its lowest and highest points found there are then pushed outwards
    to the edge by bisection.
    """
    grid = centre + max(scale, 1e-9) * np.linspace(-8.0, 8.0, GRID)
    inside = [g for g in grid if conformal_p_value(treated, donors, n_pre, float(g)) > ALPHA]
    if not inside:
        return None
    step = float(grid[1] - grid[0])
    low = _edge(treated, donors, n_pre, float(inside[0]), -step)
    high = _edge(treated, donors, n_pre, float(inside[-1]), step)
    return None if low is None or high is None else (low, high)


def _rmspe_ratio(treated: Array, donors: Array, n_pre: int) -> float:
    _, gaps = _gaps(treated, donors, n_pre)
    pre = float(np.sqrt(np.mean(gaps[:n_pre] ** 2)))
    post = float(np.sqrt(np.mean(gaps[n_pre:] ** 2)))
    return post / max(pre, 1e-12 * max(post, 1e-300))


def space_placebo_p_value(outcomes: Array, n_pre: int) -> float:
    """Rank p-value of the treated unit (column 0) among every unit's post/pre RMSPE ratio."""
    units = outcomes.shape[1]
    ratios = [_rmspe_ratio(outcomes[:, 0], outcomes[:, 1:], n_pre)]
    for j in range(1, units):
        others = [k for k in range(1, units) if k != j]
        ratios.append(_rmspe_ratio(outcomes[:, j], outcomes[:, others], n_pre))
    return float(np.mean(np.asarray(ratios) >= ratios[0] * (1 - 1e-9)))


@dataclass(frozen=True)
class SyntheticFit:
    """A synthetic control's result, in the outcome's unit per month."""

    effect: float
    """Mean gap over the post months: the monthly effect."""
    low: float | None
    high: float | None
    """95 % conformal interval of a constant monthly effect (None: fewer than 20 months)."""
    p_value: float
    """Conformal p-value of no effect."""
    space_p_value: float | None
    """In-space placebo p-value (None with a single donor)."""
    weights: dict[str, float]
    gaps: pd.Series
    """Treated − synthetic, every month."""
    synthetic: pd.Series
    pre_rmspe: float
    pre_mean: float
    """The treated unit's mean month before go-live: the scale of the outcomes."""
    n_pre: int


def synthetic_control(panel: pd.DataFrame, treated: str, go_live: pd.Timestamp) -> SyntheticFit:
    """Synthetic control of column ``treated`` of ``panel`` (months × units) from ``go_live`` on.

    Donors are the other columns whose pre-period mean is positive. Raises ``ValueError`` when
    the treated unit has no outcome before go-live or there is no donor or no post month.
    """
    months = pd.DatetimeIndex(panel.index)
    n_pre = int((months < go_live).sum())
    pre_mean = panel.iloc[:n_pre].mean()
    donors = [c for c in panel.columns if c != treated and pre_mean[c] > 0]
    if n_pre < 2 or n_pre == len(panel) or not pre_mean[treated] > 0 or not donors:
        raise ValueError("needs months before and after go-live, an outcome and a donor")
    scaled = (panel[[treated, *donors]] / pre_mean[[treated, *donors]]).to_numpy(dtype=float)
    y, x = scaled[:, 0], scaled[:, 1:]
    weights, gaps = _gaps(y, x, n_pre)
    centre = float(gaps[n_pre:].mean())
    pre_rmspe = float(np.sqrt(np.mean(gaps[:n_pre] ** 2)))
    bounds = conformal_interval(y, x, n_pre, centre, max(pre_rmspe, abs(centre) / 10))
    scale = float(pre_mean[treated])
    return SyntheticFit(
        effect=centre * scale,
        low=None if bounds is None else bounds[0] * scale,
        high=None if bounds is None else bounds[1] * scale,
        p_value=conformal_p_value(y, x, n_pre, 0.0),
        space_p_value=space_placebo_p_value(scaled, n_pre) if len(donors) > 1 else None,
        weights={str(d): float(w) for d, w in zip(donors, weights, strict=True)},
        gaps=pd.Series(gaps * scale, index=months),
        synthetic=pd.Series((x @ weights) * scale, index=months),
        pre_rmspe=pre_rmspe * scale,
        pre_mean=scale,
        n_pre=n_pre,
    )
