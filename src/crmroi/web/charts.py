"""Vega-Lite specs of the dashboard's own views: findings by kind, the chosen KPI over time.

The analysis pages draw the report's charts as they are. Data values go into the spec, never code.
"""

from __future__ import annotations

from typing import Any

from crmroi.insights import Finding
from crmroi.report.model import Unit
from crmroi.web.models import KpiResult

UNITS = {
    "currency": Unit.currency,
    "count": Unit.integer,
    "share": Unit.ratio,
    "ratio": Unit.number,
    "days": Unit.days,
    "hours": Unit.number,
    "points": Unit.number,
}
"""The report unit a KPI unit is formatted with."""

WIDTH = 720


def report_unit(kpi_unit: str) -> Unit:
    """How a value of a KPI unit is shown in tables."""
    return UNITS.get(kpi_unit, Unit.number)


def findings_bars(findings: list[Finding], lang: str, currency: str) -> dict[str, Any]:
    """Money at stake × confidence per kind: where the most expected money is."""
    totals: dict[str, float] = {}
    for f in findings:
        totals[f.kind] = totals.get(f.kind, 0.0) + f.expected_money
    label = "Erwarteter Betrag" if lang == "de" else "Expected money at stake"
    return {
        "width": WIDTH,
        "height": {"step": 22},
        "data": {"values": [{"kind": k, "money": v} for k, v in totals.items()]},
        "mark": {"type": "bar", "color": "#2f6fb0"},
        "encoding": {
            "y": {"field": "kind", "type": "nominal", "sort": "-x", "title": None},
            "x": {"field": "money", "type": "quantitative", "title": f"{label} ({currency})"},
        },
    }


def kpi_lines(result: KpiResult, lang: str) -> dict[str, Any]:
    """The KPI per period (a line per dimension value), its targets as points."""
    dim = result.dimensions[0] if result.dimensions else None
    values = [
        {
            "period": r.period_start.isoformat() if r.period_start else None,
            "series": (r.dimensions.get(dim) or "–") if dim else result.kpis[0],
            "value": r.value,
            "target": r.target,
        }
        for r in result.rows
    ]
    period = "Zeitraum" if lang == "de" else "Period"
    x = {"field": "period", "type": "temporal", "title": period}
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative", "title": result.kpis[0]},
                "color": {"field": "series", "type": "nominal", "title": dim or ""},
            },
        }
    ]
    if any(v["target"] is not None for v in values):
        layers.append(
            {
                "mark": {"type": "point", "shape": "diamond", "color": "#b5523b", "filled": True},
                "encoding": {"x": x, "y": {"field": "target", "type": "quantitative"}},
            }
        )
    return {
        "width": WIDTH,
        "height": 260,
        "data": {"values": values},
        "layer": layers,
    }
