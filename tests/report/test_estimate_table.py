"""The headline incremental estimate in the report: design, interval, assumptions, checks, why
(issue 13 point 2), in English and German, in HTML and XLSX, on the small simulated company."""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path

import pytest

from crmroi import Workspace, open_workspace
from crmroi.config import CompanySettings, Config
from crmroi.impact import did, its, parts, pilot, staggered
from crmroi.impact.incremental import HOLDOUT_ASSUMPTIONS
from crmroi.report import Report, build_report, write_report
from crmroi.report.designs import ASSUMPTIONS_DE, design_de, why_de
from crmroi.report.html import render_html
from crmroi.report.model import DataTable
from crmroi.schema import TABLES_BY_NAME
from crmroi.synth import SyntheticCompany, generate

ENGLISH = (
    "the", "and", "of", "with", "before", "after", "reps", "who", "would", "have", "method",
    "Method", "Assumption", "Why", "interval", "revenue", "Observations", "failed", "computed",
    "passes", "checks", "go-live", "win rate", "deal size", "team", "teams", "months", "against",
    "fitted", "amount", "month", "Design", "Pre-trend", "test",
)  # fmt: skip
"""Words of the English table that must not reach the German one."""


@functools.cache
def company() -> SyntheticCompany:
    return generate("small", 0)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = open_workspace(tmp_path / "c.duckdb")
    for name, frame in company().tables.items():
        if name in TABLES_BY_NAME:
            ws.con.insert(name, frame[list(TABLES_BY_NAME[name].column_names)])
    return ws


def report(ws: Workspace, lang: str) -> Report:
    config = Config(company=CompanySettings(adoption_date=date(2024, 7, 1)))
    return build_report(ws, config, lang=lang, sections=("overview",))


def table(rep: Report) -> DataTable:
    (overview,) = rep.sections
    return next(t for t in overview.tables if t.id == "incremental-estimate")


def found(word: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def test_the_overview_shows_the_headline_estimate_in_both_languages(ws: Workspace) -> None:
    """Small company, seed 0: the parts head (a within-owner before/after); the table names
    the method, its design, its interval, its six assumptions one row each, its placebo,
    pre-trend and non-users' checks, n and why — the German one the same rows in German."""
    from crmroi.roi import analyse

    config = Config(company=CompanySettings(adoption_date=date(2024, 7, 1)))
    impact = analyse(ws, config.roi_settings()).impact
    chosen = impact.chosen
    english, german = table(report(ws, "en")), table(report(ws, "de"))
    rows = dict(english.rows)
    assert rows["Method"] == "deal-level win rate × deal size"
    assert rows["Design"] == chosen.design
    assert chosen.low is not None and chosen.high is not None
    assert rows["Revenue added, 95 % interval"] == (
        f"€{chosen.value:,.0f} [{'-' if chosen.low < 0 else ''}€{abs(chosen.low):,.0f}, "
        f"€{chosen.high:,.0f}]"
    )
    assert [rows[f"Assumption {i}"] for i in range(1, 7)] == list(parts.ASSUMPTIONS)
    assert rows["Pre-trend test"] == f"p = {chosen.diagnostics['pre_trend_p_value']:.3f}"
    assert rows["Placebo go-live before the real one"].count("€") == 3
    assert rows["Why this method"] == impact.why and impact.why.startswith("parts: ")
    assert len(german.rows) == len(english.rows)
    german_rows = dict(german.rows)
    assert german_rows["Methode"] == "Gewinnquote × Dealgröße je Deal"
    assert [german_rows[f"Annahme {i}"] for i in range(1, 7)] == [
        ASSUMPTIONS_DE[a] for a in parts.ASSUMPTIONS
    ]
    assert german_rows["Vortrendtest"].startswith("p = 0,")
    assert german_rows["Warum diese Methode"].startswith(
        "Gewinnquote × Dealgröße je Deal: die erste Methode in der Reihenfolge"
    )
    text = " ".join(f"{a} {b}" for a, b in german.rows) + german.title + german.caption
    assert [w for w in ENGLISH if found(w, " ".join(f"{a} {b}" for a, b in english.rows))]
    assert [w for w in ENGLISH if found(w, text.replace("`crmroi roi --explain`", ""))] == []


def test_the_table_is_in_the_html_and_the_workbook(ws: Workspace, tmp_path: Path) -> None:
    import openpyxl

    rep = report(ws, "de")
    page = render_html(rep, static=True)
    assert "Wie der Zusatzumsatz durch das CRM geschätzt wurde" in page
    assert "Annahme 6" in page
    written = write_report(rep, tmp_path / "r", formats=("xlsx",))
    cells = {
        str(c.value)
        for sheet in openpyxl.load_workbook(written["xlsx"]).worksheets
        for row in sheet.iter_rows()
        for c in row
        if c.value is not None
    }
    assert {"Annahme 1", "Vortrendtest", "Warum diese Methode"} <= cells


def test_every_assumption_of_every_method_has_its_german() -> None:
    every = (
        *parts.ASSUMPTIONS, *staggered.ASSUMPTIONS, *did.ASSUMPTIONS, *its.ASSUMPTIONS,
        *pilot.ASSUMPTIONS, *HOLDOUT_ASSUMPTIONS,
    )  # fmt: skip
    assert [a for a in every if a not in ASSUMPTIONS_DE] == []
    for german in (ASSUMPTIONS_DE[a] for a in every):
        assert [w for w in ENGLISH if found(w, german)] == [], german


@pytest.mark.parametrize(
    "design",
    [
        "synthetic control: win rate of the SMB team's deals per creation month from its go-live "
        "(2024-07) against a weighted mix of teams not yet live (Mid-Market 0.54, Enterprise "
        "0.46), fitted on the 17 months before; Δ = Σ gap × closed amount",
        "rep × month won revenue, two-way fixed effects; comparison: teams not yet live (teams "
        "went live at least 3 months apart)",
        "rep × month won revenue, group-time effects (Callaway–Sant'Anna) against reps not yet "
        "live or not using the CRM",
        "monthly won revenue per creation-month cohort before vs after go-live (segmented "
        "regression, month-of-year effects)",
        "sum of workflow-holdout and campaign-control lifts × revenue per conversion",
    ],
)
def test_designs_are_german(design: str) -> None:
    german = design_de(design)
    assert german != design
    assert [w for w in ENGLISH if found(w, german)] == [], german


def test_the_synthetic_design_keeps_its_names_and_numbers() -> None:
    german = design_de(
        "synthetic control: win rate of the SMB team's deals per creation month from its go-live "
        "(2024-07) against a weighted mix of teams not yet live (Mid-Market 0.54, Enterprise "
        "0.46), fitted on the 17 months before; Δ = Σ gap × closed amount"
    )
    assert german == (
        "synthetische Kontrolle: Gewinnquote der Deals des Teams SMB je Anlagemonat ab seinem "
        "Start (2024-07) gegen eine gewichtete Mischung noch nicht gestarteter Teams "
        "(Mid-Market 0,54; Enterprise 0,46), angepasst auf die 17 Monate davor; "
        "Δ = Σ Abstand × abgeschlossener Betrag"
    )


def test_why_a_method_was_chosen_is_german() -> None:
    """Both forms of :func:`crmroi.impact.incremental.choose`, with failed checks and numbers."""
    why = (
        "did: the first method in the order parts, synthetic, staggered, did, its, holdouts "
        "that runs and passes its placebo and pre-trend checks (parts failed: placebo 1,240 "
        "[310, 2,170] excludes 0, pre-trend p = 0.010; synthetic failed: non-users' win rate "
        "changed too (p = 0.040)); also computed: parts, synthetic, its"
    )
    assert why_de(why) == (
        "Differenz-von-Differenzen: die erste Methode in der Reihenfolge Gewinnquote × "
        "Dealgröße je Deal, synthetische Kontrolle, Differenz-von-Differenzen je Gruppe und "
        "Monat, Differenz-von-Differenzen, Vorher-nachher-Zeitreihe, Holdout-Gruppen, die "
        "läuft und ihre Placebo- und Vortrendprüfungen besteht (Gewinnquote × Dealgröße je "
        "Deal fällt durch: Placebo 1.240 [310; 2.170] schließt 0 aus, Vortrend p = 0,010; "
        "synthetische Kontrolle fällt durch: auch die Gewinnquote der Nicht-Nutzer änderte "
        "sich (p = 0,040)); ebenfalls berechnet: Gewinnquote × Dealgröße je Deal, synthetische "
        "Kontrolle, Vorher-nachher-Zeitreihe"
    )
    assert why_de(
        "its: every method that runs fails a check (its failed: pre-trend p = 0.001); read "
        "with care"
    ) == (
        "Vorher-nachher-Zeitreihe: jede lauffähige Methode fällt bei einer Prüfung durch "
        "(Vorher-nachher-"
        "Zeitreihe fällt durch: Vortrend p = 0,001); mit Vorsicht lesen"
    )


def test_why_the_synthetic_control_cannot_run_is_german() -> None:
    from crmroi.report.reasons import german_reason

    assert german_reason(
        "synthetic control of a pilot team: needs ≥12 months of closed deals before and after "
        "the pilot team's go-live (≥6 before); found 5 and 4"
    ) == (
        "synthetische Kontrolle eines Pilotteams: braucht ≥12 Monate mit abgeschlossenen Deals "
        "vor und nach dem Start des Pilotteams (≥6 davor); gefunden: 5 und 4"
    )
    assert german_reason(
        "synthetic control of a pilot team: needs one team live in the data and ≥2 teams live "
        "only after it (a pilot) as donors"
    ) == (
        "synthetische Kontrolle eines Pilotteams: braucht ein Team, das in den Daten startete, "
        "und ≥2 Teams, die erst danach starteten (ein Pilot), als Spender"
    )
    assert (
        german_reason("needs closed deals in every month for the pilot team and ≥2 donor teams")
        == "braucht abgeschlossene Deals in jedem Monat für das Pilotteam und ≥2 Spenderteams"
    )


@pytest.mark.slow
def test_a_synthetic_control_headline_shows_its_fit_and_placebos(tmp_path: Path) -> None:
    """Medium pilot company with the synthetic control asked for: the table shows its design
    with the donor weights, its five assumptions, the in-time placebo, its conformal pre-trend
    p, the in-space placebo (p = 1/3 or 1 with 2 donors) and the fit; the German one the same."""
    from crmroi.roi import RoiSettings

    ws = open_workspace(tmp_path / "p.duckdb")
    for name, frame in generate("medium", 0, pilot=True).tables.items():
        if name in TABLES_BY_NAME:
            ws.con.insert(name, frame[list(TABLES_BY_NAME[name].column_names)])
    config = Config(
        company=CompanySettings(adoption_date=date(2024, 7, 1)),
        roi=RoiSettings(incremental_method="synthetic"),
    )
    en, de = (
        dict(table(build_report(ws, config, lang=lang, sections=("overview",))).rows)
        for lang in ("en", "de")
    )
    ws.close()
    assert en["Method"] == "synthetic control of a pilot team"
    assert en["Design"].startswith("synthetic control: win rate of the SMB team's deals")
    assert [en[f"Assumption {i}"] for i in range(1, 6)] == list(pilot.ASSUMPTIONS)
    assert en["Placebo on each donor team"] in (
        "p = 0.333 (2 donor teams)",
        "p = 1.000 (2 donor teams)",
    )
    assert en["Fit before go-live (RMSPE)"].endswith("% of the mean month")
    assert en["Why this method"] == "requested: incremental method synthetic"
    assert de["Methode"] == "synthetische Kontrolle"
    assert de["Vorgehen"].startswith("synthetische Kontrolle: Gewinnquote der Deals des Teams SMB")
    assert de["Placebo je Spenderteam"].endswith("(2 Spenderteams)")
    assert de["Warum diese Methode"] == "so eingestellt: Methode synthetische Kontrolle"
    german = " ".join(de.values())
    assert [w for w in ENGLISH if found(w, german)] == []
