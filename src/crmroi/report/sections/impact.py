"""Which channels, campaigns and workflows brought the revenue, and which pay for themselves."""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmroi.errors import CrmroiError
from crmroi.report.build import ReportContext, register_section
from crmroi.report.charts import BENEFIT, NEUTRAL, grouped_bars
from crmroi.report.i18n import term
from crmroi.report.model import Chart, DataTable, Section, Unit
from crmroi.report.values import number

MODELS = ("data_driven", "last_touch")
LOOKBACK_DAYS = 90
BOOTSTRAP = 100
TOP_CAMPAIGNS = 12


def _channel_attribution(ctx: ReportContext) -> Any:
    """The models at channel level, on the ROI analysis's journeys when it built them.

    Campaign-level journeys recoded to their channels are the channel-level ones, so the
    engine is not asked twice (on the large company that is a second pass over 12M touches).
    """
    from crmroi.attribution import attribute, attribute_journeys
    from crmroi.attribution.journeys import channel_journeys

    roi: Any = ctx.roi if ctx.roi_error is None else None
    shared = getattr(roi, "journeys", None)
    if shared is not None and roi.settings.attribution_lookback_days == LOOKBACK_DAYS:
        return attribute_journeys(
            channel_journeys(shared),
            models=MODELS,
            bootstrap=BOOTSTRAP,
            lookback_days=LOOKBACK_DAYS,
        )
    return attribute(
        ctx.ws, models=MODELS, level="channel", lookback_days=LOOKBACK_DAYS, bootstrap=BOOTSTRAP
    )


def _channel_parts(ctx: ReportContext) -> tuple[Chart, DataTable] | None:
    """The models' channel shares side by side: a chart, and a table with their intervals."""
    result = _channel_attribution(ctx)
    frames = []
    names = {
        "data_driven": ctx.text("data-driven (incremental)", "datengetrieben (inkrementell)"),
        "last_touch": ctx.text("last touch", "letzter Kontakt"),
    }
    for model in MODELS:
        table = result.table(model)
        frames.append(
            pd.DataFrame(
                {
                    "channel": [term(c, ctx.lang) for c in table["channel"]],
                    "share": table["share"],
                    "model": names[model],
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    if frame.empty:
        return None
    chart = Chart(
        id="channel-shares",
        title=ctx.text("Share of won revenue by channel", "Anteil am gewonnenen Umsatz nach Kanal"),
        spec=grouped_bars(
            frame,
            category="channel",
            value="share",
            group="model",
            value_title=ctx.text("share of revenue", "Umsatzanteil"),
            colors={names["data_driven"]: BENEFIT, names["last_touch"]: NEUTRAL},
        ),
        caption=ctx.text(
            "The data-driven model credits a channel only with the conversions it added (Shapley "
            "values of a fitted conversion model); revenue that would have come anyway is the "
            "(baseline). Last touch, as most CRMs report it, gives every deal to its final touch.",
            "Das datengetriebene Modell rechnet einem Kanal nur die zusätzlichen Abschlüsse zu "
            "(Shapley-Werte eines Konversionsmodells); Umsatz, der ohnehin gekommen wäre, ist die "
            "(Basis). 'Letzter Kontakt', wie die meisten CRMs, gibt jeden Deal dem letzten "
            "Kontakt.",
        ),
    )
    return chart, _interval_table(ctx, result, names)


def _interval_table(ctx: ReportContext, result: Any, names: dict[str, str]) -> DataTable:
    """Per channel each model's share of won revenue with its bootstrap 95 % interval."""
    tables = {model: result.table(model).set_index("channel") for model in MODELS}
    channels = list(tables[MODELS[0]].sort_values("share", ascending=False).index)
    channels += [c for c in tables[MODELS[1]].index if c not in channels]
    columns = [ctx.text("channel", "Kanal")]
    for model in MODELS:
        columns += [
            names[model],
            ctx.text("low (95 %)", "unten (95 %)"),
            ctx.text("high (95 %)", "oben (95 %)"),
        ]
    rows = []
    for channel in channels:
        row: list[Any] = [term(channel, ctx.lang)]
        for model in MODELS:
            table = tables[model]
            got = table.loc[channel] if channel in table.index else None
            row += [
                None if got is None else number(got.get("share")),
                None if got is None else number(got.get("share_low")),
                None if got is None else number(got.get("share_high")),
            ]
        rows.append(tuple(row))
    return DataTable(
        id="attribution",
        title=ctx.text("Attribution models side by side", "Attributionsmodelle im Vergleich"),
        columns=tuple(columns),
        rows=tuple(rows),
        units=(Unit.text, *([Unit.ratio] * (3 * len(MODELS)))),
        caption=ctx.text(
            "Share of won revenue per channel under each model, with a 95 % bootstrap interval "
            "(100 resamples); an interval that reaches zero means the data cannot "
            "tell the channel's share from nothing.",
            "Anteil am gewonnenen Umsatz je Kanal nach jedem Modell, mit 95-%-Bootstrap-"
            "Intervall (100 Stichproben); reicht das Intervall bis null, können die "
            "Daten den Anteil des Kanals nicht von nichts unterscheiden.",
        ),
    )


def _workflow_table(ctx: ReportContext, rows: list[dict[str, Any]]) -> DataTable | None:
    if not rows:
        return None
    return DataTable(
        id="workflows",
        title=ctx.text("Workflows against their holdout groups", "Workflows gegen Kontrollgruppen"),
        columns=(
            ctx.text("workflow", "Workflow"),
            ctx.text("enrolled", "eingeschrieben"),
            ctx.text("holdout", "Kontrollgruppe"),
            ctx.text("conversion lift", "Konversionsplus"),
            ctx.text("added revenue", "Zusatzumsatz"),
            ctx.text("low (95 %)", "unten (95 %)"),
            ctx.text("high (95 %)", "oben (95 %)"),
            ctx.text("cost", "Kosten"),
            "ROI",
        ),
        rows=tuple(
            (
                r["name"],
                r["enrolled"],
                r["holdout"],
                r["conversion_lift"],
                r["incremental_revenue"],
                r.get("incremental_low"),
                r.get("incremental_high"),
                r["cost"],
                r["roi_pct"],
            )
            for r in rows
        ),
        units=(
            Unit.text,
            Unit.integer,
            Unit.integer,
            Unit.ratio,
            Unit.currency,
            Unit.currency,
            Unit.currency,
            Unit.currency,
            Unit.percent,
        ),
        caption=_workflow_caption(ctx),
    )


def _workflow_caption(ctx: ReportContext) -> str:
    """What converting means here: the ROI analysis's holdout outcome, not the experiments'."""
    settings = ctx.config.roi_settings()
    days = settings.conversion_window_days
    if settings.holdout_outcome == "opportunity":
        means = (
            f"a deal created for the contact within {days} days of enrolment (its revenue is "
            "what those deals won)",
            f"ein Deal, der binnen {days} Tagen nach der Einschreibung für den Kontakt angelegt "
            "wurde (sein Umsatz ist, was diese Deals gewonnen haben)",
        )
    else:
        means = (
            f"a won deal closed within {days} days of enrolment",
            f"ein gewonnener Deal, abgeschlossen binnen {days} Tagen nach der Einschreibung",
        )
    return ctx.text(
        f"Conversion = {means[0]}, `[roi] holdout_outcome`. Conversion lift = conversion of "
        "enrolled contacts − conversion of the holdout group; added revenue = conversion lift × "
        "revenue per converting contact (both groups) × enrolled, with its 95 % interval: it "
        "assumes a workflow changes whether a contact converts, not what a conversion is worth. "
        "Small holdout groups give wide intervals.",
        f"Konversion = {means[1]}, `[roi] holdout_outcome`. Konversionsplus = Konversion der "
        "Eingeschriebenen − Konversion der Kontrollgruppe; Zusatzumsatz = Konversionsplus × "
        "Umsatz je konvertiertem Kontakt (beide Gruppen) × Eingeschriebene, mit 95-%-Intervall: "
        "angenommen ist, dass ein Workflow ändert, ob ein Kontakt konvertiert, nicht was eine "
        "Konversion wert ist. Kleine Kontrollgruppen geben breite Intervalle.",
    )


def _campaign_table(ctx: ReportContext, rows: list[dict[str, Any]]) -> DataTable | None:
    """The best campaigns by ROI, and every channel known only by its spend (the model's)."""
    from crmroi.roi.units import MMM_MODEL

    scored = [r for r in rows if r.get("roi_pct") is not None]
    mixed = [r for r in scored if r.get("revenue_model") == MMM_MODEL]
    ranked = sorted(
        [r for r in scored if r.get("revenue_model") != MMM_MODEL],
        key=lambda r: -float(r["roi_pct"]),
    )[: max(TOP_CAMPAIGNS - len(mixed), 0)]
    ranked = sorted([*ranked, *mixed], key=lambda r: -float(r["roi_pct"]))
    if not ranked:
        return None
    basis = {
        MMM_MODEL: ctx.text("marketing-mix model", "Marketing-Mix-Modell"),
        "deal_source": ctx.text("deal source", "Deal-Quelle"),
    }
    return DataTable(
        id="campaigns",
        title=ctx.text("Campaigns by ROI", "Kampagnen nach ROI"),
        columns=(
            ctx.text("campaign", "Kampagne"),
            ctx.text("cost", "Kosten"),
            ctx.text("revenue", "Umsatz"),
            ctx.text("basis", "Grundlage"),
            "ROI",
        ),
        rows=tuple(
            (
                r["name"],
                r["cost"],
                r["revenue"],
                basis.get(str(r["revenue_model"]), ctx.text("attribution", "Attribution")),
                r["roi_pct"],
            )
            for r in ranked
        ),
        units=(Unit.text, Unit.currency, Unit.currency, Unit.text, Unit.percent),
        caption=ctx.text(
            "ROI = (revenue − campaign cost) ÷ campaign cost × 100; each campaign's cost is "
            "counted once, however many deals it touched. Revenue is attributed, or for channels "
            "known only by their spend (print, radio …) the incremental revenue of the "
            "marketing-mix model, cost = the spend (crmroi mmm).",
            "ROI = (Umsatz − Kampagnenkosten) ÷ Kampagnenkosten × 100; die Kosten zählen einmal "
            "je Kampagne, gleich wie viele Deals sie berührt hat. Umsatz ist zugeordnet, bei "
            "Kanälen, die nur über ihre Ausgaben bekannt sind (Print, Radio …), der Zusatzumsatz "
            "des Marketing-Mix-Modells, Kosten = die Ausgaben (crmroi mmm).",
        ),
    )


def _experiments(ctx: ReportContext) -> tuple[DataTable | None, tuple[str, ...]]:
    """Campaigns and workflows against their control groups, on conversions (no currency).

    A unit the conversion window leaves out is listed with the reason (as a note), so an
    experiment the data holds is never silently missing (e.g. a test whose file has no dates).
    """
    from crmroi.impact.experiments import experiments
    from crmroi.report.reasons import german_reason
    from crmroi.roi.fx import FxRates

    window = ctx.config.roi_settings().conversion_window_days
    rows = experiments(ctx.ws, FxRates(ctx.currency, {}), "conversions", window_days=window)
    if not rows:
        return None, ()
    reasons = tuple(
        f"{r.unit}: {german_reason(r.reason) if ctx.lang == 'de' else r.reason}"
        for r in rows
        if r.reason
    )
    return _experiment_table(ctx, rows, window), reasons


def _experiment_table(ctx: ReportContext, rows: list[Any], window: int) -> DataTable:
    return DataTable(
        id="experiments",
        title=ctx.text(
            "Experiments: conversion against the control group",
            "Experimente: Konversion gegen die Kontrollgruppe",
        ),
        columns=(
            ctx.text("campaign or workflow", "Kampagne oder Workflow"),
            ctx.text("treated", "behandelt"),
            ctx.text("control", "Kontrolle"),
            ctx.text("conversion, treated", "Konversion, behandelt"),
            ctx.text("conversion, control", "Konversion, Kontrolle"),
            ctx.text("lift", "Plus"),
            ctx.text("low (95 %)", "unten (95 %)"),
            ctx.text("high (95 %)", "oben (95 %)"),
            ctx.text("left out", "ausgelassen"),
        ),
        rows=tuple(
            (
                r.unit,
                r.treated,
                r.control,
                r.treated_value,
                r.control_value,
                r.lift,
                r.low,
                r.high,
                r.left_out,
            )
            for r in rows
        ),
        units=(
            Unit.text,
            Unit.integer,
            Unit.integer,
            Unit.ratio,
            Unit.ratio,
            Unit.ratio,
            Unit.ratio,
            Unit.ratio,
            Unit.integer,
        ),
        caption=ctx.text(
            f"Conversion = share of contacts with a won deal within {window} days of entering "
            "the campaign or workflow (`[roi] conversion_window_days`); lift = treated − "
            "control, with its 95 % interval (Agresti–Caffo). Members whose window ends after "
            "the data are left out; `crmroi experiments --window N` shows each outcome.",
            f"Konversion = Anteil der Kontakte mit gewonnenem Deal binnen {window} Tagen nach "
            "Eintritt (Konversionszeitraum, einstellbar unter [roi]); Plus = behandelt − "
            "Kontrolle, mit "
            "95-%-Intervall (Agresti–Caffo). Mitglieder, deren Zeitraum nach dem Datenende "
            "endet, sind ausgelassen; `crmroi experiments --window N` zeigt jedes Ergebnis.",
        ),
    )


@register_section("impact")
def impact(ctx: ReportContext) -> Section | None:
    """Channel shares (data-driven vs last touch), experiments, workflow holdouts, campaign ROI."""
    if (
        ctx.rows["touchpoints"] == 0
        and ctx.rows["workflow_enrollments"] == 0
        and ctx.rows["campaign_members"] == 0
    ):
        return None
    try:  # the workflow and campaign ROI tables need the ROI analysis (an adoption date) …
        data: dict[str, Any] | None = ctx.roi.to_dict()
        unavailable: CrmroiError | None = None
    except CrmroiError as exc:  # … the channel shares and the experiments do not
        data, unavailable = None, exc
    parts = _channel_parts(ctx) if ctx.rows["touchpoints"] else None
    chart = parts[0] if parts else None
    experiment_table, experiment_notes = _experiments(ctx)
    tables = tuple(
        t
        for t in (
            parts[1] if parts else None,
            experiment_table,
            _workflow_table(ctx, data["workflows"]) if data else None,
            _campaign_table(ctx, data["campaigns"]) if data else None,
        )
        if t is not None
    )
    if unavailable is not None and not tables and chart is None:
        raise unavailable
    if unavailable is not None:
        from crmroi.report.reasons import german_reason

        reason = str(unavailable)
        experiment_notes += (
            ctx.text(
                f"Campaign and workflow ROI are not shown: {reason}",
                f"ROI je Kampagne und Workflow nicht gezeigt: {german_reason(reason)}",
            ),
        )
    return Section(
        id="impact",
        title=ctx.text("What brought the revenue", "Was den Umsatz gebracht hat"),
        summary=ctx.text(
            "Attribution splits each won deal over the touches before it; holdout groups show "
            "what a workflow added over doing nothing.",
            "Attribution verteilt jeden gewonnenen Deal auf die Kontakte davor; Kontrollgruppen "
            "zeigen, was ein Workflow gegenüber Nichtstun gebracht hat.",
        ),
        charts=(chart,) if chart else (),
        tables=tables,
        notes=experiment_notes,
    )
