"""Run attribution models on journeys and keep the answer in one frozen result.

:func:`attribute` is the entry point the CLI, the ROI analysis and the report use: it builds the
journeys from the workspace (``journeys.py``), runs every requested model, adds bootstrap
intervals and keeps what is needed to explain each deal's credit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from crmroi.attribution import models as registry
from crmroi.attribution.heap import retained
from crmroi.attribution.hierarchy import labels
from crmroi.attribution.paths import BASELINE, Journeys
from crmroi.errors import AnalysisError

if TYPE_CHECKING:  # pandas loads with the first table asked for, not to run the models
    import pandas as pd

    from crmroi.attribution.journeys import WindowLoss
    from crmroi.workspace import Workspace

F64 = NDArray[np.float64]

TABLE_COLUMNS = (
    "key",
    "channel",
    "parent",
    "conversions",
    "revenue",
    "share",
    "share_low",
    "share_high",
)


@dataclass(frozen=True, eq=False)
class ModelResult:
    """One model's allocation: per key then the baseline, with its interval and method."""

    model: str
    conversions: F64
    revenue: F64
    share: F64
    share_low: F64
    share_high: F64
    interval_method: str


@dataclass(frozen=True, eq=False)
class AttributionResult:
    """Credit per key (channel, campaign or workflow) for each model, with intervals.

    ``share`` is the share of revenue (of conversions when there is no revenue); the last row
    of every table is the ``(baseline)`` bucket: conversions no channel explains (journeys
    without touches, and for ``data_driven`` the fitted no-touch conversion rate). Intervals
    are bootstrap percentiles (2.5 %, 97.5 %) and cover sampling noise only: they do not cover
    confounding or a wrong model, for which compare models with :meth:`model_spread`.

    ``parent`` names the channel of a campaign and the channel and campaign of a workflow
    (``email > Newsletter``; a key outside any campaign reads as inside its channel). The
    Shapley models and the rules nest: a parent's children add up to the parent's credit at
    the level above; ``markov`` runs its chain over the keys themselves and does not.
    """

    level: str
    conversions_source: str
    keys: tuple[str, ...]
    names: tuple[str, ...]
    results: Mapping[str, ModelResult]
    bootstrap: int
    lookback_days: int | None = None
    notes: tuple[str, ...] = ()
    """Caveats found in the data (an extrapolated baseline, negative credits …)."""
    parents: tuple[str | None, ...] = ()
    """Per key its parent (see above); empty at channel level."""
    window: WindowLoss | None = None
    """Conversions the lookback window sent to the baseline (set by :func:`attribute`)."""
    _journeys: Journeys | None = field(default=None, repr=False)
    _stats: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def journeys(self) -> Journeys | None:
        """The journeys the models ran on (None when not kept): reused by the report."""
        return self._journeys

    @property
    def models(self) -> tuple[str, ...]:
        """The model ids, in the order asked."""
        return tuple(self.results)

    def _result(self, model: str) -> ModelResult:
        try:
            return self.results[model]
        except KeyError:
            raise AnalysisError(
                f"model {model!r} was not run; run: {', '.join(self.results)}"
            ) from None

    @property
    def _parent_column(self) -> list[str | None]:
        return [*(self.parents or (None,) * len(self.keys)), None]

    def columns(self, model: str | None = None) -> dict[str, list[Any]]:
        """The table's columns (:data:`TABLE_COLUMNS`) as lists, keys then the baseline."""
        res = self._result(model or self.models[0])
        return {
            "key": [*self.keys, BASELINE],
            "channel": [*self.names, BASELINE],
            "parent": self._parent_column,
            "conversions": res.conversions.tolist(),
            "revenue": res.revenue.tolist(),
            "share": res.share.tolist(),
            "share_low": res.share_low.tolist(),
            "share_high": res.share_high.tolist(),
        }

    def table(self, model: str | None = None) -> pd.DataFrame:
        """Columns key, channel, parent, conversions, revenue, share, share_low, share_high."""
        import pandas as pd

        return pd.DataFrame(self.columns(model), columns=list(TABLE_COLUMNS))

    def credits(self, model: str | None = None) -> pd.DataFrame:
        """Per converted deal: deal_id, key, channel, parent, fraction, credit (sums to amount)."""
        from crmroi.attribution.credits import deal_credits

        model_id = model or self.models[0]
        self._result(model_id)
        if self._journeys is None:
            raise AnalysisError("this result keeps no journeys: per-deal credits are unavailable")
        return deal_credits(
            self._journeys,
            registry.get(model_id),
            self._stats[model_id],
            self.keys,
            self.names,
            self._parent_column,
        )

    def model_spread(self) -> pd.DataFrame:
        """Per key the lowest and highest share across the models run (model uncertainty)."""
        import pandas as pd

        shares = np.stack([r.share for r in self.results.values()])
        return pd.DataFrame(
            {
                "key": [*self.keys, BASELINE],
                "channel": [*self.names, BASELINE],
                "parent": self._parent_column,
                "share_min": shares.min(axis=0),
                "share_max": shares.max(axis=0),
            }
        )


def attribute_journeys(
    journeys: Journeys,
    *,
    models: Sequence[str] = ("data_driven",),
    bootstrap: int = 200,
    seed: int = 0,
    level: str = "channel",
    conversions: str = "deals",
    lookback_days: int | None = None,
) -> AttributionResult:
    """Run ``models`` on ready-made journeys (a path file, a simulated world, the workspace)."""
    if not models:
        raise AnalysisError("name at least one attribution model")
    if bootstrap < 0:
        raise AnalysisError("bootstrap replicates must be >= 0")
    with _lean():
        results, stats = _run(journeys, models, bootstrap, seed)
    return AttributionResult(
        level=level,
        conversions_source=conversions,
        keys=journeys.keys,
        names=journeys.names,
        results=results,
        bootstrap=bootstrap,
        lookback_days=lookback_days,
        notes=_notes(journeys, results),
        parents=labels(journeys.parents, journeys.n_keys),
        _journeys=journeys,
        _stats=stats,
    )


@contextmanager
def _lean() -> Iterator[None]:
    """One BLAS thread and small pages while the models run; both restored afterwards.

    The models' dense products are small (a few hundred coefficients): a second BLAS thread
    spins more CPU than it saves (10 channels: 3.1 s CPU for the fit with two, 0.13 s with one).
    NumPy asks the kernel for transparent huge pages on every array of 4 MB or more; where THP
    is in ``madvise`` mode (Debian's default) each fresh 2 MB page is compacted and zeroed on
    the first touch, and the models make many such arrays: at 30 channels that was 2.8–3.3 s
    of system CPU, 0.8–0.9 s without (`perf`: clear_page under do_huge_pmd_anonymous_page).
    Freed temporaries are kept for reuse (``heap.retained``): fresh small pages cost too.
    """
    core = getattr(np, "_core", None) or getattr(np, "core", None)  # NumPy 2, NumPy 1
    advise = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    previous = advise(False) if advise is not None else None
    try:
        with threadpool_limits(limits=1, user_api="blas"), retained():
            yield
    finally:
        if advise is not None:
            advise(previous)


def _run(
    journeys: Journeys, models: Sequence[str], bootstrap: int, seed: int
) -> tuple[dict[str, ModelResult], dict[str, Any]]:
    """Every model's allocation and interval, and its prepared statistics."""
    results: dict[str, ModelResult] = {}
    stats: dict[str, Any] = {}
    for index, model_id in enumerate(dict.fromkeys(models)):
        model = registry.get(model_id)
        prepared = model.prepare(journeys)
        allocation = model.allocate(prepared)
        share = allocation.shares()
        low = high = np.full_like(share, np.nan)
        if bootstrap:
            rng = np.random.default_rng([seed, index])
            replicates = model.replicate_shares(prepared, bootstrap, rng)
            low, high = np.percentile(replicates, [2.5, 97.5], axis=0)
        results[model_id] = ModelResult(
            model_id,
            allocation.conversions,
            allocation.revenue,
            share,
            low,
            high,
            model.interval_method,
        )
        stats[model_id] = prepared
    return results, stats


def _notes(journeys: Journeys, results: Mapping[str, ModelResult]) -> tuple[str, ...]:
    notes = []
    # no `lengths` and no full-length sum: both would touch ~0.3 GB of fresh memory at 20M
    empty = journeys.offsets[1:] == journeys.offsets[:-1]
    untouched = float(journeys.conversions.sum(where=empty) + journeys.nulls.sum(where=empty))
    if untouched == 0 and any(m in results for m in ("data_driven", "shapley_empirical")):
        notes.append(
            "no journey without touches: the (baseline) of the Shapley models is extrapolated "
            "by the model, not observed"
        )
    for model_id, res in results.items():
        negative = [n for n, share in zip(journeys.names, res.share, strict=False) if share < 0]
        if negative:
            notes.append(
                f"{model_id}: negative credit for {', '.join(negative[:5])}"
                f"{' …' if len(negative) > 5 else ''} (these journeys convert less often than "
                "comparable ones without them; check for touches that follow the outcome)"
            )
        outside = _outside_interval([*journeys.names, BASELINE], res)
        if outside:
            notes.append(
                f"{model_id}: the estimate of {', '.join(outside[:5])}"
                f"{' …' if len(outside) > 5 else ''} lies outside its own bootstrap interval: the "
                "fit is unstable on these data (few conversions per channel, or channels that "
                "always come together); read these shares with caution and compare the models"
            )
    return tuple(notes)


def _outside_interval(names: Sequence[str], res: ModelResult) -> list[str]:
    """Keys whose share lies outside [share_low, share_high].

    A percentile interval of a stable estimator brackets its estimate; one that does not is a
    sign of a biased or unstable fit.
    """
    tolerance = 1e-9
    below = res.share < res.share_low - tolerance
    above = res.share > res.share_high + tolerance
    return [name for name, bad in zip(names, below | above, strict=False) if bad]


def attribute(
    ws: Workspace,
    *,
    models: Sequence[str] = ("data_driven",),
    level: str = "channel",
    conversions: str = "deals",
    lookback_days: int = 90,
    bootstrap: int = 200,
    seed: int = 0,
) -> AttributionResult:
    """Which channels, campaigns or workflows brought in the revenue, per model.

    ``level``: channel, campaign or workflow. ``conversions``: ``deals`` (won deals; lost and
    open deals and leads without deals are the non-converting journeys) or ``orders``.
    Touches older than ``lookback_days`` before the conversion, or after it, are dropped; the
    first note says how many conversions that leaves to the baseline (``WindowLoss``).
    """
    from crmroi.attribution.journeys import journeys_and_loss

    journeys, loss = journeys_and_loss(
        ws, level=level, conversions=conversions, lookback_days=lookback_days
    )
    result = attribute_journeys(
        journeys,
        models=models,
        bootstrap=bootstrap,
        seed=seed,
        level=level,
        conversions=conversions,
        lookback_days=lookback_days,
    )
    note = loss.note()
    notes = (note, *result.notes) if note else result.notes
    return replace(result, notes=notes, window=loss)
