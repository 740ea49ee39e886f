"""The headline incremental estimate as a table: design, interval, assumptions, checks, choice.

Read from the typed :class:`crmroi.impact.ImpactResult` of the ROI analysis (nothing is
re-estimated); the overview shows it under the bases, so a reader of the ROI sees what the
incremental revenue rests on and can judge it.
"""

from __future__ import annotations

from crmroi.impact import Estimate, ImpactResult
from crmroi.report.build import ReportContext
from crmroi.report.designs import METHOD_DE, assumption_de, design_de, why_de
from crmroi.report.i18n import format_value
from crmroi.report.model import DataTable, Unit
from crmroi.roi.headline import METHOD_NAMES


def _money(ctx: ReportContext, value: float | None) -> str:
    return format_value(value, Unit.currency, ctx.lang, ctx.currency)


def _p(ctx: ReportContext, p: float) -> str:
    return "p = " + (f"{p:.3f}".replace(".", ",") if ctx.lang == "de" else f"{p:.3f}")


def _interval(
    ctx: ReportContext, value: float | None, low: float | None, high: float | None
) -> str:
    if low is None or high is None:
        return _money(ctx, value) + ctx.text(" (no interval)", " (kein Intervall)")
    sep = "; " if ctx.lang == "de" else ", "
    return f"{_money(ctx, value)} [{_money(ctx, low)}{sep}{_money(ctx, high)}]"


def _checks(ctx: ReportContext, d: dict[str, float | None]) -> list[tuple[str, str]]:
    """The estimate's diagnostics that it has, each as (label, value) in the report's language."""
    rows = []
    if (v := d.get("placebo_value")) is not None:
        rows.append(
            (
                ctx.text("Placebo go-live before the real one", "Placebo-Start vor dem echten"),
                _interval(ctx, v, d.get("placebo_low"), d.get("placebo_high")),
            )
        )
    if (p := d.get("pre_trend_p_value")) is not None:
        rows.append((ctx.text("Pre-trend test", "Vortrendtest"), _p(ctx, p)))
    if (p := d.get("space_placebo_p_value")) is not None:
        donors = format_value(d.get("donors"), Unit.integer, ctx.lang, ctx.currency)
        rows.append(
            (
                ctx.text("Placebo on each donor team", "Placebo je Spenderteam"),
                _p(ctx, p) + ctx.text(f" ({donors} donor teams)", f" ({donors} Spenderteams)"),
            )
        )
    if (share := d.get("pre_rmspe_share")) is not None:
        pct = format_value(share, Unit.ratio, ctx.lang, ctx.currency)
        rows.append(
            (
                ctx.text("Fit before go-live (RMSPE)", "Anpassung vor dem Start (RMSPE)"),
                ctx.text(f"{pct} of the mean month", f"{pct} des mittleren Monats"),
            )
        )
    if (change := d.get("non_user_win_rate_change")) is not None:
        pct = ("+" if change > 0 else "") + format_value(change, Unit.ratio, ctx.lang, ctx.currency)
        p = d.get("non_user_p_value")
        rows.append(
            (
                ctx.text("Win rate of reps without the CRM", "Gewinnquote ohne CRM-Nutzung"),
                pct + (f" ({_p(ctx, p)})" if p is not None else ""),
            )
        )
    if (n := d.get("n")) is not None:
        count = format_value(n, Unit.integer, ctx.lang, ctx.currency)
        rows.append((ctx.text("Observations", "Beobachtungen"), count))
    return rows


def estimate_table(ctx: ReportContext, impact: ImpactResult) -> DataTable | None:
    """Design, 95 % interval, assumptions (one row each), checks and why, of the headline."""
    chosen: Estimate = impact.chosen
    if not chosen.ok:
        return None
    key = next(k for k, e in impact.estimates.items() if e is chosen)
    de = ctx.lang == "de"
    rows: list[tuple[str, str]] = [
        (ctx.text("Method", "Methode"), METHOD_DE[key] if de else METHOD_NAMES[key]),
        (ctx.text("Design", "Vorgehen"), design_de(chosen.design) if de else chosen.design),
        (
            ctx.text("Revenue added, 95 % interval", "Zusatzumsatz, 95-%-Intervall"),
            _interval(ctx, chosen.value, chosen.low, chosen.high),
        ),
    ]
    rows += [
        (ctx.text(f"Assumption {i}", f"Annahme {i}"), assumption_de(a) if de else a)
        for i, a in enumerate(chosen.assumptions, 1)
    ]
    rows += _checks(ctx, chosen.diagnostics)
    rows.append(
        (
            ctx.text("Why this method", "Warum diese Methode"),
            why_de(impact.why) if de else impact.why,
        )
    )
    return DataTable(
        id="incremental-estimate",
        title=ctx.text(
            "How the revenue added by the CRM was estimated",
            "Wie der Zusatzumsatz durch das CRM geschätzt wurde",
        ),
        columns=(ctx.text("aspect", "Aspekt"), ctx.text("detail", "Angabe")),
        rows=tuple(rows),
        units=(Unit.text, Unit.text),
        caption=ctx.text(
            "The incremental estimate the ROI stands on: what it compares, what must hold for "
            "its interval to be right, and the checks of that; `crmroi roi --explain` prints "
            "every method side by side.",
            "Die inkrementelle Schätzung, auf der der ROI steht: was sie vergleicht, was gelten "
            "muss, damit ihr Intervall stimmt, und die Prüfungen dazu; `crmroi roi --explain` "
            "zeigt alle Methoden nebeneinander.",
        ),
    )
