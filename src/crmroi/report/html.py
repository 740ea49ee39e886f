"""Render a :class:`Report` as one self-contained HTML file that works offline.

Vega, Vega-Lite and vega-embed come inlined from ``vl-convert``'s bundle (≈1 MB), so opening
the file makes no network request; Altair's default HTML loads them from a CDN and breaks
offline.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import math
from pathlib import Path
from typing import Any

import jinja2
import vl_convert as vlc

from crmroi.report.i18n import VEGA_LOCALES, format_value, t
from crmroi.report.model import Metric, Report, Unit
from crmroi.report.sparkline import sparkline_svg
from crmroi.report.vega_cache import cached_bundle

TEMPLATES = Path(__file__).with_name("templates")


@functools.lru_cache(maxsize=1)
def vega_bundle() -> str:
    """The Vega + Vega-Lite + vega-embed JavaScript, inlined into every report."""
    snippet = "window.vegaEmbed = vegaEmbed; window.vegaLite = vegaLite; window.vega = vega;"
    version = importlib.metadata.version("vl-convert-python")
    return cached_bundle(version, snippet, lambda: vlc.javascript_bundle(snippet))


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element.

    Data text such as ``</script><script>…`` in a campaign name cannot close the element:
    ``<``, ``>`` and ``&`` become JSON unicode escapes, which mean the same to JavaScript.
    """
    text = json.dumps(value, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _change_class(metric: Metric) -> str:
    """Green for a change in the good direction, red for the bad one, none when unchanged."""
    value, previous = metric.value, metric.previous
    if value is None or previous is None or not math.isfinite(value - previous):
        return ""
    if value == previous:
        return ""
    up = value > previous
    good = up if metric.better == "higher" else not up
    return "good" if good else "bad"


STATIC_FONT = "DejaVu Sans"
"""The font static charts are laid out with. vl-convert measures labels with the font the spec
names while WeasyPrint draws ``sans-serif`` with fontconfig's choice (DejaVu Sans on Debian), which
is wider: legend entries overlapped and long axis labels were cut off in the PDF."""


def static_svgs(report: Report) -> dict[str, str]:
    """Every chart rendered to SVG by vl-convert (no browser), for PDF and print."""
    locale = VEGA_LOCALES.get(report.lang, "en-GB")
    svgs = {}
    for section in report.sections:
        for chart in section.charts:
            spec = dict(chart.spec)
            spec["config"] = {**spec.get("config", {}), "font": STATIC_FONT}
            svgs[chart.id] = vlc.vegalite_to_svg(
                spec, format_locale=locale, time_format_locale=locale
            )
    return svgs


def render_html(
    report: Report, *, inline_js: bool = True, static: bool = False, extra_css: str = ""
) -> str:
    """The report as an HTML string.

    ``static`` draws the charts as inline SVG instead of JavaScript (for PDF and e-mail);
    ``inline_js=False`` leaves the JavaScript out (smaller, for tests of the markup);
    ``extra_css`` is appended after the built-in styles (the PDF's page layout).
    """
    lang, currency = report.lang, report.currency

    def fmt(value: Any, unit: Unit) -> str:
        return format_value(value, unit, lang, currency)

    charts = {chart.id: chart.spec for section in report.sections for chart in section.charts}
    vega_locale = VEGA_LOCALES.get(lang, "en-GB")
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            fmt=fmt,
            t=lambda key: t(key, lang),
            change_class=_change_class,
            spark=lambda values: sparkline_svg(values or ()),
            charts_json=script_json(charts),
            format_locale=json.dumps(vlc.get_format_locale(vega_locale)),
            time_format_locale=json.dumps(vlc.get_time_format_locale(vega_locale)),
            vega_js=vega_bundle() if inline_js and not static else "",
            static_svgs=static_svgs(report) if static else None,
            extra_css=extra_css,
        )
    )


def write_html(report: Report, path: Path) -> Path:
    """Write the report to ``path`` (UTF-8) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path
