"""The ``[targets]`` table of ``crmroi.toml``: goals kept with the rest of the configuration.

One sub-table per KPI; in it a period label (``2025-Q1``, ``2025-03``, ``2025``) holds the
company-wide target, and a dimension (``owner``, ``team``, …) holds one table per member::

    [targets.won_revenue]
    "2025-Q1" = 300000
    "2025-Q2" = 320000

    [targets.won_revenue.owner]
    "Anna Berg" = { "2025-Q1" = 120000 }

    [targets.won_revenue.team]
    North = { "2025-Q1" = 150000 }

Only the shape is checked here (numbers, labels that parse); KPI names, slices and owners are
checked against the KPI registry and the workspace when the targets are written
(:mod:`crmroi.targets.sync`), with the closest valid name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from crmroi.errors import ConfigError

_PERIOD = re.compile(r"^\d{4}(-.*)?$")


@dataclass(frozen=True)
class ConfigTarget:
    """One target as written in ``crmroi.toml``: labels as the user typed them."""

    kpi: str
    period: str
    value: float
    dimension: str | None = None
    member: str | None = None

    @property
    def where(self) -> str:
        """Where it stands in the file, for error messages: ``[targets.kpi.owner] "Ann"``."""
        table = ".".join(p for p in ("targets", self.kpi, self.dimension) if p)
        member = f' "{self.member}"' if self.member else ""
        return f'[{table}]{member} "{self.period}"'


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: a target must be a number, not {value!r}")
    return float(value)


def parse_targets(data: Any, path: str) -> tuple[ConfigTarget, ...]:
    """The targets of the ``[targets]`` table (empty when there is none)."""
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [targets] must be a table of KPIs")
    out: list[ConfigTarget] = []
    for kpi, entries in data.items():
        if not isinstance(entries, dict):
            raise ConfigError(
                f'{path}: [targets] {kpi}: expected a table such as [targets.{kpi}] "2025-Q1" = …'
            )
        for key, value in entries.items():
            where = f"{path}: [targets.{kpi}] {key!r}"
            if _PERIOD.match(key):
                out.append(ConfigTarget(kpi, key, _number(value, where)))
                continue
            if not isinstance(value, dict):
                raise ConfigError(
                    f"{where}: neither a period (2025-Q1, 2025-03, 2025) nor a dimension table "
                    "such as owner or team"
                )
            out.extend(_members(kpi, key, value, f"{path}: [targets.{kpi}.{key}]"))
    return tuple(out)


def _members(kpi: str, dimension: str, members: dict[str, Any], where: str) -> list[ConfigTarget]:
    out = []
    for member, periods in members.items():
        if not isinstance(periods, dict):
            raise ConfigError(f'{where} {member!r}: expected {{ "2025-Q1" = … }}')
        for period, value in periods.items():
            spot = f"{where} {member!r} {period!r}"
            out.append(ConfigTarget(kpi, period, _number(value, spot), dimension, member))
    return out
