"""The lean marketing-mix model: weekly outcome = baseline + Σ channel curves + noise.

Each channel's spend goes through geometric adstock and Hill saturation (:mod:`.transforms`) and
enters with a non-negative coefficient; the baseline is a level, a linear trend and two yearly
harmonics, free in sign (or, with ``season="months"``, a share of each calendar month per week
and the trend). The two curve parameters of a channel are chosen from a grid (decay
0 … 0.9, half-saturation 0.2 … 5 × the channel's mean effective spend) by coordinate descent: one
channel at a time, the candidate that most reduces the squared error once the other columns are
projected out (Frisch–Waugh), for a few sweeps. The coefficients are then a bounded least-squares
fit (SciPy ``lsq_linear``).

A channel's *incremental outcome* is what its curve adds over the weeks of the data (the outcome
minus the outcome had it spent nothing); its *ROAS* is that over its spend, ROI = ROAS − 1.
Intervals: a moving-block residual bootstrap (blocks of ⌈T^⅓⌉ weeks keep autocorrelation, the
residuals rescaled by √(T / (T − p)) for the fitted degrees of freedom) that refits the curves
and the coefficients on every replicate, so the interval carries the uncertainty of the adstock
and saturation choice too; 95 % percentile interval. Why this and not PyMC-Marketing: docs/mmm.md.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import lsq_linear
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from crmroi.mmm.transforms import Array, adstock, hill

DECAYS = np.round(np.arange(0.0, 0.91, 0.05), 2)
HALF_MULTIPLES = np.geomspace(0.2, 5.0, 24)
SWEEPS = 3


@dataclass(frozen=True)
class ChannelEstimate:
    """One channel's spend, incremental outcome and return, with 95 % intervals."""

    channel: str
    spend: float
    incremental: float
    incremental_low: float
    incremental_high: float
    roas: float
    roas_low: float
    roas_high: float
    decay: float
    half_saturation: float

    @property
    def roi(self) -> float:
        """Net return per unit of spend: ROAS − 1."""
        return self.roas - 1.0


@dataclass(frozen=True)
class MmmResult:
    """Every channel's estimate, the fit's R² and the baseline's share of the outcome."""

    channels: tuple[ChannelEstimate, ...]
    weeks: int
    r2: float
    baseline: float
    bootstrap: int

    def to_dict(self, value_per_unit: float | None = None) -> dict[str, object]:
        """Plain values for JSON.

        ``value_per_unit`` (money per lead or won deal, :mod:`crmroi.mmm.weekly`) turns a
        count outcome into money: each channel gains ``incremental_revenue`` (with ``_low``
        and ``_high``) and its ROAS and ROI are in money; ``incremental`` stays a count.
        """
        rows = [_row(c, value_per_unit) for c in self.channels]
        head: dict[str, object] = {"weeks": self.weeks, "r2": self.r2, "baseline": self.baseline,
                                   "bootstrap": self.bootstrap}  # fmt: skip
        if value_per_unit is not None:
            head["value_per_unit"] = value_per_unit
        return head | {"channels": rows}


def _row(c: ChannelEstimate, value: float | None) -> dict[str, object]:
    scale = 1.0 if value is None else value
    roas = (c.roas * scale, c.roas_low * scale, c.roas_high * scale)
    row = asdict(c) | {"roas": roas[0], "roas_low": roas[1], "roas_high": roas[2]}
    if value is not None:
        row |= {"incremental_revenue": c.incremental * value,
                "incremental_revenue_low": c.incremental_low * value,
                "incremental_revenue_high": c.incremental_high * value}  # fmt: skip
    return row | {"roi": roas[0] - 1, "roi_low": roas[1] - 1, "roi_high": roas[2] - 1}


@dataclass(frozen=True)
class _Candidates:
    """Every grid curve of one channel: columns (T × decays·halves) and their parameters."""

    columns: Array
    decay: Array
    half: Array


def _candidates(spend: Array) -> _Candidates:
    cols, decays, halves = [], [], []
    for d in DECAYS:
        effective = adstock(spend, float(d))
        positive = effective[effective > 0]
        scale = float(positive.mean()) if len(positive) else 1.0
        for k in HALF_MULTIPLES:
            cols.append(hill(effective, k * scale))
            decays.append(d)
            halves.append(k * scale)
    return _Candidates(np.column_stack(cols), np.array(decays), np.array(halves))


def baseline_design(weeks: int) -> Array:
    """Level, linear trend and two yearly harmonics (52.18 weeks a year)."""
    t = np.arange(weeks, dtype=float)
    w = 2 * math.pi * t / 52.1775
    trend = t / max(weeks - 1, 1) - 0.5
    return np.column_stack(
        [np.ones(weeks), trend, np.sin(w), np.cos(w), np.sin(2 * w), np.cos(2 * w)]
    )


def month_design(starts: pd.DatetimeIndex) -> Array:
    """Share of each week's seven days in each calendar month, and a linear trend.

    For outcomes whose season steps by calendar month (budgets, holidays, a quiet August), which
    two smooth harmonics miss: on the simulated company's leads they left residuals with a lag-1
    autocorrelation of 0.43 that the channels' spend soaked up; month shares leave 0.00. The
    twelve shares of a week sum to one, so together they are the level. Needs every calendar
    month in the data (:func:`fit_mmm` asks for two years).
    """
    weeks = len(starts)
    days = np.stack([np.asarray((starts + pd.Timedelta(days=d)).month) for d in range(7)], axis=1)
    shares = np.stack([(days == m).mean(axis=1) for m in range(1, 13)], axis=1)
    trend = np.arange(weeks, dtype=float) / max(weeks - 1, 1) - 0.5
    return np.column_stack([shares, trend])


def _select(
    y: Array, base: Array, cands: list[_Candidates], chosen: list[int], sweeps: int
) -> list[int]:
    """Coordinate descent over the channels' grid curves.

    Each channel in turn takes the curve that best explains what the baseline and the other
    channels leave (with a positive coefficient only).
    """
    chosen = list(chosen)
    for _ in range(sweeps):
        changed = False
        for c, cand in enumerate(cands):
            others = [cands[j].columns[:, chosen[j]] for j in range(len(cands)) if j != c]
            q, _r = np.linalg.qr(np.column_stack([base, *others]) if others else base)
            resid = y - q @ (q.T @ y)
            z = cand.columns - q @ (q.T @ cand.columns)
            num = z.T @ resid
            den = np.einsum("ij,ij->j", z, z)
            gain = np.where((num > 0) & (den > 1e-12), num**2 / np.maximum(den, 1e-12), 0.0)
            best = int(np.argmax(gain)) if gain.max() > 0 else chosen[c]
            changed |= best != chosen[c]
            chosen[c] = best
        if not changed:
            break
    return chosen


def _coefficients(y: Array, base: Array, media: Array) -> Array:
    design = np.column_stack([base, media])
    lower = np.r_[np.full(base.shape[1], -np.inf), np.zeros(media.shape[1])]
    return np.asarray(lsq_linear(design, y, bounds=(lower, np.inf)).x, dtype=float)


def _fit_once(
    y: Array, base: Array, cands: list[_Candidates], start: list[int], sweeps: int
) -> tuple[list[int], Array, Array]:
    """Chosen curves, all coefficients, and each channel's incremental outcome."""
    chosen = _select(y, base, cands, start, sweeps)
    media = np.column_stack([c.columns[:, i] for c, i in zip(cands, chosen, strict=True)])
    coef = _coefficients(y, base, media)
    beta = coef[base.shape[1] :]
    return chosen, coef, beta * media.sum(axis=0)


MONTHS_MIN_WEEKS = 104


def fit_mmm(
    spend: pd.DataFrame,
    outcome: pd.Series,
    *,
    bootstrap: int = 500,
    seed: int = 0,
    season: Literal["harmonics", "months"] = "harmonics",
) -> MmmResult:
    """Fit the model (module doc) to weekly ``spend`` (one column per channel) and ``outcome``.

    ``season="months"`` models the season by calendar month (:func:`month_design`); it needs
    the weeks as a DatetimeIndex on ``spend`` and at least two years of them.

    Channels are fitted in the order of their names, so the result does not depend on the
    order of the file's columns (coordinate descent would).
    """
    spend = spend[sorted(spend.columns, key=str)]
    # thousands of products of a few hundred rows: BLAS threads cost more than they give
    # (measured 0.2 s CPU with one thread, 8 s with two on a loaded machine)
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit(spend, outcome, bootstrap, seed, season)


def _baseline(spend: pd.DataFrame, season: str) -> Array:
    if season == "harmonics":
        return baseline_design(len(spend))
    if not isinstance(spend.index, pd.DatetimeIndex) or len(spend) < MONTHS_MIN_WEEKS:
        raise ValueError(
            f"a season by calendar month needs dated weeks, at least {MONTHS_MIN_WEEKS} "
            f"(two years); the data has {len(spend)}"
        )
    return month_design(spend.index)


def _fit(
    spend: pd.DataFrame, outcome: pd.Series, bootstrap: int, seed: int, season: str
) -> MmmResult:
    if len(spend) != len(outcome):
        raise ValueError(f"spend has {len(spend)} weeks but the outcome {len(outcome)}")
    weeks, n_ch = spend.shape
    if weeks < 3 * n_ch + 10:
        raise ValueError(
            f"{weeks} weeks are too few for {n_ch} channels: the model needs at least "
            f"{3 * n_ch + 10} (a level, trend and season, and three figures per channel)"
        )
    x = spend.to_numpy(dtype=float)
    if (x < 0).any() or not np.isfinite(x).all():
        raise ValueError("spend must be finite and not negative")
    y = outcome.to_numpy(dtype=float)
    base = _baseline(spend, season)
    cands = [_candidates(x[:, j]) for j in range(n_ch)]
    middle = len(HALF_MULTIPLES) * (len(DECAYS) // 2) + len(HALF_MULTIPLES) // 2
    chosen, coef, incr = _fit_once(y, base, cands, [middle] * n_ch, SWEEPS)
    media = np.column_stack([c.columns[:, i] for c, i in zip(cands, chosen, strict=True)])
    fitted = np.column_stack([base, media]) @ coef
    resid = y - fitted
    dof = weeks - base.shape[1] - 3 * n_ch
    resid = (resid - resid.mean()) * math.sqrt(weeks / max(dof, 1))
    draws = _bootstrap(fitted, resid, base, cands, [middle] * n_ch, bootstrap, seed)
    totals = x.sum(axis=0)
    low, high = np.percentile(draws, [2.5, 97.5], axis=0) if bootstrap else (incr, incr)
    channels = tuple(
        ChannelEstimate(
            channel=str(name),
            spend=float(totals[j]),
            incremental=float(incr[j]),
            incremental_low=float(low[j]),
            incremental_high=float(high[j]),
            roas=_ratio(incr[j], totals[j]),
            roas_low=_ratio(low[j], totals[j]),
            roas_high=_ratio(high[j], totals[j]),
            decay=float(cands[j].decay[chosen[j]]),
            half_saturation=float(cands[j].half[chosen[j]]),
        )
        for j, name in enumerate(spend.columns)
    )
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - float(((y - fitted) ** 2).sum()) / ss_tot if ss_tot else 0.0
    return MmmResult(channels, weeks, r2, float((base @ coef[: base.shape[1]]).sum()), bootstrap)


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b else math.nan


def _bootstrap(
    fitted: Array,
    resid: Array,
    base: Array,
    cands: list[_Candidates],
    start: list[int],
    replicates: int,
    seed: int,
) -> Array:
    """Incremental outcome per channel on each moving-block residual replicate."""
    weeks = len(fitted)
    block = max(1, math.ceil(weeks ** (1 / 3)))
    rng = np.random.default_rng(seed)
    out = np.empty((replicates, len(cands)))
    for b in range(replicates):
        starts = rng.integers(0, weeks - block + 1, size=math.ceil(weeks / block))
        idx = (starts[:, None] + np.arange(block)).ravel()[:weeks]
        out[b] = _fit_once(fitted + resid[idx], base, cands, start, SWEEPS)[2]
    return out
