"""Simulated weekly worlds with planted adstock, saturation and return, to measure the model.

Each channel is flighted (runs of weeks on air and off air, spend varying on air), has a planted
decay in 0.1 … 0.8 and a half-saturation 0.4 … 2.5 × its mean effective spend, and a planted
ROAS: the channels' ROAS are spread evenly over 0.6 … 4 (shuffled, ±10 %), so that a model that
ranks them must tell them apart. The baseline has a level, a trend and a yearly season; the noise
is normal with a standard deviation of ``noise`` × the mean outcome. Seeded: one seed, one world.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmroi.mmm.transforms import adstock, hill

NAMES = ("print", "radio", "tv", "trade_fairs", "display", "podcast", "outdoor", "search")


@dataclass(frozen=True)
class World:
    """Weekly spend and outcome, and the truth planted in them (per channel)."""

    spend: pd.DataFrame
    outcome: pd.Series
    decay: dict[str, float]
    half_saturation: dict[str, float]
    incremental: dict[str, float]
    roas: dict[str, float]


def channel_names(count: int) -> list[str]:
    """Readable names for the first channels, numbered ones after."""
    return [NAMES[i] if i < len(NAMES) else f"channel_{i + 1}" for i in range(count)]


def simulate_world(seed: int, *, weeks: int = 156, channels: int = 4, noise: float = 0.05) -> World:
    """One world (module doc)."""
    rng = np.random.default_rng(seed)
    names = channel_names(channels)
    spend = np.zeros((weeks, channels))
    for j in range(channels):
        on, t = rng.random() < 0.5, 0
        while t < weeks:
            run = int(rng.integers(2, 9))
            if on:
                spend[t : t + run, j] = (
                    rng.uniform(5e3, 5e4) * rng.lognormal(0, 0.4, run)[: weeks - t]
                )
            on, t = not on, t + run
    decay = rng.uniform(0.1, 0.8, channels)
    effective = adstock(spend, decay)
    half = np.array(
        [rng.uniform(0.4, 2.5) * effective[effective[:, j] > 0, j].mean() for j in range(channels)]
    )
    curves = hill(effective, half)
    roas = rng.permutation(np.linspace(0.6, 4.0, channels)) * rng.uniform(0.9, 1.1, channels)
    beta = roas * spend.sum(axis=0) / curves.sum(axis=0)
    media = curves * beta
    week = np.arange(weeks)
    level = 1.5 * media.sum(axis=1).mean()
    baseline = level * (
        1
        + 0.2 * (week / weeks - 0.5)
        + 0.1 * np.sin(2 * math.pi * week / 52.1775 + rng.uniform(0, 6))
    )
    clean = baseline + media.sum(axis=1)
    y = clean + rng.normal(0, noise * clean.mean(), weeks)
    index = pd.date_range("2023-01-02", periods=weeks, freq="W-MON", name="week")
    incremental = media.sum(axis=0)
    return World(
        spend=pd.DataFrame(spend, index=index, columns=names),
        outcome=pd.Series(y, index=index, name="outcome"),
        decay=dict(zip(names, decay.tolist(), strict=True)),
        half_saturation=dict(zip(names, half.tolist(), strict=True)),
        incremental=dict(zip(names, incremental.tolist(), strict=True)),
        roas=dict(zip(names, (incremental / spend.sum(axis=0)).tolist(), strict=True)),
    )
