"""The methods appendix: how every figure in the report is computed, in one table."""

from __future__ import annotations

from crmroi.report.build import ReportContext, register_section
from crmroi.report.model import DataTable, Section, Unit

METHODS: tuple[tuple[str, str, str, str], ...] = (
    (
        "ROI",
        "ROI",
        "(benefit − total CRM cost) ÷ total CRM cost × 100, benefit = revenue × margin "
        "(+ productivity where set); over the analysis window.",
        "(Nutzen − CRM-Gesamtkosten) ÷ CRM-Gesamtkosten × 100, Nutzen = Umsatz × Marge "
        "(+ Produktivität, falls eingestellt); im Analysezeitraum.",
    ),
    (
        "Benefit basis",
        "Nutzenbasis",
        "Incremental (win rate × deal size per deal, difference-in-differences, synthetic "
        "control of a pilot team, a before/after time series or holdouts: the first whose "
        "checks pass) where its design holds, else attributed (touches of campaigns and "
        "workflows), else touched (an upper bound).",
        "Inkrementell (Gewinnquote × Dealgröße je Deal, Differenz-von-Differenzen, "
        "synthetische Kontrolle eines Pilotteams, Vorher-nachher-Zeitreihe oder "
        "Kontrollgruppen: die erste, deren Prüfungen bestehen), wo das Design trägt, sonst "
        "zugeordnet (Kontakte von Kampagnen und Workflows), sonst berührt (eine Obergrenze).",
    ),
    (
        "Payback",
        "Amortisation",
        "First month in which the cumulative benefit reaches the cumulative cost.",
        "Erster Monat, in dem der kumulierte Nutzen die kumulierten Kosten erreicht.",
    ),
    (
        "NPV, IRR",
        "Kapitalwert, IRR",
        "Yearly cash flows discounted at the discount rate ([roi] in crmroi.toml); IRR is the "
        "rate at which the NPV is zero, reported only where one root is meaningful.",
        "Jährliche Zahlungsströme, abgezinst mit dem Kalkulationszins ([roi] in crmroi.toml); "
        "IRR ist der Zins, bei dem der Kapitalwert null ist, nur bei einer sinnvollen Lösung.",
    ),
    (
        "Total cost of ownership",
        "Gesamtbetriebskosten",
        "Every cost line in the window (licences, set-up, training, running); recurring lines "
        "repeat by their recurrence, one-off lines count when paid.",
        "Alle Kostenzeilen im Zeitraum (Lizenzen, Einführung, Schulung, Betrieb); "
        "wiederkehrende Zeilen nach ihrem Turnus, einmalige bei Zahlung.",
    ),
    (
        "ROI interval",
        "ROI-Spanne",
        "Monte Carlo: revenue drawn 4,000 times from a normal distribution with the estimate's "
        "standard error; the 2.5 and 97.5 percentiles of ROI and the share of draws above 0.",
        "Monte Carlo: Umsatz 4.000-mal aus einer Normalverteilung mit dem Standardfehler der "
        "Schätzung gezogen; 2,5- und 97,5-Perzentil des ROI und Anteil der Ziehungen über 0.",
    ),
    (
        "Sensitivity",
        "Sensitivität",
        "One input at a time moved low and high (each cost category and the margin ± 20 %, "
        "the uplift to its interval, the discount rate ± 5 points); NPV recomputed.",
        "Jeweils eine Eingabe nach unten und oben verschoben (jede Kostenkategorie und die "
        "Marge ± 20 %, der Mehrumsatz bis zu seinem Intervall, der Zins ± 5 Punkte); "
        "Kapitalwert neu berechnet.",
    ),
    (
        "Attribution",
        "Attribution",
        "Data-driven: Shapley values of a fitted conversion model credit each channel with the "
        "conversions it added; last touch gives each deal to its final touch. Intervals by "
        "bootstrap.",
        "Datengetrieben: Shapley-Werte eines Konversionsmodells rechnen jedem Kanal die "
        "zusätzlichen Abschlüsse zu; letzter Kontakt gibt jeden Deal dem letzten Kontakt. "
        "Intervalle per Bootstrap.",
    ),
    (
        "Workflow holdouts",
        "Workflow-Kontrollgruppen",
        "Conversion of enrolled contacts against the holdout group; added revenue = conversion "
        "lift × revenue per converting contact × enrolled, 95 % interval by the delta method.",
        "Konversion der Eingeschriebenen gegen die Kontrollgruppe; Zusatzumsatz = "
        "Konversionsplus × Umsatz je konvertiertem Kontakt × Eingeschriebene, 95-%-Intervall "
        "nach der Delta-Methode.",
    ),
    (
        "Win rate, cycle",
        "Gewinnquote, Zykluszeit",
        "Won ÷ (won + lost) by close date; days from creation to close of won deals.",
        "Gewonnen ÷ (gewonnen + verloren) nach Abschlussdatum; Tage von Anlage bis Abschluss "
        "gewonnener Deals.",
    ),
    (
        "Targets",
        "Ziele",
        "Attainment = value ÷ target (target ÷ value where lower is better), paced for a "
        "running period; targets come from the targets table.",
        "Erreichung = Wert ÷ Ziel (Ziel ÷ Wert, wo weniger besser ist), anteilig für einen "
        "laufenden Zeitraum; Ziele stammen aus der Tabelle targets.",
    ),
    (
        "Funnel",
        "Trichter",
        "Deals created in the data that reached each stage (a later stage implies the earlier "
        "ones); drop-off = reached − reached the next stage.",
        "Deals der Daten, die eine Phase erreicht haben (eine spätere schließt die früheren "
        "ein); Abgang = erreicht − nächste Phase erreicht.",
    ),
    (
        "Forecast",
        "Prognose",
        "Won so far + share of the period left × (open deals × their stage's historical win "
        "rate + expected new business).",
        "Bisher gewonnen + verbleibender Anteil × (offene Deals × historische Gewinnquote "
        "ihrer Phase + erwartetes Neugeschäft).",
    ),
    (
        "Churn, NRR, GRR, NPS",
        "Abwanderung, NRR, GRR, NPS",
        "Customers lost ÷ customers at the start of the month; revenue of existing customers "
        "at the end ÷ at the start (GRR without expansion); % promoters − % detractors.",
        "Verlorene Kunden ÷ Kunden zu Monatsbeginn; Umsatz der Bestandskunden am Ende ÷ am "
        "Anfang (GRR ohne Ausbau); % Promotoren − % Detraktoren.",
    ),
    (
        "Findings",
        "Befunde",
        "Each detector prices a weak spot and says how sure it is; the list is ranked by money "
        "at stake × confidence. Thresholds under [findings] in crmroi.toml.",
        "Jede Erkennung bewertet eine Schwachstelle und gibt ihre Sicherheit an; sortiert nach "
        "Betrag × Sicherheit. Schwellen unter [findings] in crmroi.toml.",
    ),
)
"""(figure in English, in German, method in English, in German)."""


@register_section("methods")
def methods(ctx: ReportContext) -> Section:
    """Every figure's definition, so a reader can check any number in the report."""
    return Section(
        id="methods",
        title=ctx.text("How the figures are computed", "Wie die Zahlen berechnet werden"),
        tables=(
            DataTable(
                id="methods",
                title=ctx.text("Methods", "Methoden"),
                columns=(ctx.text("figure", "Kennzahl"), ctx.text("method", "Methode")),
                rows=tuple(
                    (ctx.text(en, de), ctx.text(m_en, m_de)) for en, de, m_en, m_de in METHODS
                ),
                units=(Unit.text, Unit.text),
            ),
        ),
    )
