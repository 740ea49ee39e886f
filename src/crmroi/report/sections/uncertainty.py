"""How sure the ROI is: the sensitivity tornado and the Monte Carlo distribution of ROI.

Both come from the ROI analysis (:mod:`crmroi.roi.sensitivity`); nothing is re-estimated here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmroi.report.build import ReportContext
from crmroi.report.charts import distribution, tornado_bars
from crmroi.report.i18n import format_value
from crmroi.report.model import Chart, Unit
from crmroi.report.sections.costs import CATEGORY_DE

INPUTS_DE = {
    "uplift (revenue)": "Mehrumsatz",
    "margin": "Marge",
    "discount rate": "Kalkulationszins",
}
Z95 = 1.959963984540054
"""The standard normal's 97.5 percentile: a 95 % interval is mean ± Z95 × sd."""


def input_name(name: str, lang: str) -> str:
    """A tornado input (``cost: licence``, ``margin`` …) in the report's language."""
    if lang != "de":
        return name
    if name.startswith("cost: "):
        category = name.removeprefix("cost: ")
        return f"Kosten: {CATEGORY_DE.get(category, category)}"
    return INPUTS_DE.get(name, name)


def tornado_chart(ctx: ReportContext, data: dict[str, Any]) -> Chart | None:
    """NPV at each input's low and high setting, widest swing first, around the headline NPV."""
    rows = data.get("tornado") or []
    base = data.get("npv")
    if not rows or base is None:
        return None
    frame = pd.DataFrame(
        {
            "input": [input_name(r["input"], ctx.lang) for r in rows],
            "low": [min(r["npv_low"], r["npv_high"]) for r in rows],
            "high": [max(r["npv_low"], r["npv_high"]) for r in rows],
        }
    )
    return Chart(
        id="tornado",
        title=ctx.text("What moves the NPV most", "Was den Kapitalwert am stärksten bewegt"),
        spec=tornado_bars(
            frame,
            label="input",
            low="low",
            high="high",
            base=float(base),
            value_title=ctx.text(f"NPV ({ctx.currency})", f"Kapitalwert ({ctx.currency})"),
        ),
        caption=ctx.text(
            "Each bar is the NPV with one input at its low and at its high setting, the others "
            "as they are; the dashed line is the headline NPV.",
            "Jeder Balken ist der Kapitalwert mit einer Eingabe an ihrem unteren und oberen "
            "Wert, die übrigen unverändert; die gestrichelte Linie ist der Kapitalwert oben.",
        ),
    )


def distribution_chart(ctx: ReportContext, data: dict[str, Any]) -> Chart | None:
    """The ROI's Monte Carlo distribution, drawn as its normal density.

    ROI is linear in the revenue, which the Monte Carlo draws from a normal distribution, so
    the ROI is normal too: its mean and spread follow from the 2.5 and 97.5 percentiles the
    analysis reports. No interval (a counted revenue) means no chart.
    """
    low, high = data.get("roi_pct_low"), data.get("roi_pct_high")
    prob = data.get("prob_roi_positive")
    if low is None or high is None or prob is None or high <= low:
        return None
    mean, sd = (low + high) / 2, (high - low) / (2 * Z95)
    xs = np.union1d(np.linspace(mean - 4 * sd, mean + 4 * sd, 161), [0.0])
    density = np.exp(-0.5 * ((xs - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))
    gain, loss = xs >= 0, xs <= 0
    frame = pd.concat(
        [
            pd.DataFrame({"roi": xs[loss], "density": density[loss], "side": "loss"}),
            pd.DataFrame({"roi": xs[gain], "density": density[gain], "side": "gain"}),
        ],
        ignore_index=True,
    )
    draws = format_value(ctx.roi.monte_carlo.draws, Unit.integer, ctx.lang, ctx.currency)
    return Chart(
        id="roi-distribution",
        title=ctx.text("How sure the ROI is", "Wie sicher der ROI ist"),
        spec=distribution(
            frame,
            x="roi",
            density="density",
            x_title=ctx.text("ROI (%)", "ROI (%)"),
            y_title=ctx.text("likelihood", "Wahrscheinlichkeit"),
        ),
        caption=ctx.text(
            f"ROI over {draws} Monte Carlo draws of the revenue within its uncertainty: "
            f"P(ROI > 0) = {prob:.0%}; the green area is a gain, the red a loss.",
            f"ROI über {draws} Monte-Carlo-Ziehungen des Umsatzes in seiner Unsicherheit: "
            f"P(ROI > 0) = {prob * 100:.0f}\xa0%; die grüne Fläche ist Gewinn, die rote Verlust.",
        ),
    )
