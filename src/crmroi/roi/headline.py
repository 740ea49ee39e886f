"""Which benefit basis the headline stands on, why, and what data would upgrade it.

The bases from strongest to weakest: incremental (a counterfactual: revenue the CRM caused),
attributed (credit split over the campaign touches before each won deal), touched (every won deal
since adoption: an upper bound). With ``basis = "auto"`` the headline takes the strongest one the
data supports; a basis the data cannot support is "not computed" with its reason, never revenue 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from crmroi.impact import ImpactResult
from crmroi.roi.benefits import Benefit
from crmroi.roi.settings import STRONGEST_FIRST

METHOD_NAMES = {
    "parts": "deal-level win rate × deal size",
    "staggered": "group-time difference-in-differences",
    "synthetic": "synthetic control of a pilot team",
    "did": "difference-in-differences",
    "its": "before/after time series",
    "holdouts": "holdout groups",
}


@dataclass(frozen=True)
class Headline:
    """The headline basis, why it was taken, and what would give a stronger one (None: none)."""

    basis: str
    why: str
    upgrade: str | None


def incremental_needs(impact: ImpactResult) -> str:
    """What each incremental method is missing, in one line."""
    parts = [
        f"{METHOD_NAMES.get(name, name)}: {estimate.reason}"
        for name, estimate in impact.estimates.items()
        if not estimate.ok and estimate.reason
    ]
    return "; ".join(parts)


def choose(requested: str, bases: Mapping[str, Benefit], impact: ImpactResult) -> Headline:
    """The headline basis for ``requested`` (a basis name or ``auto``), see module docstring."""
    supported = [name for name in STRONGEST_FIRST if bases[name].value is not None]
    if requested != "auto":
        basis, why = requested, "requested in the settings"
    elif supported:
        basis = supported[0]
        why = "the strongest basis the data supports"
    else:
        basis, why = "touched", "no basis can be computed on this data"
    stronger = STRONGEST_FIRST[: STRONGEST_FIRST.index(basis)]
    missing = []
    for name in stronger:
        if bases[name].value is not None:
            missing.append(f"the {name} basis is computed: choose it with --basis {name}")
        elif name == "incremental":
            missing.append(f"an incremental basis needs one of — {incremental_needs(impact)}")
        else:
            missing.append(f"an {name} basis needs: {bases[name].reason}")
    return Headline(basis, why, "; ".join(missing) if missing else None)
