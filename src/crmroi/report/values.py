"""Result cells to report values: a float, or None where the analysis has no number."""

from __future__ import annotations

import math
from typing import Any


def number(value: Any) -> float | None:
    """A float, or None for NULL, NaN and infinities (shown as a dash, written as empty)."""
    if value is None:
        return None
    try:
        result = float(value)
    except TypeError:  # pandas' NA, the missing value of nullable columns
        return None
    return result if math.isfinite(result) else None
