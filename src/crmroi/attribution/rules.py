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

import weakref
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from crmroi.attribution.paths import Journeys

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Mask = NDArray[np.bool_]


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
        return _normalise(journeys, _decay(journeys, rule.half_life_days))
    if rule.kind == "first_touch":
        return np.asarray(pos == 0, dtype=np.float64)
    if rule.kind == "last_touch":
        return np.asarray(pos == length - 1, dtype=np.float64)
    if rule.kind == "linear":
        return 1.0 / length
    if rule.kind == "last_non_direct":
        return _last_non_direct(journeys, pos, length)
    raise ValueError(f"unknown rule {rule.kind!r}")


def fast_totals(journeys: Journeys, rule: Rule) -> tuple[F64, F64]:
    """Conversions and value per key under ``rule``, mostly from per-journey arithmetic.

    A rule's credit is fixed by a few per-journey positions (first, last, lead, opportunity,
    last non-direct touch) plus an even spread over the remaining touches. So each rule is a
    few ``bincount`` calls over journeys and at most one pass over the touches (the spread: one
    sparse product for conversions and value together); only ``time_decay`` needs a weight per
    touch. What every rule reads (lengths, end codes, milestones) is computed once per journeys
    (:func:`frame`). Agrees with :func:`touch_weights` (tested).
    """
    if journeys.codes.size == 0:
        return np.zeros(journeys.n_keys), np.zeros(journeys.n_keys)
    f = frame(journeys)
    if isinstance(rule, PositionRule):
        out = _position_totals(f, rule)
    elif isinstance(rule, MilestoneRule):
        out = _milestone_totals(f, rule)
    elif isinstance(rule, TimeDecayRule):
        out = _time_decay_totals(f, journeys, rule.half_life_days)
    elif rule.kind == "first_touch":
        out = f.point(f.head, None)
    elif rule.kind == "last_touch":
        out = f.point(f.tail, None)
    elif rule.kind == "linear":
        out = f.spread(1.0 / np.maximum(f.length, 1))
    elif rule.kind == "last_non_direct":
        out = f.point(_last_non_direct_codes(f, journeys), None)
    else:
        raise ValueError(f"unknown rule {rule.kind!r}")
    return out[0], out[1]


@dataclass(frozen=True, eq=False)
class Frame:
    """Per-journey inputs the rules share; journeys without touches carry zero amounts.

    Holds arrays of the journeys, never the :class:`Journeys` itself, so the weak cache in
    :func:`frame` lets both go together.
    """

    n_keys: int
    length: I64
    amounts: F64
    """Conversions (row 0) and value (row 1) per journey, shape (2, journeys)."""
    pairs: F64
    """The same as (journeys, 2), the layout the sparse product reads fastest."""
    head: NDArray[np.intp]
    tail: NDArray[np.intp]
    starts: I64
    codes: NDArray[np.int32]
    matrix: sp.csr_matrix
    lead_pos: NDArray[np.int32] | None
    opp_pos: NDArray[np.int32] | None

    def at(self, position: I64) -> NDArray[np.intp]:
        """Key code of the touch at ``position`` within each journey (any code if empty)."""
        index = np.minimum(self.starts + position, self.codes.shape[0] - 1)
        return np.asarray(self.codes[index], dtype=np.intp)

    def point(self, codes: NDArray[np.intp], weight: F64 | None) -> F64:
        """Sum ``weight`` x amounts per journey by the key of one touch per journey, (2, K)."""
        k = self.n_keys
        rows = self.amounts if weight is None else weight * self.amounts
        return np.stack([np.bincount(codes, rows[i], k) for i in range(2)])

    def spread(self, weight: F64) -> F64:
        """Give every touch ``weight`` x amounts of its journey; sum by key, (2, K)."""
        return np.asarray(self.matrix.T @ (weight[:, None] * self.pairs), dtype=np.float64).T

    @cached_property
    def shape(self) -> tuple[Mask, Mask, F64]:
        """Journeys of one touch, of two touches, and 1/(L-2) for the middle touches."""
        length = self.length
        return length == 1, length == 2, 1.0 / np.maximum(length - 2, 1) * (length >= 3)

    @cached_property
    def middle_spread(self) -> F64:
        """Amounts spread 1/(L-2) over every touch, (2, K); position rules scale it."""
        return self.spread(self.shape[2])

    @cached_property
    def milestones(self) -> tuple[I64, I64, Mask, Mask, Mask]:
        """Lead and opportunity positions, and whether lead, opportunity, close are new touches."""
        lead, opp = _milestone_positions(self.length, self.lead_pos, self.opp_pos)
        close = self.length - 1
        new_lead = lead != 0
        new_opp = (opp != 0) & (opp != lead)
        new_close = (close != 0) & (close != lead) & (close != opp)
        return lead, opp, new_lead, new_opp, new_close


_FRAMES: weakref.WeakKeyDictionary[Journeys, Frame] = weakref.WeakKeyDictionary()


def frame(journeys: Journeys) -> Frame:
    """The rules' shared per-journey inputs, computed once per ``journeys`` (weakly cached).

    Each rule model is prepared and allocated on its own, but all read the same converted
    journeys; sharing the frame saves the ten rules about half of their per-journey work.
    """
    cached = _FRAMES.get(journeys)
    if cached is None:
        length = journeys.lengths
        amounts = np.stack([journeys.conversions, journeys.value])
        amounts[:, length == 0] = 0.0
        # gathers for journeys without touches read any code (index -1 or the last touch):
        # their amounts are zero
        codes = journeys.codes if journeys.codes.size else np.zeros(1, dtype=np.int32)
        starts = np.minimum(journeys.offsets[:-1], codes.shape[0] - 1)
        cached = Frame(
            n_keys=journeys.n_keys,
            length=length,
            amounts=amounts,
            pairs=np.ascontiguousarray(amounts.T),
            head=codes[starts].astype(np.intp),
            tail=codes[journeys.offsets[1:] - 1].astype(np.intp),
            starts=starts,
            codes=codes,
            matrix=journeys.touch_matrix,
            lead_pos=journeys.lead_pos,
            opp_pos=journeys.opp_pos,
        )
        _FRAMES[journeys] = cached
    return cached


def _position_totals(f: Frame, rule: PositionRule) -> F64:
    one, two, per_middle = f.shape
    ends = rule.first + rule.last
    many = ~(one | two)
    w_head = one + two * (rule.first / ends) + many * rule.first
    w_tail = two * (rule.last / ends) + many * rule.last
    if rule.middle == 0:
        return f.point(f.head, w_head) + f.point(f.tail, w_tail)
    # the middle share goes to every touch, then is taken back from the two ends
    mid = rule.middle * per_middle
    heads, tails = f.point(f.head, w_head - mid), f.point(f.tail, w_tail - mid)
    return heads + tails + rule.middle * f.middle_spread


def _milestone_totals(f: Frame, rule: MilestoneRule) -> F64:
    """Fixed weights at up to four distinct positions, ``rest`` spread over the others."""
    lead, opp, new_lead, new_opp, new_close = f.milestones
    if rule.close == 0:
        new_close = np.zeros_like(new_close)
    n_other = f.length - 1 - new_lead - new_opp - new_close
    total = rule.first + rule.lead + rule.opportunity + rule.close + rule.rest * (n_other > 0)
    each = rule.rest / np.maximum(n_other, 1) * (n_other > 0)
    # a milestone touch takes its weight and gives back the spread share (once per touch)
    out = f.spread(each / total)
    out += f.point(f.head, (rule.first - each) / total)
    out += f.point(f.at(lead), (rule.lead - each * new_lead) / total)
    out += f.point(f.at(opp), (rule.opportunity - each * new_opp) / total)
    if rule.close > 0:
        out += f.point(f.tail, (rule.close - each * new_close) / total)
    return out


def _time_decay_totals(f: Frame, journeys: Journeys, half_life: float) -> F64:
    weights = _decay(journeys, half_life)
    matrix = sp.csr_matrix((weights, journeys.codes, journeys.offsets), shape=f.matrix.shape)
    has = f.length > 0
    total = np.ones(f.length.shape[0])
    total[has] = np.add.reduceat(weights, journeys.offsets[:-1][has])
    return np.asarray(matrix.T @ (f.pairs / total[:, None]), dtype=np.float64).T


def _last_non_direct_codes(f: Frame, journeys: Journeys) -> NDArray[np.intp]:
    """Key of each journey's last non-direct touch (its last touch if all are direct)."""
    if not journeys.direct:
        return f.tail
    direct = np.zeros(journeys.n_keys, dtype=bool)
    direct[list(journeys.direct)] = True
    candidate = np.arange(journeys.codes.shape[0])
    candidate[direct[journeys.codes]] = -1
    has = f.length > 0
    best = np.full(f.length.shape[0], -1, dtype=np.int64)
    best[has] = np.maximum.reduceat(candidate, journeys.offsets[:-1][has])
    return np.where(best >= 0, journeys.codes[best], f.tail).astype(np.intp)


def _milestone_positions(
    length: I64, lead_pos: NDArray[np.int32] | None, opp_pos: NDArray[np.int32] | None
) -> tuple[I64, I64]:
    """Lead and opportunity positions; unknown or out of range: the first and last touch."""
    lead = np.full_like(length, -1) if lead_pos is None else lead_pos
    opp = np.full_like(length, -1) if opp_pos is None else opp_pos
    lead = np.where((lead < 0) | (lead >= length), 0, lead).astype(np.int64)
    opp = np.where((opp < 0) | (opp >= length), length - 1, opp).astype(np.int64)
    return lead, opp


def _decay(journeys: Journeys, half_life: float) -> F64:
    """2^(-days/half_life) per touch; without a time, one day per step before the end."""
    days = journeys.days
    if days is None or np.isnan(days).any():
        steps = (journeys.touch_length() - 1 - journeys.touch_position()).astype(np.float64)
        days_f = steps if days is None else np.where(np.isnan(days), steps, days)
    else:
        days_f = days.astype(np.float64)
    return np.exp2(-np.maximum(days_f, 0.0) / half_life)


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
    lead, opp = _milestone_positions(journeys.lengths, journeys.lead_pos, journeys.opp_pos)
    is_first = pos == 0
    is_close = pos == length - 1
    is_lead = pos == np.repeat(lead, journeys.lengths)
    is_opp = pos == np.repeat(opp, journeys.lengths)
    weights = (
        rule.first * is_first
        + rule.lead * is_lead
        + rule.opportunity * is_opp
        + rule.close * is_close
    ).astype(np.float64)
    other = ~(is_first | is_lead | is_opp | (is_close & (rule.close > 0)))
    n_other = np.bincount(journeys.touch_journey(), weights=other, minlength=journeys.n_journeys)
    n_other_t = np.repeat(n_other, journeys.lengths)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = weights + np.where(other, rule.rest / n_other_t, 0.0)
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
