"""Financial figures of an investment: ROI, payback, NPV, IRR and Nucleus-style annual ROI.

Pure NumPy, one concept per function. Every function returns a number or a :class:`Figure`
whose ``value`` is None with a ``reason`` when the figure does not exist (no cost, never pays back,
no IRR): never NaN, never an exception for a legitimate business case. Sources: REFERENCE.md §4.2
(Nucleus), §4.3 (Forrester TEI), §4.6 (the three views).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.ArrayLike
MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class Figure:
    """A financial figure that may not exist: ``value`` or None with a ``reason``.

    ``note`` qualifies a value that exists (e.g. "several IRRs; the one consistent with NPV").
    """

    value: float | None
    reason: str | None = None
    note: str | None = None

    @classmethod
    def missing(cls, reason: str) -> Figure:
        """A figure that does not exist, and why."""
        return cls(None, reason)


def _finite(values: Array) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    return out


def simple_roi(benefit: float, cost: float) -> Figure:
    """The brief's ROI in percent: ``(B − C) ÷ C × 100``; higher is better.

    ``B`` is the benefit through the CRM (revenue, or gross profit with a margin), ``C`` the total
    CRM cost over the same window (REFERENCE.md §4.4 worked example: 210,000 vs 60,000 → 250 %).
    """
    if not math.isfinite(benefit) or not math.isfinite(cost):
        return Figure.missing("benefit or cost is not a finite number")
    if cost <= 0:
        return Figure.missing("no cost recorded: ROI is undefined (add cost lines or seats)")
    return Figure((benefit - cost) / cost * 100.0)


def payback_months(benefits: Array, costs: Array) -> Figure:
    """Months until cumulative benefit first covers cumulative cost; lower is better.

    With monthly series ``b`` and ``c`` (cash basis), the payback is the smallest ``m`` (counted
    from 1 for the first month of the window) with ``Σ_{t<m} b_t ≥ Σ_{t<m} c_t`` once some cost has
    been incurred (Nucleus: cumulative net benefit reaches the investment, REFERENCE.md §4.2).
    """
    b, c = _finite(benefits), _finite(costs)
    if b.shape != c.shape:
        raise ValueError("benefits and costs must have the same number of months")
    cum_cost = np.cumsum(c)
    if b.size == 0 or cum_cost[-1] <= 0:
        return Figure.missing("no cost recorded: there is nothing to pay back")
    reached = (np.cumsum(b) >= cum_cost) & (cum_cost > 0)
    if not reached.any():
        return Figure.missing(f"never pays back within the {b.size}-month window")
    return Figure(float(np.argmax(reached) + 1))


def annual_flows(benefits: Array, costs: Array, initial: float) -> npt.NDArray[np.float64]:
    """TEI cash flows: ``[−initial, net year 1, net year 2, …]`` from monthly series.

    ``initial`` (one-off costs up to go-live) sits at time 0; it must be included in ``costs``
    and is taken out of them here, so it is not counted twice. Year ``k`` sums months
    ``12(k−1) … 12k−1`` of the window (the last year may be partial). Initial costs are removed
    from the earliest months first.
    """
    b, c = _finite(benefits), _finite(costs).copy()
    remaining = initial
    for i in range(c.size):  # peel the initial investment off the first months' costs
        take = min(max(c[i], 0.0), remaining)
        c[i] -= take
        remaining -= take
        if remaining <= 0:
            break
    net = b - c
    years = max(math.ceil(net.size / MONTHS_PER_YEAR), 1)
    padded = np.zeros(years * MONTHS_PER_YEAR)
    padded[: net.size] = net
    return np.concatenate([[-initial], padded.reshape(years, MONTHS_PER_YEAR).sum(axis=1)])


def npv(rate: float, flows: Array) -> float:
    """Net present value ``Σ_k f_k ÷ (1 + r)^k``; time 0 undiscounted (Forrester TEI).

    ``rate`` is per period of ``flows`` (yearly for :func:`annual_flows`); higher NPV is better.
    Same convention as ``numpy_financial.npv``.
    """
    f = _finite(flows)
    if rate <= -1.0:
        raise ValueError("a discount rate must be above −100 %")
    return float(np.sum(f / (1.0 + rate) ** np.arange(f.size)))


def irr(flows: Array, discount_rate: float = 0.0) -> Figure:
    """Internal rate of return: the rate where NPV is zero (per period of ``flows``).

    Robust root finding: with ``x = 1/(1+r)`` the NPV is the polynomial ``Σ f_k x^k``, so every
    IRR is a real positive root of it (found with the companion-matrix eigenvalues, then polished
    by Newton steps). No root → None with the reason.

    The IRR is read against the hurdle rate: "IRR above the discount rate" must mean "NPV at the
    discount rate is positive". With one sign change of the flows there is one root and that holds.
    With several sign changes there can be several roots, and the one nearest 0 (the choice of
    ``numpy_financial.irr``) can contradict the NPV (an IRR of −97 % beside a positive NPV). So
    the root shown is the nearest one on the side the NPV points to: when NPV(discount rate) > 0
    the smallest root above the discount rate, when it is < 0 the largest root below it, the
    nearest root when it is 0. If no root lies on that side there is no meaningful IRR: None,
    with the roots and the reason. Several roots always come with a note naming them.
    """
    f = _finite(flows)
    scale = float(np.abs(f).max()) if f.size else 0.0
    if scale > 0:  # IRR is scale-free: normalise, and treat flows below 1e-12 of the largest as 0
        f = np.where(np.abs(f) < 1e-12 * scale, 0.0, f / scale)
    nonzero = f[f != 0]
    if nonzero.size == 0:
        return Figure.missing("IRR undefined: every cash flow is zero")
    if np.all(nonzero > 0) or np.all(nonzero < 0):
        return Figure.missing("IRR undefined: the cash flows never change sign")
    with np.errstate(all="ignore"):
        roots = np.polynomial.polynomial.polyroots(f)
    real = roots[np.abs(roots.imag) < 1e-8 * np.maximum(1.0, np.abs(roots.real))].real
    rates = sorted({round(_polish(f, 1.0 / x), 12) for x in real if x > 1e-12})
    rates = [r for r in rates if r > -1.0 and abs(npv(r, f)) <= 1e-6 * np.abs(f).sum()]
    if not rates:
        return Figure.missing("IRR undefined: no rate makes the NPV zero")
    return _consistent_root(rates, f, discount_rate)


def _consistent_root(rates: list[float], flows: npt.NDArray[np.float64], hurdle: float) -> Figure:
    """The root that reads the same way as NPV at ``hurdle`` (see :func:`irr`)."""
    value = npv(hurdle, flows)
    tolerance = 1e-9 * float(np.abs(flows).sum())
    shown = ", ".join(f"{r:.2%}" for r in rates)
    changes = int(np.count_nonzero(np.diff(np.sign(flows[flows != 0]))))
    if value > tolerance:
        above = [r for r in rates if r > hurdle]
        best = min(above) if above else None
        side = "positive"
    elif value < -tolerance:
        below = [r for r in rates if r < hurdle]
        best = max(below) if below else None
        side = "negative"
    else:
        best, side = min(rates, key=lambda r: abs(r - hurdle)), "zero"
    if best is None:
        return Figure.missing(
            f"no meaningful IRR: the yearly flows change sign {changes} times and the rates that "
            f"make NPV zero ({shown}) would contradict the {side} NPV at {hurdle:.0%}"
        )
    note = None
    if len(rates) > 1:
        note = (
            f"the yearly flows change sign {changes} times, so several rates make the NPV zero "
            f"({shown}); {best:.2%} is the one consistent with the {side} NPV at {hurdle:.0%}"
        )
    return Figure(float(best), note=note)


def _polish(flows: npt.NDArray[np.float64], growth: float) -> float:
    """Newton steps on NPV(r) from ``r = growth − 1``."""
    rate = growth - 1.0
    k = np.arange(flows.size)
    for _ in range(20):
        base = 1.0 + rate
        if base <= 0:
            break
        value = float(np.sum(flows / base**k))
        slope = float(np.sum(-k * flows / base ** (k + 1)))
        if slope == 0:
            break
        step = value / slope
        rate -= step
        if abs(step) < 1e-14:
            break
    return rate


def nucleus_roi(benefits: Array, initial: float, *, years: int = 3) -> Figure:
    """Nucleus-style annual ROI in percent: mean annual benefit over ``years`` ÷ initial cost.

    ``benefits`` are monthly; the mean is over the first ``years`` × 12 months of the window
    (missing months count as zero: a shorter window is not extrapolated). REFERENCE.md §4.2.
    Recurring costs are not in this figure, as Nucleus defines it; read it next to the others.
    """
    if initial <= 0:
        return Figure.missing("no initial (one-off) investment: Nucleus ROI is undefined")
    b = _finite(benefits)[: years * MONTHS_PER_YEAR]
    return Figure(float(b.sum()) / years / initial * 100.0)


def cumulative_net(benefits: Array, costs: Array) -> npt.NDArray[np.float64]:
    """Cumulative net benefit at the end of each month (benefit − cost)."""
    out: npt.NDArray[np.float64] = np.cumsum(_finite(benefits) - _finite(costs))
    return out
