"""KPI definitions as data: one frozen ``Metric`` per KPI, kept in a registry.

A definition says what the KPI means (labels, unit, which direction is better, which date puts a
record into a period, the dimensions it can be sliced by) and how to build it (an Ibis expression
builder). The builder's docstring is the KPI's documentation: the formula, the conventions chosen
where the sources disagree, and the source. Built-in KPIs register through :func:`kpi`, the same
path an extension uses::

    @kpi("won_revenue", en="Won revenue", de="Gewonnener Umsatz", unit=Unit.currency, ...)
    def won_revenue(ctx: QueryContext) -> ir.Table:
        '''Σ amount of the deals won in the period ...'''
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import TYPE_CHECKING

from crmroi.errors import AnalysisError

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from crmroi.metrics.context import QueryContext

Builder = Callable[["QueryContext"], "ir.Table"]


class Unit(Enum):
    """What a KPI's value counts or measures."""

    currency = "currency"
    count = "count"
    share = "share"
    """A fraction from 0 to 1 (show it ×100 as a percentage)."""
    ratio = "ratio"
    """A multiple, e.g. 3.0 for a 3:1 LTV:CAC."""
    days = "days"
    hours = "hours"
    points = "points"
    """NPS points, −100 … +100."""
    score = "score"
    currency_per_day = "currency/day"
    per_user = "per user"


class Direction(Enum):
    """Whether a higher value is better."""

    higher = "higher"
    lower = "lower"


class Kind(StrEnum):
    """The closed set of metric kinds (after metricflow)."""

    simple = "simple"
    """One aggregate of one fact, bucketed by one date."""
    ratio = "ratio"
    """An aggregate divided by another aggregate, possibly of another fact."""
    derived = "derived"
    """An expression over other KPIs of the same period and dimensions."""
    cumulative = "cumulative"
    """A state at a moment of the period (e.g. deals open at its end), not a flow within it."""
    conversion = "conversion"
    """A cohort entering one step in the period, and the share of it reaching a later step."""


DIMENSIONS: tuple[str, ...] = (
    "owner",
    "team",
    "pipeline",
    "segment",
    "industry",
    "region",
    "channel",
    "campaign",
    "product",
    "stage",
    "field",
)
"""Every dimension a query can ask for; each KPI says which subset it supports."""


@dataclass(frozen=True)
class Metric:
    """One KPI: its meaning and its expression builder."""

    id: str
    label_en: str
    label_de: str
    unit: Unit
    direction: Direction
    kind: Kind
    date: str
    """Which date puts a record into a period, e.g. ``deals.closed_at``."""
    dimensions: frozenset[str]
    build: Builder
    doc: str
    components: tuple[str, ...] = ()
    """Other KPIs a derived KPI is computed from."""
    additive: bool = False
    """Whether values of sub-periods add up to the whole (counts and sums)."""

    @property
    def empty_is_zero(self) -> bool:
        """Whether a period without records has the value 0 (counts and sums) or none."""
        return self.unit in (Unit.count, Unit.currency) and self.kind in (
            Kind.simple,
            Kind.cumulative,
        )

    @property
    def summary(self) -> str:
        """The first line of the documentation."""
        return self.doc.splitlines()[0] if self.doc else ""


class Registry:
    """KPIs by id, in the order they were registered."""

    def __init__(self) -> None:
        self._metrics: dict[str, Metric] = {}

    def register(self, metric: Metric) -> Metric:
        """Add ``metric``; an id can only be registered once."""
        if metric.id in self._metrics:
            raise AnalysisError(f"KPI {metric.id!r} is already registered")
        unknown = metric.dimensions - set(DIMENSIONS)
        if unknown:
            raise AnalysisError(f"KPI {metric.id!r}: unknown dimensions {sorted(unknown)}")
        self._metrics[metric.id] = metric
        return metric

    def get(self, kpi_id: str) -> Metric:
        """The KPI ``kpi_id``, or an error listing the known ids."""
        try:
            return self._metrics[kpi_id]
        except KeyError:
            raise AnalysisError(
                f"unknown KPI {kpi_id!r}; known KPIs: {', '.join(self._metrics)}"
            ) from None

    def __iter__(self) -> Iterator[Metric]:
        return iter(self._metrics.values())

    def __len__(self) -> int:
        return len(self._metrics)

    def __contains__(self, kpi_id: object) -> bool:
        return kpi_id in self._metrics

    def ids(self) -> tuple[str, ...]:
        """Every registered id, in registration order."""
        return tuple(self._metrics)


REGISTRY = Registry()
"""The KPIs crmroi ships, and any an extension adds."""


def kpi(
    kpi_id: str,
    *,
    en: str,
    de: str,
    unit: Unit,
    direction: Direction,
    kind: Kind,
    date: str,
    dimensions: frozenset[str],
    components: tuple[str, ...] = (),
    additive: bool = False,
    registry: Registry = REGISTRY,
) -> Callable[[Builder], Builder]:
    """Decorator: register the decorated builder as KPI ``kpi_id``."""

    def decorate(build: Builder) -> Builder:
        doc = inspect.getdoc(build) or ""
        if not doc:
            raise AnalysisError(f"KPI {kpi_id!r} needs a docstring with its formula and source")
        registry.register(
            Metric(
                id=kpi_id,
                label_en=en,
                label_de=de,
                unit=unit,
                direction=direction,
                kind=kind,
                date=date,
                dimensions=dimensions,
                build=build,
                doc=doc,
                components=components,
                additive=additive,
            )
        )
        return build

    return decorate
