"""Vega-Lite chart specs built with Altair from small result frames.

Specs carry their data inline, so a report needs no files and no network. Colours follow one
palette across the report: cost is always red-brown, revenue and benefit always blue-green.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import altair as alt
import pandas as pd

COST = "#b5523b"
BENEFIT = "#2a7f62"
NEUTRAL = "#4c6a92"
WIDTH = 640
HEIGHT = 240


def _spec(chart: alt.TopLevelMixin) -> Mapping[str, Any]:
    """The chart as plain JSON data (dates as ISO text), as vega-embed and vl-convert need."""
    spec: dict[str, Any] = json.loads(json.dumps(chart.to_dict(), default=str))
    return spec


def _rule(when: date, label: str) -> alt.LayerChart:
    marker = pd.DataFrame({"at": [pd.Timestamp(when)], "label": [label]})
    base = alt.Chart(marker)
    rule: alt.Chart = base.mark_rule(color="#555", strokeDash=[4, 3]).encode(x="at:T")
    text = base.mark_text(align="left", dx=4, dy=-6, color="#555", fontSize=11).encode(
        x="at:T", y=alt.value(0), text="label:N"
    )
    layered: alt.LayerChart = rule + text
    return layered


def monthly_bars(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    x_title: str,
    y_title: str,
    marker: tuple[date, str] | None = None,
    color: str = BENEFIT,
    y_format: str = ",.0f",
) -> Mapping[str, Any]:
    """Bars per month, optionally with a dashed marker (e.g. the CRM adoption date)."""
    bars = (
        alt.Chart(frame)
        .mark_bar(color=color, width={"band": 0.8})
        .encode(
            x=alt.X(f"{x}:T", title=x_title, timeUnit="yearmonth"),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format)),
            tooltip=[
                alt.Tooltip(f"{x}:T", timeUnit="yearmonth"),
                alt.Tooltip(f"{y}:Q", format=y_format),
            ],
        )
    )
    chart: alt.TopLevelMixin = bars
    if marker is not None:
        chart = alt.layer(bars, _rule(*marker))
    return _spec(chart.properties(width=WIDTH, height=HEIGHT))


def cumulative_lines(
    frame: pd.DataFrame,
    *,
    x: str,
    series: str,
    y: str,
    x_title: str,
    y_title: str,
    colors: Mapping[str, str],
    y_format: str = ",.0f",
) -> Mapping[str, Any]:
    """One line per series over time (long format), e.g. cumulative cost against benefit."""
    chart = (
        alt.Chart(frame)
        .mark_line(point=False, strokeWidth=2.5)
        .encode(
            x=alt.X(f"{x}:T", title=x_title),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format)),
            color=alt.Color(
                f"{series}:N",
                title=None,
                scale=alt.Scale(domain=list(colors), range=list(colors.values())),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[f"{series}:N", f"{x}:T", alt.Tooltip(f"{y}:Q", format=y_format)],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return _spec(chart)


def horizontal_bars(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    value_title: str,
    color: str = COST,
    value_format: str = ",.0f",
) -> Mapping[str, Any]:
    """Bars by category, largest first: cost by category, revenue by channel and so on."""
    chart = (
        alt.Chart(frame)
        .mark_bar(color=color)
        .encode(
            y=alt.Y(f"{category}:N", title=None, sort="-x"),
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
            tooltip=[f"{category}:N", alt.Tooltip(f"{value}:Q", format=value_format)],
        )
        .properties(width=WIDTH - 140, height=max(60, 24 * len(frame)))
    )
    return _spec(chart)


def heatmap(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    value: str,
    x_title: str,
    y_title: str,
    value_title: str,
    value_format: str = ".0%",
) -> Mapping[str, Any]:
    """A cohort-style grid: ``y`` rows (ordinal), ``x`` columns, colour and label by ``value``."""
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x}:O", title=x_title),
        y=alt.Y(f"{y}:O", title=y_title),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            f"{value}:Q",
            title=value_title,
            scale=alt.Scale(scheme="greens", domain=[0, 1]),
            legend=alt.Legend(format=value_format),
        ),
        tooltip=[f"{y}:O", f"{x}:O", alt.Tooltip(f"{value}:Q", format=value_format)],
    )
    labels = base.mark_text(fontSize=9).encode(
        text=alt.Text(f"{value}:Q", format=value_format),
        color=alt.condition(alt.datum[value] > 0.6, alt.value("white"), alt.value("#1d2733")),
    )
    rows = frame[y].nunique()
    return _spec(alt.layer(cells, labels).properties(width=WIDTH, height=max(80, 18 * rows)))


def grouped_bars(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    group: str,
    value_title: str,
    colors: Mapping[str, str],
    value_format: str = ".0%",
) -> Mapping[str, Any]:
    """Horizontal bars by category, one per group side by side (e.g. two attribution models)."""
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", title=None, sort="-x"),
            yOffset=alt.YOffset(f"{group}:N"),
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
            color=alt.Color(
                f"{group}:N",
                title=None,
                scale=alt.Scale(domain=list(colors), range=list(colors.values())),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[f"{category}:N", f"{group}:N", alt.Tooltip(f"{value}:Q", format=value_format)],
        )
        .properties(width=WIDTH - 140, height=max(80, 30 * frame[category].nunique()))
    )
    return _spec(chart)


def waterfall(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    total_label: str,
    value_title: str,
    value_format: str = ",.0f",
) -> Mapping[str, Any]:
    """Cost categories stacked step by step up to their total (a cost waterfall).

    Each step is a floating bar from the running total before it to the running total after it;
    the last bar is the total, from zero.
    """
    steps = frame[[category, value]].reset_index(drop=True)
    ends = steps[value].cumsum()
    bars = pd.DataFrame(
        {
            "step": [*steps[category].astype(str), total_label],
            "start": [*(ends - steps[value]), 0.0],
            "end": [*ends, float(ends.iloc[-1]) if len(ends) else 0.0],
            "amount": [*steps[value], float(ends.iloc[-1]) if len(ends) else 0.0],
            "kind": ["step"] * len(steps) + ["total"],
        }
    )
    order = list(bars["step"])
    chart = (
        alt.Chart(bars)
        .mark_bar()
        .encode(
            x=alt.X("step:N", title=None, sort=order, axis=alt.Axis(labelAngle=-30)),
            y=alt.Y("start:Q", title=value_title, axis=alt.Axis(format=value_format)),
            y2="end:Q",
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=["step", "total"], range=[COST, "#6b2f22"]),
                legend=None,
            ),
            tooltip=["step:N", alt.Tooltip("amount:Q", format=value_format)],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return _spec(chart)


def tornado_bars(
    frame: pd.DataFrame,
    *,
    label: str,
    low: str,
    high: str,
    base: float,
    value_title: str,
    value_format: str = ",.0f",
) -> Mapping[str, Any]:
    """One bar per input from its low to its high outcome, widest first, around the base value."""
    order = list(frame[label])
    bars = (
        alt.Chart(frame)
        .mark_bar(color=NEUTRAL)
        .encode(
            y=alt.Y(f"{label}:N", title=None, sort=order),
            x=alt.X(f"{low}:Q", title=value_title, axis=alt.Axis(format=value_format)),
            x2=f"{high}:Q",
            tooltip=[
                f"{label}:N",
                alt.Tooltip(f"{low}:Q", format=value_format),
                alt.Tooltip(f"{high}:Q", format=value_format),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"base": [base]}))
        .mark_rule(color="#1d2733", strokeDash=[4, 3])
        .encode(x="base:Q")
    )
    chart = alt.layer(bars, rule).properties(width=WIDTH - 160, height=max(60, 26 * len(frame)))
    return _spec(chart)


def distribution(
    frame: pd.DataFrame,
    *,
    x: str,
    density: str,
    x_title: str,
    y_title: str,
    x_format: str = ",.0f",
) -> Mapping[str, Any]:
    """A density curve with the loss side (x < 0) in the cost colour, a rule at zero."""
    area = (
        alt.Chart(frame)
        .mark_area(opacity=0.8)
        .encode(
            x=alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format=x_format)),
            y=alt.Y(f"{density}:Q", title=y_title, axis=alt.Axis(labels=False, ticks=False)),
            color=alt.Color(
                "side:N",
                scale=alt.Scale(domain=["loss", "gain"], range=[COST, BENEFIT]),
                legend=None,
            ),
        )
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#1d2733").encode(x="zero:Q")
    return _spec(alt.layer(area, zero).properties(width=WIDTH, height=HEIGHT - 60))


def funnel_bars(
    frame: pd.DataFrame,
    *,
    step: str,
    value: str,
    label: str,
    value_title: str,
) -> Mapping[str, Any]:
    """Deals reaching each step, in funnel order, each bar labelled with its drop-off text."""
    order = list(frame[step])
    base = alt.Chart(frame).encode(y=alt.Y(f"{step}:N", title=None, sort=order))
    bars = base.mark_bar(color=NEUTRAL).encode(
        x=alt.X(f"{value}:Q", title=value_title),
        tooltip=[f"{step}:N", f"{value}:Q", f"{label}:N"],
    )
    text = base.mark_text(align="left", dx=4, fontSize=10, color="#1d2733").encode(
        x=f"{value}:Q", text=f"{label}:N"
    )
    chart = alt.layer(bars, text).properties(width=WIDTH - 220, height=max(60, 22 * len(frame)))
    return _spec(chart)
