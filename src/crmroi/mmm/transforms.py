"""Carry-over and diminishing returns: the two curves every marketing-mix model applies to spend.

Geometric adstock (Broadbent 1979; Jin et al. 2017, Google): this week's effective spend is this
week's spend plus ``decay`` times last week's effective spend. Hill saturation with shape 1
(Michaelis–Menten): ``x / (x + half)`` rises linearly for small ``x`` and flattens towards 1; at
``x = half`` it gives half of the channel's ceiling.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.signal import lfilter

Array = NDArray[np.float64]


def adstock(spend: Array, decay: float | Array) -> Array:
    """Geometric adstock along the first axis (weeks); one decay, or one per column."""
    x = np.asarray(spend, dtype=float)
    decays = np.broadcast_to(np.asarray(decay, dtype=float), x.shape[1:] if x.ndim > 1 else ())
    if x.ndim == 1:
        return np.asarray(lfilter([1.0], [1.0, -float(decays)], x), dtype=float)
    out = np.empty_like(x)
    for j in range(x.shape[1]):
        out[:, j] = lfilter([1.0], [1.0, -float(decays[j])], x[:, j])
    return out


def hill(effective: Array, half: float | Array) -> Array:
    """Hill saturation with shape 1: ``x / (x + half)``, 0 at no spend, towards 1 at a lot."""
    x = np.asarray(effective, dtype=float)
    return np.asarray(x / (x + np.asarray(half, dtype=float)), dtype=float)
