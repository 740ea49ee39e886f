"""Attribution and CLV for the API: validated queries, computed by the functions the CLI calls.

Each query is a frozen dataclass, so it is also its own cache key; its names are checked
against the library's lists when it is made, before the workspace is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from crmroi.config import Config
from crmroi.errors import InputError
from crmroi.web.models import AttributionOut, ClvOut
from crmroi.workspace import Workspace

LEVELS = ("channel", "campaign", "workflow")
CONVERSIONS = ("deals", "orders")
MAX_MODELS = 8
MAX_BOOTSTRAP = 200
"""The CLI's default; more replicates would hold a request (and the workspace) for minutes."""
MAX_HORIZON = 1000
"""Time units of a CLV horizon: discounting sums one term per unit, and (1 + rate)^units
overflows a float beyond about 1000 units at the API's highest rate (just under 1 per unit)."""


def _one_of(name: str, value: str, known: tuple[str, ...]) -> None:
    if value not in known:
        raise InputError(f"unknown {name} {value!r}: one of {', '.join(known)}")


@dataclass(frozen=True)
class AttributionQuery:
    """``crmroi attribution`` with its options, the model ids checked against the registry."""

    models: tuple[str, ...] = ("data_driven",)
    level: str = "channel"
    conversions: str = "deals"
    lookback_days: int = 90
    bootstrap: int = MAX_BOOTSTRAP
    seed: int = 0

    def __post_init__(self) -> None:
        from crmroi.attribution import MODELS

        if not self.models:
            raise InputError("name at least one model")
        if len(self.models) > MAX_MODELS:
            raise InputError(f"at most {MAX_MODELS} models at once")
        for model in self.models:
            _one_of("model", model, tuple(MODELS))
            if self.bootstrap and getattr(MODELS[model], "order", 1) > 1:
                raise InputError(
                    f"{model}: bootstrap intervals of a higher-order Markov chain take minutes "
                    "(20 replicates: over a minute on the small demo company); ask with "
                    "bootstrap=0 here, or use `crmroi attribution`"
                )
        _one_of("level", self.level, LEVELS)
        _one_of("conversions", self.conversions, CONVERSIONS)

    def __call__(self, ws: Workspace, config: Config) -> AttributionOut:
        """Every model's rows, as ``crmroi attribution --format json`` prints them."""
        from crmroi.attribution import attribute
        from crmroi.cli.attribution import ROW_FIELDS
        from crmroi.cli.output import jsonable

        result = attribute(
            ws,
            models=self.models,
            level=self.level,
            conversions=self.conversions,
            lookback_days=self.lookback_days,
            bootstrap=self.bootstrap,
            seed=self.seed,
        )
        payload: dict[str, Any] = {
            "models": {
                m: [
                    {f: jsonable(row[f]) for f in ROW_FIELDS}
                    for row in result.table(m).to_dict(orient="records")
                ]
                for m in result.models
            },
            "notes": list(result.notes),
        }
        return AttributionOut.model_validate(payload)


@dataclass(frozen=True)
class ClvQuery:
    """``crmroi clv`` with its options, the time unit and customer column checked."""

    time_unit: str = "week"
    horizon: float | None = None
    discount_rate: float | None = None
    customer: str = "account_id"
    observation_end: date | None = None
    top: int = 10

    def __post_init__(self) -> None:
        from crmroi.engagement.purchases import Customer
        from crmroi.engagement.summary import TimeUnit

        _one_of("time unit", self.time_unit, tuple(u.value for u in TimeUnit))
        _one_of("customer column", self.customer, tuple(c.value for c in Customer))

    def __call__(self, ws: Workspace, config: Config) -> ClvOut:
        """Parameters, totals and the top customers, as ``crmroi clv --format json``."""
        from crmroi.cli.output import jsonable
        from crmroi.engagement.clv import analyse_clv
        from crmroi.engagement.purchases import Customer
        from crmroi.engagement.summary import TimeUnit, purchase_summary

        unit = TimeUnit(self.time_unit)
        summary = purchase_summary(
            ws,
            customer=Customer(self.customer),
            time_unit=unit,
            observation_end=self.observation_end,
        )
        report = analyse_clv(
            summary, time_unit=unit, horizon=self.horizon, discount_rate=self.discount_rate
        )
        return ClvOut.model_validate(jsonable(report.as_dict(top=self.top)))
