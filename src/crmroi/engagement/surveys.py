"""Survey scores with confidence intervals: NPS, CSAT and CES, by any dimension.

Definitions (REFERENCE §3.4), on ``survey_responses`` rows of the survey kind:

* **NPS** (0–10): % promoters (9–10) − % detractors (0–6); passives (7–8) only in the
  denominator; −100 … +100. Interval: normal approximation (Wald) on the difference of two
  proportions of one multinomial sample, Var(p̂_P − p̂_D) = (p_P + p_D − (p_P − p_D)²) / n, so
  NPS ± z·100·√Var. ``method="adjusted"`` uses the adjusted Wald interval (add ¾ promoter,
  ¾ detractor and 3 answers before estimating; Rocks 2016), which behaves better for n < 50.
* **CSAT**: satisfied answers ÷ answers × 100; satisfied = the top two points of the scale
  (≥ 4 of 5; ``scale_max`` of the row, 5 if empty). Interval: Wilson score interval.
* **CES**: default the **mean** of the 1–7 agreement scale (CES 2.0) with a t interval;
  ``ces_definition="share"`` gives the % of answers ≥ 5 (Simplesat's adaptation), Wilson interval.

Answers without a score are excluded from every rate and counted in ``missing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from crmroi.engagement.periods import Grain, index_start, period_index
from crmroi.errors import AnalysisError
from crmroi.workspace import Workspace


class Dimension(StrEnum):
    """What a survey score can be broken down by."""

    survey = "survey"
    stage = "stage"
    segment = "segment"
    month = "month"


class CesDefinition(StrEnum):
    """Which CES definition: mean on 1–7 (default) or the share of answers ≥ 5."""

    mean = "mean"
    share = "share"


def responses(ws: Workspace, survey: str) -> ir.Table:
    """Answers to one survey kind, with ``segment`` from accounts and ``month`` as an index."""
    answers = ws.table("survey_responses")
    answers = answers.filter(answers.survey == survey)
    accounts = ws.table("accounts").select("account_id", "segment")
    joined = answers.left_join(accounts, "account_id")
    return joined.select(
        *[joined[c] for c in answers.columns],
        segment=joined.segment,
        month=period_index(joined.answered_at, Grain.month),
    )


COUNTS = ("responses", "missing", "answered", "promoters", "passives", "detractors",
          "satisfied", "easy")  # fmt: skip
"""Count columns: a sum over no rows is NULL in SQL, and 0 here."""


def _grouped(table: ir.Table, by: Sequence[Dimension], **metrics: ir.Value) -> pd.DataFrame:
    keys = [d.value for d in by]
    expr = table.group_by(keys).aggregate(**metrics) if keys else table.aggregate(**metrics)
    frame: pd.DataFrame = expr.to_pandas()
    for column in COUNTS:
        if column in frame:
            frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    if "month" in keys:
        frame["month"] = [index_start(int(i), Grain.month) for i in frame["month"]]
    return frame.sort_values(keys).reset_index(drop=True) if keys else frame


def nps(
    ws: Workspace,
    by: Sequence[Dimension] = (),
    *,
    confidence: float = 0.95,
    method: str = "wald",
) -> pd.DataFrame:
    """NPS with its interval, promoters, passives, detractors and missing answers per group."""
    t = responses(ws, "nps")
    s = t.score
    frame = _grouped(
        t,
        by,
        responses=t.count(),
        missing=s.isnull().sum(),
        promoters=(s >= 9).sum(),
        passives=((s >= 7) & (s < 9)).sum(),
        detractors=(s < 7).sum(),
    )
    frame["answered"] = frame["promoters"] + frame["passives"] + frame["detractors"]
    low, high, value = nps_interval(
        frame["promoters"], frame["detractors"], frame["answered"], confidence, method
    )
    frame["nps"] = value
    frame["nps_low"], frame["nps_high"] = low, high
    return frame


def nps_interval(
    promoters: pd.Series | np.ndarray | int,
    detractors: pd.Series | np.ndarray | int,
    n: pd.Series | np.ndarray | int,
    confidence: float = 0.95,
    method: str = "wald",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, high, nps) on the −100 … +100 scale; see the module docstring for the variance."""
    p_cnt = np.asarray(promoters, dtype=float)
    d_cnt = np.asarray(detractors, dtype=float)
    total = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = 100 * (p_cnt - d_cnt) / total
        if method == "adjusted":
            p_cnt, d_cnt, total = p_cnt + 0.75, d_cnt + 0.75, total + 3
        elif method != "wald":
            raise AnalysisError(f"unknown NPS interval method {method!r}: use wald or adjusted")
        pp, pd_ = p_cnt / total, d_cnt / total
        se = np.sqrt((pp + pd_ - (pp - pd_) ** 2) / total)
    z = _normal_quantile(confidence)
    centre = 100 * (pp - pd_)
    return (
        np.clip(centre - 100 * z * se, -100, 100),
        np.clip(centre + 100 * z * se, -100, 100),
        value,
    )


def _normal_quantile(confidence: float) -> float:
    """The normal quantile of a two-sided interval (``scipy.stats.norm.ppf`` without scipy.stats).

    SciPy is imported here, not at the top: ``crmroi cohorts``, ``retention`` and ``rfm`` load
    this module for its option types and need no SciPy (≈ 0.3 s of each process).
    """
    from scipy.special import ndtri

    return float(ndtri(0.5 + confidence / 2))


def wilson_interval(
    successes: pd.Series | np.ndarray, n: pd.Series | np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion (0–1)."""
    z = _normal_quantile(confidence)
    k = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / m
        centre = (p + z**2 / (2 * m)) / (1 + z**2 / m)
        half = z * np.sqrt(p * (1 - p) / m + z**2 / (4 * m**2)) / (1 + z**2 / m)
    return centre - half, centre + half


def csat(ws: Workspace, by: Sequence[Dimension] = (), *, confidence: float = 0.95) -> pd.DataFrame:
    """CSAT % (top-two-box) with a Wilson interval per group."""
    t = responses(ws, "csat")
    top = t.scale_max.fill_null(5.0) - 1
    frame = _grouped(
        t,
        by,
        responses=t.count(),
        missing=t.score.isnull().sum(),
        answered=t.score.notnull().sum(),
        satisfied=(t.score >= top).sum(),
    )
    low, high = wilson_interval(frame["satisfied"], frame["answered"], confidence)
    frame["csat"] = 100 * frame["satisfied"] / frame["answered"].replace(0, np.nan)
    frame["csat_low"], frame["csat_high"] = 100 * low, 100 * high
    return frame


def ces(
    ws: Workspace,
    by: Sequence[Dimension] = (),
    *,
    definition: CesDefinition = CesDefinition.mean,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """CES per group: mean on 1–7 with a t interval, or % of answers ≥ 5 with a Wilson interval."""
    t = responses(ws, "ces")
    s = t.score
    frame = _grouped(
        t,
        by,
        responses=t.count(),
        missing=s.isnull().sum(),
        answered=s.notnull().sum(),
        mean=s.mean(),
        sd=s.std(),
        easy=(s >= 5).sum(),
    )
    if CesDefinition(definition) is CesDefinition.share:
        low, high = wilson_interval(frame["easy"], frame["answered"], confidence)
        frame["ces"] = 100 * frame["easy"] / frame["answered"].replace(0, np.nan)
        frame["ces_low"], frame["ces_high"] = 100 * low, 100 * high
        return frame
    from scipy.special import stdtrit  # the t quantile, as scipy.stats.t.ppf computes it

    n = frame["answered"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        tq = stdtrit(np.maximum(n - 1, 1), 0.5 + confidence / 2)
        half = tq * frame["sd"].to_numpy(dtype=float) / np.sqrt(n)
    frame["ces"] = frame["mean"]
    frame["ces_low"], frame["ces_high"] = frame["mean"] - half, frame["mean"] + half
    return frame
