"""Validation worlds: simulated journeys whose true incremental effect per channel is known.

Each journey draws L ~ Poisson(3.5) touches (about 3 % have none), channels from a popularity
distribution, days before the end from an exponential, and converts with probability p(journey)
given by the world. Deal values are log-normal and independent of the channels, so revenue
shares equal conversion shares in expectation.

**Truth.** For journey j let v_j(T) = p(journey j with only the touches of channels in T). The
true credit of channel c in j is the Shapley value of v_j, the true baseline is v_j(∅), and they
add up to p_j. The true revenue share of c is Σ_j φ_jc / Σ_j p_j, the baseline share
Σ_j v_j(∅) / Σ_j p_j (expectations, so no outcome noise). In an additive world
p = b + Σ_{c∈S} e_c this is the expected incremental conversions n_c e_c, the plain meaning of
"what did the channel bring in"; in the others it is the Shapley-fair split of interactions
(noisy-OR overlap, synergy, order bonus) between the channels that produce them.

The worlds: ``additive``; ``noisy_or`` (p = 1 − (1−b) Π_c (1−e_c)^{√k_c}: overlap and
diminishing returns per repeated touch); ``order`` (email doubles its effect after a webinar);
``synergy`` (paid search with social adds 3 points); ``baseline_heavy`` (b = 8 %); and
``confounded`` (a fifth of journeys are high-intent: 4× the base rate and 4× the display
retargeting touches; display's true effect is small). Only ``confounded`` is confounded:
no observational model can recover it, and it is reported, not asserted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crmroi.attribution.paths import Journeys, direct_codes
from crmroi.attribution.shapley import lattice_shapley

F64 = NDArray[np.float64]

CHANNELS = ("paid_search", "social", "email", "display", "webinar", "direct")
POPULARITY = np.array([0.22, 0.20, 0.22, 0.12, 0.06, 0.18])
EFFECTS = np.array([0.030, 0.012, 0.020, 0.004, 0.050, 0.0])
_CHUNK = 250_000


@dataclass(frozen=True)
class World:
    """A simulated world: channels, their popularity and true effects, and its mechanism."""

    name: str
    kind: str
    baseline: float = 0.02
    effects: F64 = field(default_factory=lambda: EFFECTS.copy())
    popularity: F64 = field(default_factory=lambda: POPULARITY.copy())
    confounded: bool = False
    description: str = ""
    channels: tuple[str, ...] = CHANNELS

    def probability(self, counts: F64, first: F64, last: F64, intent: F64) -> F64:
        """Conversion probability from touch counts (n, K), first/last positions, intent."""
        touched = counts > 0
        base = self.baseline * np.where(intent > 0, 4.0, 1.0)
        if self.kind == "noisy_or":
            keep = np.prod((1 - self.effects) ** np.sqrt(counts), axis=1)
            return np.asarray(1 - (1 - base) * keep, dtype=np.float64)
        p = base + touched @ self.effects
        if self.kind == "order":
            email, webinar = self.channels.index("email"), self.channels.index("webinar")
            after = touched[:, email] & touched[:, webinar] & (first[:, webinar] < last[:, email])
            p = p + after * self.effects[email]
        if self.kind == "synergy":
            p = p + 0.03 * (touched[:, 0] & touched[:, 1])
        return np.asarray(p, dtype=np.float64)


WORLDS: dict[str, World] = {
    w.name: w
    for w in (
        World("additive", "additive", description="p = b + Σ e_c over touched channels"),
        World("noisy_or", "noisy_or", description="noisy-OR, √k diminishing returns per touch"),
        World("order", "order", description="additive; email doubles after a webinar"),
        World("synergy", "synergy", description="additive; paid search × social +3 points"),
        World(
            "baseline_heavy",
            "additive",
            baseline=0.08,
            effects=EFFECTS * 0.6,
            description="additive with a large baseline (b = 8 %)",
        ),
        World(
            "confounded",
            "additive",
            confounded=True,
            description="high-intent fifth: 4x base rate and 4x display retargeting",
        ),
    )
}


def wide_world(k: int) -> World:
    """An additive world with ``k`` channels (2..30): the benchmark shape beyond six channels.

    Popularity falls as 1/(rank+1) (a few big channels, a long tail), effects run from 5 to
    0.2 points; the truth is closed-form (additive: each touched channel's own effect), so no
    lattice over 2^k channel sets is needed to check a model at 30 channels.
    """
    if not 2 <= k <= 30:
        raise ValueError("wide worlds have 2 to 30 channels")
    rank = np.arange(k, dtype=np.float64)
    popularity = 1.0 / (rank + 1.0)
    effects = np.linspace(0.05, 0.002, k)[np.random.default_rng(k).permutation(k)]
    return World(
        f"additive_{k}",
        "additive",
        effects=effects,
        popularity=popularity / popularity.sum(),
        description=f"additive, {k} channels, popularity ∝ 1/rank",
        channels=tuple(f"channel_{i + 1:02d}" for i in range(k)),
    )


@dataclass(frozen=True, eq=False)
class Simulation:
    """Simulated journeys with the true revenue share per channel and of the baseline."""

    world: World
    journeys: Journeys
    truth: F64
    """True shares: one per channel, the baseline last; they sum to 1."""


def simulate(world: World | str, n: int, seed: int = 0, *, truth: bool = True) -> Simulation:
    """Simulate ``n`` journeys of ``world`` (vectorised; ~1 M journeys in a few seconds).

    Chunks of 250k journeys are drawn in turn and copied straight into the final arrays (the
    touch arrays sized for the expected 3.5 touches per journey, grown if ever needed), so at
    20M journeys the peak stays near the finished 1.3 GB instead of 2.5 times it.
    """
    spec = WORLDS[world] if isinstance(world, str) else world
    rng = np.random.default_rng(seed)
    offsets = np.zeros(n + 1, dtype=np.int64)
    y, value = np.empty(n), np.empty(n)
    room = int(3.5 * n + 10 * np.sqrt(3.5 * n) + 100)
    codes, days = np.empty(room, dtype=np.int32), np.empty(room, dtype=np.float32)
    credit = np.zeros(len(spec.channels) + 1)
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        part = _chunk(spec, stop - start, rng, truth)
        np.cumsum(part["lengths"], out=offsets[start + 1 : stop + 1])
        offsets[start + 1 : stop + 1] += offsets[start]
        lo, hi = offsets[start], offsets[stop]
        if hi > codes.shape[0]:
            codes, days = _grow(codes, hi), _grow(days, hi)
        codes[lo:hi], days[lo:hi] = part["codes"], part["days"]
        y[start:stop], value[start:stop] = part["y"], part["value"]
        credit += part["credit"]
    keys = spec.channels
    journeys = Journeys(
        keys=keys,
        names=keys,
        offsets=offsets,
        codes=codes[: offsets[-1]],
        conversions=y,
        nulls=1.0 - y,
        value=value,
        days=days[: offsets[-1]],
        # the lead is created at the first touch, which is what lead_pos=None means (80 MB less)
        lead_pos=None,
        opp_pos=(np.diff(offsets) // 2).astype(np.int32),
        direct=direct_codes(keys),
    )
    total = credit.sum()
    return Simulation(spec, journeys, credit / total if total > 0 else credit)


def _grow(array: NDArray[Any], size: int) -> NDArray[Any]:
    """A copy of ``array`` with room for at least ``size`` elements."""
    out = np.empty(max(size, int(array.shape[0] * 1.25)), dtype=array.dtype)
    out[: array.shape[0]] = array
    return out


def _chunk(world: World, n: int, rng: np.random.Generator, truth: bool) -> dict[str, F64]:
    k = len(world.channels)
    intent = (rng.random(n) < 0.2).astype(np.float64) if world.confounded else np.zeros(n)
    lengths = np.minimum(rng.poisson(3.5, n), 30)
    jidx = np.repeat(np.arange(n), lengths)
    weights = np.tile(world.popularity, (2, 1))
    if world.confounded:
        weights[1, world.channels.index("display")] *= 4.0
    cdf = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    draw = rng.random(jidx.shape[0])
    codes = (draw[:, None] > cdf[intent[jidx].astype(int)]).sum(axis=1)
    codes = np.minimum(codes, k - 1)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    pos = np.arange(jidx.shape[0]) - starts
    counts = np.bincount(jidx * k + codes, minlength=n * k).reshape(n, k).astype(np.float64)
    # fancy assignment with repeated indices keeps the last write: reversed order keeps the first
    cell = jidx * k + codes
    first_flat = np.full(n * k, 1e9)
    first_flat[cell[::-1]] = pos[::-1]
    last_flat = np.full(n * k, -1.0)
    last_flat[cell] = pos
    first, last = first_flat.reshape(n, k), last_flat.reshape(n, k)
    p = np.clip(world.probability(counts, first, last, intent), 0.0, 1.0)
    y = (rng.random(n) < p).astype(np.float64)
    amount = rng.lognormal(7.0, 0.5, n)
    gaps = rng.exponential(6.0, jidx.shape[0])
    # days before the end: the last touch is closest; cumulate gaps backwards within journeys
    rev = np.cumsum(gaps[::-1])[::-1]
    ends = np.cumsum(lengths)[lengths > 0] - 1
    tail = np.zeros(n)
    tail[lengths > 0] = rev[ends] - gaps[ends]
    days = rev - np.repeat(tail, lengths)
    credit = _truth(world, counts, first, last, intent) if truth else np.zeros(k + 1)
    return {
        "lengths": lengths,
        "codes": codes,
        "y": y,
        "value": y * amount,
        "days": days,
        "credit": credit,
    }


def _truth(world: World, counts: F64, first: F64, last: F64, intent: F64) -> F64:
    """Σ_j Shapley(v_j) per channel and Σ_j v_j(∅), v_j(T) = p with only channels in T.

    Additive worlds have it in closed form: φ_jc = e_c for every touched channel, v_j(∅) the
    journey's base rate. Otherwise journeys with the same counts, intent and order flag have the
    same v_j: the lattice runs once per distinct one, weighted by how many journeys share it.
    """
    k = counts.shape[1]
    if world.kind == "additive":
        base = world.baseline * np.where(intent > 0, 4.0, 1.0)
        return np.append((counts > 0).sum(axis=0) * world.effects, base.sum())
    email, webinar = world.channels.index("email"), world.channels.index("webinar")
    after = (first[:, webinar] < last[:, email]).astype(np.int64)
    code = np.zeros(counts.shape[0], dtype=np.int64)
    for c in range(k):
        code = code * 31 + np.minimum(counts[:, c], 30).astype(np.int64)
    code = (code * 2 + after) * 2 + (intent > 0)
    _, rep, multiplicity = np.unique(code, return_index=True, return_counts=True)
    counts, first, last, intent = counts[rep], first[rep], last[rep], intent[rep]
    masks = np.arange(1 << k)
    bits = ((masks[:, None] >> np.arange(k)) & 1).astype(bool)
    values = np.empty((counts.shape[0], 1 << k))
    for mask in masks:
        on = bits[mask]
        values[:, mask] = world.probability(
            counts * on, np.where(on, first, 1e9), np.where(on, last, -1.0), intent
        )
    values = np.clip(values, 0.0, 1.0)
    phi = lattice_shapley(values, k)
    return np.append(multiplicity @ phi, multiplicity @ values[:, 0])


def share_error(truth: F64, shares: F64) -> tuple[float, float, float]:
    """Errors in share points: (total, baseline, channel split).

    Total: Σ |share − truth| over channels and the baseline. Baseline: share − truth of the
    baseline. Split: Σ |share − truth| over channels after renormalising both without the
    baseline (how well the model divides what the channels did bring in).
    """
    total = float(np.abs(shares - truth).sum() * 100)
    baseline = float((shares[-1] - truth[-1]) * 100)
    own, true = shares[:-1], truth[:-1]
    split = own / own.sum() if own.sum() > 0 else own
    split_error = float(np.abs(split - true / true.sum()).sum() * 100)
    return total, baseline, split_error


def evaluate(
    models: tuple[str, ...], n: int, *, seed: int = 1, names: tuple[str, ...] | None = None
) -> list[dict[str, object]]:
    """Every model's error on every world: rows of world, model, error, baseline_error."""
    from crmroi.attribution.models import get

    rows: list[dict[str, object]] = []
    for name in names or tuple(WORLDS):
        sim = simulate(name, n, seed=seed)
        for model_id in models:
            model = get(model_id)
            shares = model.allocate(model.prepare(sim.journeys)).shares()
            error, baseline, split = share_error(sim.truth, shares)
            rows.append(
                {
                    "world": name,
                    "confounded": sim.world.confounded,
                    "model": model_id,
                    "error": error,
                    "baseline_error": baseline,
                    "split_error": split,
                }
            )
    return rows
