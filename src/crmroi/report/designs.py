"""The incremental estimates' designs, assumptions and choice in German, for the German report.

The estimators (``crmroi.impact``) state their design in one line, their assumptions one line
each and why the headline's method was chosen, in English built from fixed phrases with names
and numbers in them. This module holds the German for them, next to :mod:`.reasons` (the other
phrases of the analysis). An unknown text is returned as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

METHOD_DE = {
    "parts": "Gewinnquote × Dealgröße je Deal",
    "staggered": "Differenz-von-Differenzen je Gruppe und Monat",
    "synthetic": "synthetische Kontrolle",
    "did": "Differenz-von-Differenzen",
    "its": "Vorher-nachher-Zeitreihe",
    "holdouts": "Holdout-Gruppen",
}

ASSUMPTIONS_DE = {
    # impact/parts.py
    "Win rates and deal sizes of reps who use the CRM would have stayed at their pre-go-live "
    "level, after owner, segment and month-of-year effects (within-owner before/after).": (
        "Gewinnquoten und Dealgrößen der Vertriebler, die das CRM nutzen, wären auf dem Stand "
        "vor dem Start geblieben, nach Effekten für Vertriebler, Segment und Kalendermonat "
        "(Vorher-nachher je Vertriebler)."
    ),
    "Deal sizes of reps who use the CRM and of those who do not (yet) would have moved alike "
    "from month to month (parallel price trends).": (
        "Dealgrößen der Vertriebler mit und (noch) ohne CRM hätten sich von Monat zu Monat "
        "gleich entwickelt (parallele Preistrends)."
    ),
    "Nothing else that changed at go-live moved win rates (checked: the change for reps who do "
    "not use the CRM, and a placebo go-live before the real one).": (
        "Nichts anderes, das sich zum Start änderte, bewegte die Gewinnquoten (geprüft: die "
        "Änderung bei Vertrieblern ohne CRM und ein Placebo-Start vor dem echten)."
    ),
    "The win-rate effect adds the same percentage points to every deal of a rep who uses the CRM "
    "(linear probability model); the deal-size effect is a common factor.": (
        "Der Effekt auf die Gewinnquote fügt jedem Deal eines CRM-Nutzers dieselben "
        "Prozentpunkte hinzu (lineares Wahrscheinlichkeitsmodell); der Effekt auf die Dealgröße "
        "ist ein gemeinsamer Faktor."
    ),
    "Opportunity volume per rep is not changed by using the CRM (leads come by territory); "
    "lead-level effects are measured by the workflow and campaign holdouts.": (
        "Die Zahl der Verkaufschancen je Vertriebler ändert sich durch das CRM nicht (Leads "
        "kommen nach Gebiet); Effekte auf Leads messen die Workflow- und "
        "Kampagnen-Kontrollgruppen."
    ),
    "Deals of one owner may be correlated; deals of different owners are not (clustered errors, "
    "or robust ones when larger).": (
        "Deals eines Vertrieblers dürfen korreliert sein, Deals verschiedener Vertriebler nicht "
        "(geclusterte Fehler, oder robuste, wenn größer)."
    ),
    # impact/staggered.py
    "Each group of reps, had it not gone live, would have seen its won revenue change like the "
    "reps not yet live and those who do not use the CRM (parallel trends, in EUR per "
    "rep-month).": (
        "Jede Gruppe von Vertrieblern hätte ohne Start denselben Verlauf des gewonnenen Umsatzes "
        "gehabt wie die Vertriebler, die noch nicht gestartet sind oder das CRM nicht nutzen "
        "(parallele Trends, in EUR je Vertriebler und Monat)."
    ),
    "No rep changes course in anticipation of go-live (the month before go-live is the base).": (
        "Kein Vertriebler ändert sein Vorgehen in Erwartung des Starts (der Monat vor dem Start "
        "ist die Basis)."
    ),
    "Reps are independent of each other (influence-function variance, t with G − 1 df).": (
        "Vertriebler sind voneinander unabhängig (Varianz aus Einflussfunktionen, t mit G − 1 "
        "Freiheitsgraden)."
    ),
    # impact/did.py
    "Exposed and comparison reps' won revenue would have moved in parallel (parallel trends).": (
        "Der gewonnene Umsatz der Vertriebler mit CRM und der Vergleichsgruppe hätte sich "
        "parallel entwickelt (parallele Trends)."
    ),
    "The effect is the same for every exposed rep-month; with staggered go-lives and effects "
    "that change over time two-way fixed effects can be biased (Goodman-Bacon 2021).": (
        "Der Effekt ist in jedem Vertriebler-Monat mit CRM gleich; bei gestaffelten Starts und "
        "zeitlich veränderlichen Effekten können zweifache feste Effekte verzerrt sein "
        "(Goodman-Bacon 2021)."
    ),
    "Comparison reps differ only in CRM use; reps who log in more may also sell more (upper "
    "bound when comparing with low-adoption reps).": (
        "Vergleichsvertriebler unterscheiden sich nur in der CRM-Nutzung; wer sich öfter "
        "anmeldet, verkauft vielleicht auch mehr (Obergrenze beim Vergleich mit Vertrieblern "
        "mit wenig CRM-Nutzung)."
    ),
    "Rep-months of one rep may be correlated; different reps are not (clustered by rep).": (
        "Monate eines Vertrieblers dürfen korreliert sein, verschiedene Vertriebler nicht "
        "(geclustert nach Vertriebler)."
    ),
    # impact/its.py
    "Without the CRM, monthly won revenue would have followed its pre-go-live level, trend and "
    "season (extrapolated from the months before go-live).": (
        "Ohne CRM wäre der monatlich gewonnene Umsatz Niveau, Trend und Saison vor dem Start "
        "gefolgt (fortgeschrieben aus den Monaten vor dem Start)."
    ),
    "Nothing else changed at go-live (prices, territories, marketing, the market).": (
        "Nichts anderes änderte sich zum Start (Preise, Gebiete, Marketing, der Markt)."
    ),
    "Monthly residuals may be autocorrelated (Newey–West errors) but are otherwise stable.": (
        "Monatliche Residuen dürfen autokorreliert sein (Newey-West-Fehler), sind sonst aber "
        "stabil."
    ),
    # impact/pilot.py
    "Without the CRM, the pilot team's monthly win rate (relative to its mean month before "
    "go-live) would have followed the weighted mix of donor teams, as it did before go-live.": (
        "Ohne CRM wäre die monatliche Gewinnquote des Pilotteams (relativ zu seinem mittleren "
        "Monat vor dem Start) der gewichteten Mischung der Spenderteams gefolgt, wie vor dem "
        "Start."
    ),
    "The CRM changes the pilot team's win rate, not the size or number of its deals "
    "(Δ = win-rate gap × closed amount of each month).": (
        "Das CRM ändert die Gewinnquote des Pilotteams, nicht Größe oder Zahl seiner Deals "
        "(Δ = Abstand der Gewinnquote × abgeschlossener Betrag jedes Monats)."
    ),
    "The donor teams got no CRM in the window and were not affected by the pilot team's "
    "(no spill-over, no shared shock to the pilot team alone).": (
        "Die Spenderteams hatten im Zeitraum kein CRM und wurden von dem des Pilotteams nicht "
        "berührt (kein Überschwappen, kein Schock, der nur das Pilotteam trifft)."
    ),
    "The effect is the same in every month after go-live, and the monthly deviations from the "
    "synthetic team are alike over time (conformal interval, Chernozhukov, Wüthrich & Zhu "
    "2021).": (
        "Der Effekt ist in jedem Monat nach dem Start gleich, und die monatlichen Abweichungen "
        "vom synthetischen Team sind über die Zeit gleichartig (konformes Intervall, "
        "Chernozhukov, Wüthrich & Zhu 2021)."
    ),
    "With few donor teams the in-space placebo p-value is coarse: it cannot go below "
    "1 ÷ (donors + 1).": (
        "Mit wenigen Spenderteams ist der p-Wert der Placebos über Teams grob: er kann nicht "
        "unter 1 ÷ (Spenderteams + 1) fallen."
    ),
    # impact/incremental.py
    "Holdout and control contacts were chosen at random from the same audience.": (
        "Holdout- und Kontrollkontakte wurden zufällig aus derselben Zielgruppe gewählt."
    ),
    "Workflows and campaigns change whether a contact converts, not what a conversion is worth "
    "(incremental revenue = lift × revenue per conversion).": (
        "Workflows und Kampagnen ändern, ob ein Kontakt konvertiert, nicht was eine Konversion "
        "wert ist (Zusatzumsatz = Konversionsplus × Umsatz je Konversion)."
    ),
    "Experiments do not overlap (variances are added as if independent).": (
        "Experimente überschneiden sich nicht (Varianzen werden wie unabhängig addiert)."
    ),
    "Only the contacts in experiments count: a lower bound on the CRM's effect.": (
        "Nur Kontakte in Experimenten zählen: eine Untergrenze des CRM-Effekts."
    ),
}


def _decimal(text: str) -> str:
    """``0.54`` → ``0,54``; thousands ``1,234`` → ``1.234`` (in that order, so they differ)."""
    text = re.sub(r"\b\d{1,3}(?:,\d{3})+\b", lambda m: m.group(0).replace(",", "\0"), text)
    text = re.sub(r"(\d)\.(\d)", r"\1,\2", text)
    return text.replace("\0", ".")


def _weights(text: str) -> str:
    return _decimal(text).replace(", ", "; ")


DID_COMPARISON_DE = {
    "teams not yet live (teams went live at least 3 months apart)": (
        "noch nicht gestartete Teams (Teams starteten mindestens 3 Monate auseinander)"
    ),
    "reps who barely log in (below ¼ of the median rep's logins)": (
        "Vertriebler, die sich kaum anmelden (unter ¼ der Anmeldungen des mittleren Vertrieblers)"
    ),
}
DESIGNS_DE: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(
            r"every closed deal: win rate \(linear probability\) and deal size \(log\) of reps "
            r"who use the CRM, before vs after (their team's go-live|go-live), with owner, "
            r"segment and month-of-year effects; Δ = Σ amount × \(p̂ − counterfactual p\)"
        ),
        lambda m: (
            "jeder abgeschlossene Deal: Gewinnquote (lineares Wahrscheinlichkeitsmodell) "
            "und Dealgröße (log) der Vertriebler, die das CRM nutzen, vor vs. nach "
            + ("dem Start ihres Teams" if m[1].startswith("their") else "dem Start")
            + ", mit Effekten für Vertriebler, Segment und Kalendermonat; "
            "Δ = Σ Betrag × (p̂ − kontrafaktisches p)"
        ),
    ),
    (
        re.compile(
            r"rep × month won revenue, group-time effects \(Callaway–Sant'Anna\) against reps "
            r"not yet live or not using the CRM"
        ),
        lambda m: (
            "gewonnener Umsatz je Vertriebler und Monat, Effekte je Gruppe und Monat "
            "(Callaway–Sant'Anna) gegen Vertriebler, die noch nicht gestartet sind oder das CRM "
            "nicht nutzen"
        ),
    ),
    (
        re.compile(
            r"synthetic control: win rate of the (.+) team's deals per creation month from its "
            r"go-live \((\S+)\) against a weighted mix of teams not yet live \((.+)\), fitted on "
            r"the (\d+) months before; Δ = Σ gap × closed amount"
        ),
        lambda m: (
            f"synthetische Kontrolle: Gewinnquote der Deals des Teams {m[1]} je "
            f"Anlagemonat ab seinem Start ({m[2]}) gegen eine gewichtete Mischung noch nicht "
            f"gestarteter Teams ({_weights(m[3])}), angepasst auf die {m[4]} Monate davor; "
            "Δ = Σ Abstand × abgeschlossener Betrag"
        ),
    ),
    (
        re.compile(r"rep × month won revenue, two-way fixed effects; comparison: (.+)"),
        lambda m: (
            "gewonnener Umsatz je Vertriebler und Monat, zweifache feste Effekte; "
            f"Vergleich: {DID_COMPARISON_DE.get(m[1], m[1])}"
        ),
    ),
    (
        re.compile(
            r"monthly won revenue per creation-month cohort before vs after go-live "
            r"\(segmented regression(, month-of-year effects)?\)"
        ),
        lambda m: (
            "monatlich gewonnener Umsatz je Anlagemonat vor vs. nach dem Start "
            "(segmentierte Regression" + (", Kalendermonatseffekte)" if m[1] else ")")
        ),
    ),
    (
        re.compile(r"sum of workflow-holdout and campaign-control lifts × revenue per conversion"),
        lambda m: (
            "Summe der Zuwächse gegen Workflow- und Kampagnen-Kontrollgruppen × Umsatz je Abschluss"
        ),
    ),
)

WHY_DE: tuple[tuple[str, str], ...] = (
    (r"^(\w+): the first method in the order ", r"\1: die erste Methode in der Reihenfolge "),
    (
        r" that runs and passes its placebo and pre-trend checks",
        ", die läuft und ihre Placebo- und Vortrendprüfungen besteht",
    ),
    (
        r"^(\w+): every method that runs fails a check",
        r"\1: jede lauffähige Methode fällt bei einer Prüfung durch",
    ),
    (r"; read with care$", "; mit Vorsicht lesen"),
    (r"^requested: incremental method (\w+)$", r"so eingestellt: Methode \1"),
    (r"^no method can run on this data$", "keine Methode läuft auf diesen Daten"),
    (r"(\w+) failed: ", r"\1 fällt durch: "),
    (r"placebo (\S+) \[(\S+), (\S+)\] excludes 0", r"Placebo \1 [\2; \3] schließt 0 aus"),
    (r"pre-trend p = ", "Vortrend p = "),
    (
        r"non-users' win rate changed too \(p = ([\d.]+)\)",
        r"auch die Gewinnquote der Nicht-Nutzer änderte sich (p = \1)",
    ),
    (r"; also computed: ", "; ebenfalls berechnet: "),
)


def design_de(design: str) -> str:
    """An estimate's design line in German (unchanged when unknown)."""
    for pattern, german in DESIGNS_DE:
        match = pattern.fullmatch(design)
        if match:
            return german(match)
    return design


def assumption_de(assumption: str) -> str:
    """An assumption line in German (unchanged when unknown)."""
    return ASSUMPTIONS_DE.get(assumption, assumption)


def why_de(why: str) -> str:
    """Why the headline's method was chosen, in German, method keys as German names."""
    text = why
    for english, german in WHY_DE:
        text = re.sub(english, german, text)
    text = re.sub(
        r"\b(parts|staggered|synthetic|did|its|holdouts)\b", lambda m: METHOD_DE[m[1]], text
    )
    return _decimal(text)
