"""Plain-text explanation of the incremental estimates: design, assumptions, checks, choice.

Works on the ``incremental_methods`` and ``incremental_why`` entries of the ROI's JSON form, so
``crmroi roi --explain`` and anything that reads that JSON explain the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _checks(diagnostics: Mapping[str, float | None]) -> str:
    shown = []
    if (n := diagnostics.get("n")) is not None:
        shown.append(f"n = {n:,.0f}")
    if (p := diagnostics.get("pre_trend_p_value")) is not None:
        shown.append(f"pre-trend p = {p:.3f}")
    if (v := diagnostics.get("placebo_value")) is not None:
        low, high = diagnostics.get("placebo_low"), diagnostics.get("placebo_high")
        shown.append(f"placebo {_money(v)} [{_money(low)}, {_money(high)}]")
    if (c := diagnostics.get("non_user_win_rate_change")) is not None:
        p = diagnostics.get("non_user_p_value")
        shown.append(f"non-users' win rate {c:+.1%} (p = {p:.3f})")
    if (p := diagnostics.get("space_placebo_p_value")) is not None:
        donors = diagnostics.get("donors") or 0
        shown.append(f"in-space placebo p = {p:.3f} ({donors:.0f} donors)")
    if (fit := diagnostics.get("pre_rmspe")) is not None:
        share = diagnostics.get("pre_rmspe_share") or 0.0
        shown.append(f"pre-period fit RMSPE {fit:,.3g} ({share:.0%} of the mean month)")
    return "; ".join(shown) or "none"


def explain_lines(methods: Mapping[str, Mapping[str, Any]], why: str) -> list[str]:
    """One block per method: its figure and interval, design, assumptions and diagnostics."""
    lines = [f"chosen: {why}"]
    for key, est in methods.items():
        lines.append("")
        if est.get("value") is None:
            lines.append(f"[{key}] {est['method']}: not computed — {est.get('reason')}")
            continue
        lines.append(
            f"[{key}] {est['method']}: {_money(est['value'])} "
            f"[{_money(est.get('low'))}, {_money(est.get('high'))}] (95 %)"
        )
        lines.append(f"  design: {est.get('design') or 'n/a'}")
        lines += [f"  assumes: {a}" for a in est.get("assumptions", ())]
        lines.append(f"  checks: {_checks(est.get('diagnostics', {}))}")
    return lines
