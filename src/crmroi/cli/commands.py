"""The command table: which module defines each `crmroi` command, and its one-line help.

The table lets ``crmroi --help`` list every command without importing any of them: a command's
module (and pandas, Ibis, SciPy behind it) loads only when that command runs or shows its own
help. ``tests/cli/test_startup.py`` checks the help lines against the commands' docstrings.
"""

from __future__ import annotations

COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "crmroi.cli.init",
        "Create the workspace with every canonical table, or upgrade an older one.",
    ),
    "import": (
        "crmroi.cli.imports",
        "Import exports (CSV/TSV, XLSX, Parquet, JSON); bad rows go to quarantine with their "
        "reason.",
    ),
    "warehouse": (
        "crmroi.cli.warehouse",
        "Map existing warehouse tables onto the canonical tables, as views (no import).",
    ),
    "quarantine": (
        "crmroi.cli.quarantine",
        "List rejected input rows; fix them in the source file and import it again.",
    ),
    "report": (
        "crmroi.cli.report",
        "Write the report: does the CRM pay for itself, and where to look.",
    ),
    "demo": (
        "crmroi.cli.demo",
        "Simulate a company, import it through the real import path and write its report.",
    ),
    "roi": (
        "crmroi.cli.roi",
        "ROI of the CRM on touched, attributed and incremental revenue, side by side.",
    ),
    "findings": (
        "crmroi.cli.findings",
        "What to fix first: findings ranked by money at stake × confidence.",
    ),
    "alerts": (
        "crmroi.cli.alerts",
        "New findings and KPIs gone off target since the last run, printed or mailed (for cron).",
    ),
    "kpis": ("crmroi.cli.kpis", "Compute KPIs by period and dimension."),
    "targets": (
        "crmroi.cli.targets",
        "Set, import or list KPI targets; attainment then shows wherever the KPI shows.",
    ),
    "funnel": (
        "crmroi.cli.kpis",
        "Stage funnel: reached, conversion (adjacent, cumulative), drop-off, time in stage.",
    ),
    "forecast": (
        "crmroi.cli.kpis",
        "Weighted forecast of the current period vs quota, and accuracy of past forecasts.",
    ),
    "clv": (
        "crmroi.cli.clv",
        "Probabilistic CLV: BG/NBD (purchases, P(alive)) and Gamma-Gamma (spend), discounted.",
    ),
    "engagement": (
        "crmroi.cli.engagement",
        "Engagement score: distribution, by segment and owner, and who is falling fastest.",
    ),
    "cohorts": (
        "crmroi.cli.engagement",
        "Cohort matrix: cohorts by acquisition period × periods since acquisition.",
    ),
    "retention": (
        "crmroi.cli.engagement",
        "Churn (logo and revenue), customer retention rate, NRR and GRR per period.",
    ),
    "rfm": (
        "crmroi.cli.engagement",
        "RFM segments: customers, revenue and suggested action per segment.",
    ),
    "surveys": (
        "crmroi.cli.engagement",
        "NPS, CSAT or CES with confidence intervals; comment themes with detractor shares.",
    ),
    "attribution": (
        "crmroi.cli.attribution",
        "Credit revenue to channels, campaigns or workflows, with bootstrap intervals.",
    ),
    "experiments": (
        "crmroi.cli.experiments",
        "Campaigns and workflows against their control groups on any outcome, with intervals.",
    ),
    "mmm": (
        "crmroi.cli.mmm",
        "Marketing-mix model: incremental outcome and ROI of spend-only channels, with intervals.",
    ),
    "serve": (
        "crmroi.cli.serve",
        "Serve the web dashboard: KPIs, findings, attribution, ROI and uploads in the browser.",
    ),
    "synth": (
        "crmroi.cli.synth",
        "Simulate a company with a known ground truth and write its canonical tables.",
    ),
}
"""Command name → (module that registers it, first line of its help), in listing order."""

COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(module for module, _ in COMMANDS.values()))
"""Each module once, in order; each exposes ``register(app)`` (the path an extension takes)."""
