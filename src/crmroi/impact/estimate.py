"""The result every incrementality method returns: revenue the CRM added, with its interval."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Estimate:
    """Incremental revenue over the post-adoption months, in the reporting currency.

    ``value`` is the point estimate, ``low``/``high`` its 95 % interval and ``se`` its standard
    error; ``relative`` is the uplift over the counterfactual (0.1 = +10 %). ``monthly`` holds the
    estimated effect per post month, aligned with ``months`` (``YYYY-MM``). A method that cannot run
    on the data has ``value`` None and a ``reason``. Higher is better.
    """

    method: str
    value: float | None
    se: float | None = None
    low: float | None = None
    high: float | None = None
    relative: float | None = None
    relative_low: float | None = None
    relative_high: float | None = None
    p_value: float | None = None
    months: tuple[str, ...] = ()
    monthly: tuple[float, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    design: str = ""
    """The design in one line (what is compared with what)."""
    assumptions: tuple[str, ...] = ()
    """What must hold for the interval to be right, one line each."""
    diagnostics: dict[str, float | None] = field(default_factory=dict)
    """Checks of those assumptions: ``n``, ``pre_trend_p_value``, ``placebo_value``,
    ``placebo_low``, ``placebo_high`` (a placebo go-live before the real one should give ≈ 0)."""

    @classmethod
    def unavailable(cls, method: str, reason: str) -> Estimate:
        """A method that cannot run here, and why."""
        return cls(method=method, value=None, reason=reason)

    @property
    def ok(self) -> bool:
        """Whether the method produced a number."""
        return self.value is not None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON (monthly effects left out; see ``months``/``monthly``)."""
        return {
            "method": self.method,
            "value": self.value,
            "se": self.se,
            "low": self.low,
            "high": self.high,
            "relative": self.relative,
            "relative_low": self.relative_low,
            "relative_high": self.relative_high,
            "p_value": self.p_value,
            "reason": self.reason,
            "design": self.design,
            "assumptions": list(self.assumptions),
            "diagnostics": dict(self.diagnostics),
            **{
                k: v
                for k, v in self.details.items()
                if not isinstance(v, (list, tuple, dict)) and k not in ("design",)
            },
        }


def normal_interval(value: float, se: float) -> tuple[float, float]:
    """The 95 % normal interval ``value ± 1.96 se``."""
    return value - Z95 * se, value + Z95 * se


def as_tuple(values: npt.ArrayLike) -> tuple[float, ...]:
    """Floats of an array, NaN as 0 (results never carry NaN)."""
    return tuple(float(v) for v in np.nan_to_num(np.asarray(values, dtype=float)))
