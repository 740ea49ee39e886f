"""Trend sparklines as tiny inline SVG: drawn without JavaScript, so HTML, PDF and e-mail agree.

A table cell of unit ``trend`` holds a series of numbers (one per period, oldest first; None
where the period has no value). The line skips the gaps; the last point is marked.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

WIDTH, HEIGHT, PAD = 96.0, 22.0, 2.0


def _points(values: Sequence[float | None]) -> list[tuple[float, float] | None]:
    """Each value's (x, y) in the box, None for a gap; a flat series sits in the middle."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not finite:
        return [None] * len(values)
    lo, hi = min(finite), max(finite)
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    out: list[tuple[float, float] | None] = []
    for i, v in enumerate(values):
        if v is None or not math.isfinite(float(v)):
            out.append(None)
            continue
        share = 0.5 if hi == lo else (float(v) - lo) / (hi - lo)
        out.append((PAD + i * step, HEIGHT - PAD - share * (HEIGHT - 2 * PAD)))
    return out


def sparkline_svg(values: Sequence[float | None], *, label: str = "") -> str:
    """An SVG line of ``values`` (one ``<polyline>`` per unbroken run); empty text if none."""
    points = _points(values)
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    runs = [run for run in runs if run]
    if not runs:
        return ""
    lines = "".join(
        '<polyline fill="none" stroke="#4c6a92" stroke-width="1.5" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
        + '"/>'
        for run in runs
    )
    x, y = runs[-1][-1]
    dot = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#1d2733"/>'
    title = f"<title>{html.escape(label)}</title>" if label else ""
    return (
        f'<svg class="spark" width="{WIDTH:.0f}" height="{HEIGHT:.0f}" '
        f'viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" role="img">{title}{lines}{dot}</svg>'
    )
