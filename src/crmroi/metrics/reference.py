"""The KPI reference (``docs/kpis.md``), generated from the registry so that it cannot drift.

``python -m crmroi.metrics.reference > docs/kpis.md`` rewrites it; a test fails when the file
differs from :func:`render`.
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import fields

from crmroi.metrics import (
    REGISTRY,
    KpiSettings,
    Registry,
    context,
    forecast,
    funnel,
    retention,
    targets,
    web,
)


def _settings_table() -> list[str]:
    lines = ["| setting | default |", "|---|---|"]
    defaults = KpiSettings()
    for f in fields(KpiSettings):
        value = getattr(defaults, f.name)
        shown = ", ".join(value) if isinstance(value, tuple) else repr(value)
        lines.append(f"| `{f.name}` | `{shown}` |")
    return lines


def render(registry: Registry = REGISTRY) -> str:
    """The KPI reference as Markdown."""
    lines = [
        "# KPI reference",
        "",
        "Generated from the KPI registry (`python -m crmroi.metrics.reference > docs/kpis.md`);",
        "do not edit by hand. Shares are fractions from 0 to 1; money is in the workspace's",
        "currency. `crmroi kpis --list` shows the same list.",
        "",
        "| id | label (en) | label (de) | unit | better | kind |",
        "|---|---|---|---|---|---|",
    ]
    lines.extend(
        f"| [`{m.id}`](#{m.id}) | {m.label_en} | {m.label_de} | {m.unit.value} | "
        f"{m.direction.value} | {m.kind.value} |"
        for m in registry
    )
    lines += ["", "## Settings", "", *_settings_table(), ""]
    lines += ["## Conventions", ""]
    for module in (context, funnel, forecast, retention, targets, web):
        title = module.__name__.rsplit(".", 1)[-1]
        lines += [f"### {title}", "", inspect.getdoc(module) or "", ""]
    for m in registry:
        dims = ", ".join(sorted(m.dimensions)) or "none (whole company only)"
        lines += [
            f"## {m.id}",
            "",
            f"**{m.label_en}** / {m.label_de}. Unit: {m.unit.value}; {m.direction.value} is "
            f"better; kind: {m.kind.value}.",
            "",
            f"- Period date: {m.date}",
            f"- Dimensions: {dims}",
        ]
        if m.components:
            lines.append(f"- Computed from: {', '.join(m.components)}")
        lines += ["", m.doc, ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
