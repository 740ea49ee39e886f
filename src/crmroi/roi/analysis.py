"""``analyse(ws, settings)``: the whole ROI analysis, computed once into a frozen result.

Steps: adoption date and reporting currency → window → TCO (:mod:`.tco`) → revenue on the three
bases (:mod:`.benefits`, :mod:`crmroi.impact`) → figures per basis (:mod:`.cashflows`) →
uncertainty and what-ifs for the chosen basis (:mod:`.sensitivity`) → ROI per campaign and
workflow (:mod:`.units`). ``docs/roi.md`` explains every number of :meth:`RoiResult.to_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmroi.errors import CrmroiError
from crmroi.impact import Adoption, ImpactResult, incremental_revenue, resolve_adoption
from crmroi.roi import benefits, units
from crmroi.roi.benefits import Benefit
from crmroi.roi.cashflows import CashFlows, Figures, evaluate
from crmroi.roi.fx import FxRates, reporting_currency
from crmroi.roi.headline import Headline, choose
from crmroi.roi.sensitivity import MonteCarlo, ScenarioResult, TornadoRow, monte_carlo
from crmroi.roi.sensitivity import scenario as run_scenario
from crmroi.roi.sensitivity import tornado as run_tornado
from crmroi.roi.settings import BASES, STRONGEST_FIRST, RoiSettings
from crmroi.roi.tco import Tco, compute_tco, month_index, month_start
from crmroi.workspace import Workspace

FIGURE_KEYS = ("gross_profit", "roi_pct", "payback_months", "npv", "irr", "irr_pct")


@dataclass(frozen=True)
class BasisResult:
    """Revenue of one basis and the figures it gives."""

    benefit: Benefit
    figures: Figures | None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        if self.figures is None:  # not computed: the figures are null beside the reason
            return {**self.benefit.to_dict(), **dict.fromkeys(FIGURE_KEYS)}
        return {**self.benefit.to_dict(), **self.figures.to_dict()}


@dataclass(frozen=True)
class RoiResult:
    """Everything the ROI analysis found; renderers read this, never recompute."""

    settings: RoiSettings
    currency: str
    adoption_date: pd.Timestamp
    tco: Tco
    bases: dict[str, BasisResult]
    monte_carlo: MonteCarlo
    tornado: tuple[TornadoRow, ...]
    scenarios: tuple[ScenarioResult, ...]
    campaigns: tuple[dict[str, Any], ...]
    workflows: tuple[dict[str, Any], ...]
    impact: ImpactResult
    notes: tuple[str, ...]
    choice: Headline
    adoption_source: str
    benefit_through: str | None
    """Last month (``YYYY-MM``) the headline benefit is measured for; None: the whole window."""
    journeys: Any = field(default=None, repr=False, compare=False)
    """The campaign-level journeys attributed for the attributed basis and ROI per campaign
    (``crmroi.attribution.Journeys``; None when attribution did not run), so the report can
    reuse them instead of asking the engine again."""

    @property
    def basis(self) -> str:
        """The basis of the headline figures (resolved from ``settings.basis``)."""
        return self.choice.basis

    @property
    def headline(self) -> BasisResult:
        """The chosen basis."""
        return self.bases[self.basis]

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``crmroi roi --format json``; every key is explained in docs/roi.md."""
        head = self.headline
        figures = head.figures.to_dict() if head.figures else {}
        return {
            "basis": self.basis,
            "basis_requested": self.settings.basis,
            "basis_why": self.choice.why,
            "basis_upgrade": self.choice.upgrade,
            "method": head.benefit.method,
            "currency": self.currency,
            "adoption_date": self.adoption_date.date().isoformat(),
            "adoption_source": self.adoption_source,
            "benefit_through": self.benefit_through,
            "period": {
                "start": self.tco.start.date().isoformat(),
                "months": self.tco.months,
                "end": self.tco.month_labels()[-1],
            },
            "revenue": head.benefit.value,
            "revenue_low": head.benefit.low,
            "revenue_high": head.benefit.high,
            "revenue_reason": head.benefit.reason,
            "margin": self.settings.margin,
            "gross_profit": figures.get("gross_profit"),
            "productivity": figures.get("productivity"),
            "benefit": figures.get("benefit"),
            "total_cost": self.tco.total,
            "roi_pct": figures.get("roi_pct"),
            "roi_pct_reason": figures.get("roi_pct_reason") or head.benefit.reason,
            "roi_pct_low": self.monte_carlo.roi_pct_low,
            "roi_pct_high": self.monte_carlo.roi_pct_high,
            "prob_roi_positive": self.monte_carlo.prob_roi_positive,
            "payback_months": figures.get("payback_months"),
            "payback_reason": figures.get("payback_months_reason"),
            "discount_rate": self.settings.discount_rate,
            "npv": figures.get("npv"),
            "irr": figures.get("irr"),
            "irr_pct": figures.get("irr_pct"),
            "irr_reason": figures.get("irr_reason"),
            "irr_note": figures.get("irr_note"),
            "nucleus_roi_pct": figures.get("nucleus_roi_pct"),
            "nucleus_roi_reason": figures.get("nucleus_roi_pct_reason"),
            "initial_cost": self.tco.initial,
            "cost_by_category": self.tco.by_category(),
            "cost_by_category_amortised": self.tco.by_category(amortised=True),
            "cost_by_month": dict(
                zip(self.tco.month_labels(), self.tco.monthly.tolist(), strict=True)
            ),
            "cost_cumulative": dict(
                zip(self.tco.month_labels(), self.tco.cumulative.tolist(), strict=True)
            ),
            "cost_one_off": self.tco.one_off_total,
            "cost_recurring": self.tco.recurring_total,
            "licence_source": self.tco.licence_source,
            "seats": self.tco.seats,
            "active_users": self.tco.active_users,
            "cost_per_seat": self.tco.cost_per_seat,
            "cost_per_active_user": self.tco.cost_per_active_user,
            "unused_seat_cost": self.tco.unused_seat_cost,
            "bases": {name: b.to_dict() for name, b in self.bases.items()},
            "incremental_methods": {k: e.to_dict() for k, e in self.impact.estimates.items()},
            "incremental_why": self.impact.why,
            "campaigns": list(self.campaigns),
            "workflows": list(self.workflows),
            "tornado": [r.to_dict() for r in self.tornado],
            "scenarios": [s.to_dict() for s in self.scenarios],
            "notes": list(self.notes),
        }


def window(
    ws: Workspace, settings: RoiSettings, adoption: pd.Timestamp
) -> tuple[pd.Timestamp, int]:
    """First month and length of the analysis window (see :class:`RoiSettings`)."""
    first_cost = ws.table("costs").incurred_at.min().execute()
    start = month_start(adoption)
    if settings.start is not None:
        start = month_start(settings.start)
    elif first_cost is not None and not pd.isna(first_cost):
        start = min(start, month_start(first_cost))
    if settings.horizon_months is not None:
        return start, settings.horizon_months
    deals = ws.table("deals")
    last = deals.filter(deals.status == "won").closed_at.max().execute()
    end = month_index(adoption, start) + 1
    if last is not None and not pd.isna(last):
        end = max(end, month_index(last, start) + 1)
    return start, max(end, 1)


def _campaign_rows(
    ws: Workspace, fx: FxRates, tco: Tco, settings: RoiSettings, impact: ImpactResult
) -> tuple[list[dict[str, Any]], benefits.Attribution]:
    try:
        attribution = benefits.attribution_table(ws, settings, "campaign")
    except CrmroiError as exc:
        attribution = benefits.Attribution(f"attribution failed: {exc}")
    table = attribution.table
    end = tco.start + pd.DateOffset(months=tco.months)
    if isinstance(table, str):
        revenue, model = units.source_revenue(ws, fx, tco.start, end), "deal_source"
    else:
        revenue, model = units.attributed_revenue(table), settings.attribution_model
    costs = units.unit_costs(ws, fx, "campaign", units.ledger_by_unit(tco.ledger, "campaign_id"))
    rows = units.campaign_rows(
        costs, revenue, impact.campaigns, margin=settings.margin, model=model
    )
    return rows, attribution


def _mmm_rows(
    ws: Workspace, fx: FxRates, settings: RoiSettings
) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """Campaign rows of the spend-only channels, or a note why the model could not run."""
    from crmroi.mmm.weekly import fit_weekly, weekly_inputs

    if ws.count("channel_spend") == 0:
        return [], ()
    try:
        inputs = weekly_inputs(ws, settings.mmm_outcome, fx)
        result = fit_weekly(inputs, bootstrap=settings.mmm_bootstrap, seed=settings.seed)
    except CrmroiError as exc:
        return [], (f"spend-only channels: marketing-mix model not run: {exc}",)
    rows = units.mmm_rows(result.channels, inputs.value_per_unit, margin=settings.margin)
    return rows, ()


def _productivity(ws: Workspace, tco: Tco, settings: RoiSettings) -> np.ndarray[Any, Any]:
    out = np.zeros(tco.months)
    if settings.hours_saved_per_user_month <= 0 or settings.loaded_hourly_cost <= 0:
        return out
    acts = ws.table("activities")
    logins = acts.filter(acts.type == "login")
    logins = logins.mutate(month=logins.occurred_at.truncate("M"))
    per_month = logins.group_by("month").aggregate(users=logins.user_id.nunique()).execute()
    for when, count in zip(per_month["month"], per_month["users"], strict=True):
        i = month_index(when, tco.start)
        if 0 <= i < tco.months:
            out[i] = float(count)
    return benefits.productivity(out, settings)


def analyse(ws: Workspace, settings: RoiSettings) -> RoiResult:
    """Run the ROI analysis (module docstring) and return the frozen result."""
    adoption_info = resolve_adoption(ws, settings.adoption_date)
    adoption = adoption_info.date
    currency = reporting_currency(
        settings.currency, ws.table("costs"), ws.table("deals"), ws.table("users")
    )
    fx = FxRates(currency, settings.fx_rates)
    start, months = window(ws, settings, adoption)
    tco = compute_tco(
        ws,
        start=start,
        horizon=months,
        fx=fx,
        adoption=adoption,
        amortisation_months=settings.amortisation_months,
    )
    end = start + pd.DateOffset(months=months)
    impact = incremental_revenue(
        ws,
        fx,
        adoption,
        method=settings.incremental_method,
        window_days=settings.conversion_window_days,
        end=end,
        outcome=settings.holdout_outcome,
    )
    campaigns, attribution = _campaign_rows(ws, fx, tco, settings, impact)
    mmm_rows, mmm_notes = _mmm_rows(ws, fx, settings)
    touched = benefits.touched(ws, fx, start=start, months=months, adoption=adoption)
    revenue = {
        "touched": touched,
        "attributed": benefits.attributed(touched, attribution.table, settings.attribution_model),
        "incremental": benefits.incremental(impact.chosen, touched, start),
    }
    productivity = _productivity(ws, tco, settings)
    flows = {
        name: CashFlows(b.monthly, productivity, tco.cash, tco.categories, tco.initial)
        for name, b in revenue.items()
    }
    bases = {
        name: BasisResult(
            b,
            evaluate(flows[name], margin=settings.margin, discount_rate=settings.discount_rate)
            if b.value is not None
            else None,
        )
        for name, b in revenue.items()
    }
    choice = choose(settings.basis, revenue, impact)
    lookback = (f"attributed basis: {attribution.window_note}",) if attribution.window_note else ()
    return _finish(
        ws,
        settings,
        fx,
        tco,
        impact,
        bases,
        flows,
        campaigns + mmm_rows,
        adoption_info,
        choice,
        lookback + mmm_notes,
        attribution.journeys,
    )


def _finish(
    ws: Workspace,
    settings: RoiSettings,
    fx: FxRates,
    tco: Tco,
    impact: ImpactResult,
    bases: dict[str, BasisResult],
    flows: dict[str, CashFlows],
    campaigns: list[dict[str, Any]],
    adoption: Adoption,
    choice: Headline,
    window_notes: tuple[str, ...],
    journeys: Any = None,
) -> RoiResult:
    head, cf = bases[choice.basis], flows[choice.basis]
    if head.figures is None:
        reason = head.benefit.reason or "the benefit could not be estimated"
        mc = MonteCarlo(settings.monte_carlo_draws, None, None, None, reason)
    else:
        mc = monte_carlo(
            cf,
            revenue_se=head.benefit.se,
            margin=settings.margin,
            draws=settings.monte_carlo_draws,
            seed=settings.seed,
        )
    tornado_rows: list[TornadoRow] = []
    scenario_rows: list[ScenarioResult] = []
    if head.figures is not None:
        bounds = None
        if head.benefit.low is not None and head.benefit.high is not None:
            bounds = (head.benefit.low, head.benefit.high)
        tornado_rows = run_tornado(
            cf,
            margin=settings.margin,
            discount_rate=settings.discount_rate,
            revenue_bounds=bounds,
            swing=settings.tornado_swing,
        )
        scenario_rows = [
            run_scenario(
                cf,
                spec,
                base=head.figures,
                margin=settings.margin,
                discount_rate=settings.discount_rate,
                adoption_rate=tco.adoption_rate,
            )
            for spec in settings.scenarios
        ]
    workflow_costs = units.unit_costs(
        ws, fx, "workflow", units.ledger_by_unit(tco.ledger, "workflow_id")
    )
    workflows = units.workflow_rows(workflow_costs, impact.workflows, margin=settings.margin)
    through, coverage = benefit_coverage(choice.basis, head.benefit, impact, tco)
    if head.benefit.value is None:
        headline = f"headline ({choice.basis} basis) not computed: {head.benefit.reason}"
        if choice.upgrade:
            headline += f"; stronger bases: {choice.upgrade}"
    else:
        headline = f"headline on the {choice.basis} basis ({choice.why})"
        if choice.upgrade:
            headline += f"; to upgrade it: {choice.upgrade}"
    notes = [headline, *(n for n in (adoption.note, coverage) if n)]  # the headline's note first
    notes += _notes(settings, tco, bases, impact, choice)
    notes += window_notes
    return RoiResult(
        settings=settings,
        currency=fx.currency,
        adoption_date=adoption.date,
        tco=tco,
        bases=bases,
        monte_carlo=mc,
        tornado=tuple(tornado_rows),
        scenarios=tuple(scenario_rows),
        campaigns=tuple(campaigns),
        workflows=tuple(workflows),
        impact=impact,
        notes=tuple(notes),
        choice=choice,
        adoption_source=adoption.source,
        benefit_through=through,
        journeys=journeys,
    )


def benefit_coverage(
    basis: str, benefit: Benefit, impact: ImpactResult, tco: Tco
) -> tuple[str | None, str | None]:
    """The last month the basis's benefit is measured for, and a note when it ends early.

    ITS and DiD estimate the effect per creation-month cohort of deals, and cohorts still
    maturing (created within one typical sales cycle of the last close date) are cut: their won
    revenue is not final. The benefit therefore stops months before the window ends, while costs
    and won revenue go on. Those months are unmeasured, not zero.
    """
    labels = tco.month_labels()
    if basis != "incremental" or benefit.value is None or not impact.chosen.months:
        return None, None
    cut = impact.mature_until
    if cut is not None:  # cohorts created before the cut are measured (a zero month included)
        last = (cut - pd.DateOffset(months=1)).strftime("%Y-%m")
        reason = (
            f"deals created from {cut:%Y-%m} on are still within one typical sales cycle (90 % "
            f"of deals close within it) of the last close date, so their won revenue is not final"
        )
    else:
        last, reason = max(impact.chosen.months), "later months are outside the estimate"
    if last >= labels[-1]:
        return None, None
    return last, (
        f"the incremental benefit is measured through {last}: {reason}. The benefit line stops "
        f"there while costs run to {labels[-1]}; ROI on this basis counts no benefit for those "
        f"months (conservative)"
    )


def _notes(
    settings: RoiSettings,
    tco: Tco,
    bases: dict[str, BasisResult],
    impact: ImpactResult,
    choice: Headline,
) -> list[str]:
    stronger = STRONGEST_FIRST[: STRONGEST_FIRST.index(choice.basis)]
    notes = [
        f"licences from the {tco.licence_source}"
        + (
            " (ledger licence lines take precedence over seats)"
            if tco.licence_source == "ledger"
            else ""
        ),
    ]
    if impact.chosen.ok:
        notes.append(f"incremental revenue by {impact.chosen.method}")
    if tco.activity_source:
        notes.append(tco.activity_source)
    touched, inc = bases["touched"].benefit.value, bases["incremental"].benefit.value
    if touched is not None and inc is not None and inc > touched:
        notes.append("incremental revenue exceeds touched revenue: check the adoption date")
    if settings.hours_saved_per_user_month > 0:
        notes.append("benefit includes the optional productivity line (hours saved × cost)")
    notes.extend(
        f"{name}: not computed — {b.benefit.reason}"
        for name, b in bases.items()
        if b.benefit.reason and name not in stronger  # those are in the headline's note
    )
    return notes


__all__ = ["BASES", "RoiResult", "analyse"]
