"""Rule-based attribution: fixed credit per touch position, as the CRMs define it.

Every rule gives each touch of a journey a fraction of the conversion, the fractions of one journey
summing to 1; a channel's credit is the sum of its touches' fractions times the conversions (and
value) of the journey. Repeated touches of a channel each earn their own fraction, as in
ChannelAttribution's ``heuristic_models`` and in HubSpot/Salesforce reports.

Definitions (HubSpot "attribution models", Salesforce/Bizible "attribution models"):

* ``first_touch`` / ``last_touch``: all credit to the first / last touch.
* ``last_non_direct``: the last touch that is not direct traffic; all-direct journeys keep the last.
* ``linear``: 1/L to each of the L touches.
* ``time_decay``: weight 2^(-t/h) for a touch t days before the end, normalised; h = 7 days.
* ``u_shaped``: 40 % first, 40 % last, 20 % spread over the middle touches.
* ``j_shaped``: 20 % first, 60 % last, 20 % middle; ``inverse_j``: 60 % first, 20 % last, 20 %.
* ``w_shaped``: 30 % first touch, 30 % the lead-creation touch, 30 % the opportunity-creation
  touch, 10 % spread over the others.
* ``full_path``: 22.5 % each to first, lead-creation, opportunity-creation and closing (last)
  touch, 10 % over the others.

Position rules on short journeys: one touch takes everything; two touches share first and last in
proportion (U-shaped 50/50, J-shaped 25/75). Milestone rules add up the weights of milestones
that fall on the same touch; an unknown lead touch is the first one, an unknown opportunity touch
the last one (the path file has no milestones).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from crmroi.attribution.paths import Journeys

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class PositionRule:
    """Credit ``first`` to the first touch, ``last`` to the last, ``middle`` over the rest."""

    first: float
    middle: float
    last: float


@dataclass(frozen=True)
class MilestoneRule:
    """Fixed weights to first, lead, opportunity and closing touches, ``rest`` over others."""

    first: float
    lead: float
    opportunity: float
    close: float
    rest: float


@dataclass(frozen=True)
class TimeDecayRule:
    """Weight 2^(-days/half_life_days) per touch, normalised per journey."""

    half_life_days: float = 7.0


@dataclass(frozen=True)
class SimpleRule:
    """A rule without parameters: first_touch, last_touch, last_non_direct, linear."""

    kind: str


Rule = PositionRule | MilestoneRule | TimeDecayRule | SimpleRule

RULES: dict[str, Rule] = {
    "first_touch": SimpleRule("first_touch"),
    "last_touch": SimpleRule("last_touch"),
    "last_non_direct": SimpleRule("last_non_direct"),
    "linear": SimpleRule("linear"),
    "time_decay": TimeDecayRule(7.0),
    "u_shaped": PositionRule(0.4, 0.2, 0.4),
    "j_shaped": PositionRule(0.2, 0.2, 0.6),
    "inverse_j": PositionRule(0.6, 0.2, 0.2),
    "w_shaped": MilestoneRule(0.3, 0.3, 0.3, 0.0, 0.1),
    "full_path": MilestoneRule(0.225, 0.225, 0.225, 0.225, 0.1),
}
"""The built-in rules by model id."""


def touch_weights(journeys: Journeys, rule: Rule) -> F64:
    """Fraction of its journey's conversion that each touch earns under ``rule``."""
    pos = journeys.touch_position()
    length = journeys.touch_length()
    if isinstance(rule, PositionRule):
        return _position(pos, length, rule)
    if isinstance(rule, MilestoneRule):
        return _milestones(journeys, pos, length, rule)
    if isinstance(rule, TimeDecayRule):
        return _time_decay(journeys, pos, length, rule.half_life_days)
    if rule.kind == "first_touch":
        return np.asarray(pos == 0, dtype=np.float64)
    if rule.kind == "last_touch":
        return np.asarray(pos == length - 1, dtype=np.float64)
    if rule.kind == "linear":
        return 1.0 / length
    if rule.kind == "last_non_direct":
        return _last_non_direct(journeys, pos, length)
    raise ValueError(f"unknown rule {rule.kind!r}")


def fast_totals(journeys: Journeys, rule: Rule) -> tuple[F64, F64] | None:
    """Conversions and value per key for position rules without per-touch weights, else None.

    First and last touches are read per journey (O(journeys)); the middle share needs one pass
    over the touches with a per-journey weight. Agrees with :func:`touch_weights` (tested).
    """
    if isinstance(rule, SimpleRule) and rule.kind in {"first_touch", "last_touch", "linear"}:
        first, middle, last = {
            "first_touch": (1.0, 0.0, 0.0),
            "last_touch": (0.0, 0.0, 1.0),
            "linear": (0.0, 0.0, 0.0),
        }[rule.kind]
    elif isinstance(rule, PositionRule):
        first, middle, last = rule.first, rule.middle, rule.last
    else:
        return None
    k = journeys.n_keys
    lengths = journeys.lengths
    has = lengths > 0
    length = lengths[has].astype(np.float64)
    head = journeys.codes[journeys.offsets[:-1][has]]
    tail = journeys.codes[journeys.offsets[1:][has] - 1]
    out: list[F64] = []
    for amount in (journeys.conversions, journeys.value):
        a = amount[has]
        if isinstance(rule, SimpleRule) and rule.kind == "linear":
            per_touch = np.where(has, amount / np.maximum(lengths, 1), 0.0)
            per_key = np.bincount(journeys.codes, per_touch[journeys.touch_journey()], k)
            out.append(np.asarray(per_key, dtype=np.float64))
            continue
        ends = first + last
        w_first = np.where(length == 1, 1.0, np.where(length == 2, first / ends, first))
        w_last = np.where(length == 1, 0.0, np.where(length == 2, last / ends, last))
        totals = np.bincount(head, w_first * a, k) + np.bincount(tail, w_last * a, k)
        if middle > 0:
            per_mid = np.zeros(journeys.n_journeys)
            per_mid[has] = np.where(length >= 3, middle / np.maximum(length - 2, 1), 0.0) * a
            mids = np.bincount(journeys.codes, per_mid[journeys.touch_journey()], k)
            mids -= np.bincount(head, per_mid[has], k) + np.bincount(tail, per_mid[has], k)
            totals = totals + mids
        out.append(np.asarray(totals, dtype=np.float64))
    return out[0], out[1]


def _position(pos: NDArray[np.int32], length: NDArray[np.int32], rule: PositionRule) -> F64:
    first = pos == 0
    last = pos == length - 1
    ends = rule.first + rule.last
    weights = np.where(first, rule.first, np.where(last, rule.last, 0.0))
    # two touches: share the ends in proportion; three or more: the middle gets its share
    two = length == 2
    weights = np.where(two, weights / ends, weights)
    middle = ~first & ~last
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(middle, rule.middle / (length - 2), weights)
    return np.where(length == 1, 1.0, weights)


def _milestones(
    journeys: Journeys, pos: NDArray[np.int32], length: NDArray[np.int32], rule: MilestoneRule
) -> F64:
    n = journeys.n_journeys
    lengths = journeys.lengths
    lead = journeys.lead_pos if journeys.lead_pos is not None else np.full(n, -1, np.int32)
    opp = journeys.opp_pos if journeys.opp_pos is not None else np.full(n, -1, np.int32)
    lead = np.where((lead < 0) | (lead >= lengths), 0, lead)
    opp = np.where((opp < 0) | (opp >= lengths), lengths - 1, opp)
    lead_t = np.repeat(lead, lengths)
    opp_t = np.repeat(opp, lengths)
    is_first = pos == 0
    is_close = pos == length - 1
    is_lead = pos == lead_t
    is_opp = pos == opp_t
    weights = (
        rule.first * is_first
        + rule.lead * is_lead
        + rule.opportunity * is_opp
        + rule.close * is_close
    ).astype(np.float64)
    other = ~(is_first | is_lead | is_opp | (is_close & (rule.close > 0)))
    n_other = np.bincount(journeys.touch_journey(), weights=other, minlength=n)
    n_other_t = np.repeat(n_other, lengths)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = weights + np.where(other, rule.rest / n_other_t, 0.0)
    return _normalise(journeys, weights)


def _time_decay(
    journeys: Journeys, pos: NDArray[np.int32], length: NDArray[np.int32], half_life: float
) -> F64:
    steps = (length - 1 - pos).astype(np.float64)
    days = (
        steps if journeys.days is None else np.where(np.isnan(journeys.days), steps, journeys.days)
    )
    weights = np.exp2(-np.maximum(days, 0.0) / half_life)
    return _normalise(journeys, weights)


def _last_non_direct(journeys: Journeys, pos: NDArray[np.int32], length: NDArray[np.int32]) -> F64:
    if not journeys.direct:
        return np.asarray(pos == length - 1, dtype=np.float64)
    direct = np.isin(journeys.codes, np.fromiter(journeys.direct, dtype=np.int32))
    touch_index = np.arange(journeys.codes.shape[0], dtype=np.int64)
    candidate = np.where(direct, -1, touch_index)
    lengths = journeys.lengths
    nonempty = lengths > 0
    best = np.full(journeys.n_journeys, -1, dtype=np.int64)
    best[nonempty] = np.maximum.reduceat(candidate, journeys.offsets[:-1][nonempty])
    last_index = journeys.offsets[1:] - 1
    chosen = np.where(best >= 0, best, last_index)
    weights = np.zeros(journeys.codes.shape[0], dtype=np.float64)
    weights[chosen[nonempty]] = 1.0
    return weights


def _normalise(journeys: Journeys, weights: F64) -> F64:
    totals = np.bincount(journeys.touch_journey(), weights=weights, minlength=journeys.n_journeys)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_touch = np.repeat(totals, journeys.lengths)
        return np.where(per_touch > 0, weights / per_touch, 0.0)
