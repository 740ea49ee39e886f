"""The ROI analysis's reasons in German, for the German report.

The analysis (``roi``, ``impact``) says why a figure is not computed in one English line built
from fixed phrases with numbers and data names in them, joined with "; ", " — " and ": ". The
report renders it piece by piece: a piece that is a known phrase becomes German with its numbers
and names kept; an unknown piece (a workflow key, an error message) is left as it is.
"""

from __future__ import annotations

import re

PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(english), german)
    for english, german in (
        # roi/headline.py: what would give a stronger basis
        ("the incremental basis is computed", "die inkrementelle Basis ist berechnet"),
        ("the attributed basis is computed", "die zugeordnete Basis ist berechnet"),
        (r"choose it with (--basis \S+)", r"wählbar mit \1"),
        ("an incremental basis needs one of", "eine inkrementelle Basis braucht eine hiervon"),
        ("an attributed basis needs", "eine zugeordnete Basis braucht"),
        ("difference-in-differences", "Differenz-von-Differenzen"),
        ("before/after time series", "Vorher-nachher-Zeitreihe"),
        ("holdout groups", "Holdout-Gruppen"),
        # impact/did.py
        ("no won deals owned by CRM users", "keine gewonnenen Deals von CRM-Nutzern"),
        ("staggered_teams", "gestaffelte Teams"),
        ("low_adoption_reps", "Vertriebler mit wenig CRM-Nutzung"),
        (
            r"needs ≥(\d+) reps, ≥(\d+) months, exposed and unexposed cells",
            r"braucht ≥\1 Vertriebler, ≥\2 Monate, Zellen mit und ohne CRM",
        ),
        # impact/parts.py, impact/staggered.py (added by the incr helper)
        ("deal-level win rate × deal size", "Gewinnquote × Dealgröße je Deal"),
        ("group-time difference-in-differences", "Differenz-von-Differenzen je Gruppe und Monat"),
        (
            r"needs ≥(\d+) closed deals of ≥(\d+) owners, some before and some after go-live by "
            "reps who use the CRM",
            r"braucht ≥\1 abgeschlossene Deals von ≥\2 Vertrieblern, einige vor und einige nach "
            "dem Start bei Vertrieblern, die das CRM nutzen",
        ),
        (
            r"found (\d+) deals, (\d+) owners, (\d+) before, (\d+) exposed",
            r"gefunden: \1 Deals, \2 Vertriebler, \3 davor, \4 mit CRM",
        ),
        (
            r"needs ≥(\d+) reps, exposed rep-months and reps not \(yet\) exposed to compare",
            r"braucht ≥\1 Vertriebler, Monate mit CRM und Vertriebler (noch) ohne CRM zum "
            "Vergleich",
        ),
        (
            "incremental revenue by deal_level_parts",
            "inkrementeller Umsatz je Deal (Gewinnquote × Dealgröße)",
        ),
        (
            "incremental revenue by staggered_did",
            "inkrementeller Umsatz per Differenz-von-Differenzen je Gruppe",
        ),
        # impact/pilot.py
        ("synthetic control of a pilot team", "synthetische Kontrolle eines Pilotteams"),
        (
            r"needs one team live in the data and ≥(\d+) teams live only after it \(a pilot\) as "
            "donors",
            r"braucht ein Team, das in den Daten startete, und ≥\1 Teams, die erst danach "
            "starteten (ein Pilot), als Spender",
        ),
        (
            r"needs closed deals in every month for the pilot team and ≥(\d+) donor teams",
            r"braucht abgeschlossene Deals in jedem Monat für das Pilotteam und ≥\1 Spenderteams",
        ),
        (
            r"needs ≥(\d+) months of closed deals before and after the pilot team's go-live "
            r"\(≥(\d+) before\)",
            r"braucht ≥\1 Monate mit abgeschlossenen Deals vor und nach dem Start des "
            r"Pilotteams (≥\2 davor)",
        ),
        (
            "the pilot team or every donor team won no deal before go-live",
            "das Pilotteam oder alle Spenderteams gewannen vor dem Start keinen Deal",
        ),
        (
            "its 95 % set of the monthly effect is empty or unbounded: no constant effect makes "
            "the donor teams' mix reproduce the pilot team's months after go-live",
            "ihre 95-%-Menge des monatlichen Effekts ist leer oder unbeschränkt: kein konstanter "
            "Effekt lässt die Mischung der Spenderteams die Monate des Pilotteams nach dem Start "
            "nachbilden",
        ),
        (
            "incremental revenue by synthetic_control",
            "inkrementeller Umsatz per synthetischer Kontrolle",
        ),
        # impact/its.py, impact/incremental.py
        (
            r"needs ≥(\d+) months of won deals before adoption and ≥(\d+) after",
            r"braucht ≥\1 Monate mit gewonnenen Deals vor der Einführung und ≥\2 danach",
        ),
        (r"found (\d+) and (\d+)", r"gefunden: \1 und \2"),
        (
            "no workflow holdout or campaign control group",
            "keine Workflow-Holdout- oder Kampagnen-Kontrollgruppe",
        ),
        # impact/holdout.py
        (
            r"needs at least (\d+) treated and (\d+) control contacts",
            r"braucht mindestens \1 Kontakte mit und \2 ohne Maßnahme",
        ),
        (
            r"([\d,]+) of ([\d,]+) contacts were left out because their (\d+)-day conversion "
            r"window ends after the data((?: \(\S+\))?)",
            r"\1 von \2 Kontakten fehlen, weil ihr \3-tägiges Konversionsfenster nach dem "
            r"Datenende\4 endet",
        ),
        (
            r"([\d,]+) of ([\d,]+) contacts were left out because their conversion window ends "
            r"after the data((?: \(\S+\))?)",
            r"\1 von \2 Kontakten fehlen, weil ihr Konversionsfenster nach dem Datenende\3 endet",
        ),
        (
            r"(`\[roi\] conversion_window_days`) in crmroi\.toml shortens it",
            r"\1 in crmroi.toml verkürzt es",
        ),
        # roi/benefits.py
        ("no won deals", "keine gewonnenen Deals"),
        ("import deals with status won", "Deals mit Status „won“ importieren"),
        (
            r"no won deal closed since the adoption date (\S+) \((\d+) closed before it\)",
            r"kein gewonnener Deal seit dem Einführungsdatum \1 abgeschlossen (\2 davor)",
        ),
        ("check the adoption date", "Einführungsdatum prüfen"),
        ("no touchpoints", "keine Touchpoints"),
        (
            r"import touchpoints \(the campaign and channel touches of contacts\) to attribute "
            "revenue",
            "Touchpoints (Kampagnen- und Kanalkontakte der Kontakte) importieren, um Umsatz "
            "zuzuordnen",
        ),
        (
            r"crmroi\.attribution\.attribute is not available in this installation",
            "crmroi.attribution.attribute ist in dieser Installation nicht verfügbar",
        ),
        ("attribution failed", "Attribution fehlgeschlagen"),
        (
            r"no won deal had a campaign touch before it within the attribution lookback "
            r"\(attribution_lookback_days\)",
            "kein gewonnener Deal hatte zuvor einen Kampagnenkontakt im Attributionszeitraum "
            "(attribution_lookback_days)",
        ),
        ("nothing to attribute", "nichts zuzuordnen"),
        # impact/adoption.py: no go-live date at all
        ("no adoption date", "kein Einführungsdatum"),
        (
            r"import users with active_from or a cost ledger, or set \[company\] adoption_date "
            r"in crmroi\.toml or pass --adoption-date",
            "Nutzer mit active_from oder ein Kostenbuch importieren, oder angeben mit [company] "
            "adoption_date in crmroi.toml oder --adoption-date",
        ),
        # impact/experiments.py: members a conversion window leaves out
        (r"([\d,]+) of ([\d,]+) members left out", r"\1 von \2 Mitgliedern ausgelassen"),
        (
            r"their (\d+)-day window ends after the .+ data \((\d{4}-\d{2}-\d{2})\)",
            r"ihr Zeitraum von \1 Tagen endet nach dem Ende der Daten (\2)",
        ),
        (
            r"a window of (\d+) days or less \(--window (\d+)\) keeps them",
            r"ein Zeitraum von höchstens \1 Tagen (--window \2) behält sie",
        ),
        # roi/analysis.py via attribution/journeys.py: what the lookback window left out
        ("attributed basis", "zugeordnete Basis"),
        ("lookback window", "Rückblickfenster"),
        (
            r"([\d,]+) of ([\d,]+) conversions \((\d+)\.(\d)%, revenue ([\d,]+)\) had touches, "
            r"but none in the (\d+) days before converting, and count as \(baseline\)",
            r"\1 von \2 Abschlüssen (\3,\4 %, Umsatz \5) hatten Kontakte, aber keinen in den \6 "
            r"Tagen davor, und zählen zur (Basis)",
        ),
        (
            r"(`\[roi\] attribution_lookback_days` in crmroi\.toml) changes the window",
            r"\1 ändert das Fenster",
        ),
        # roi/finance.py: ROI and payback
        ("benefit or cost is not a finite number", "Nutzen oder Kosten sind keine endliche Zahl"),
        ("no cost recorded", "keine Kosten erfasst"),
        (
            r"ROI is undefined \(add cost lines or seats\)",
            "ROI ist nicht definiert (Kostenzeilen oder Lizenzen ergänzen)",
        ),
        ("there is nothing to pay back", "es gibt nichts zu amortisieren"),
        (
            r"never pays back within the (\d+)-month window",
            r"amortisiert sich nicht innerhalb des Zeitraums von \1 Monaten",
        ),
        # roi/analysis.py: the overview's notes
        ("touched: not computed", "berührte Basis: nicht berechnet"),
        ("attributed: not computed", "zugeordnete Basis: nicht berechnet"),
        ("incremental: not computed", "inkrementelle Basis: nicht berechnet"),
        ("licences from the seats", "Lizenzkosten aus den Lizenzplätzen"),
        (
            r"licences from the ledger \(ledger licence lines take precedence over seats\)",
            "Lizenzkosten aus dem Kostenbuch (Lizenzzeilen im Kostenbuch gehen den "
            "Lizenzplätzen vor)",
        ),
        (
            "incremental revenue by difference_in_differences",
            "inkrementeller Umsatz per Differenz-von-Differenzen",
        ),
        (
            "incremental revenue by interrupted_time_series",
            "inkrementeller Umsatz per unterbrochener Zeitreihe",
        ),
        ("incremental revenue by holdouts", "inkrementeller Umsatz per Holdout-Gruppen"),
        (
            "incremental revenue exceeds touched revenue",
            "inkrementeller Umsatz übersteigt berührten Umsatz",
        ),
        (
            r"benefit includes the optional productivity line \(hours saved × cost\)",
            "Nutzen enthält die optionale Produktivitätszeile (eingesparte Stunden × Kosten)",
        ),
        (
            r"the incremental benefit is measured through (\S+)",
            r"der inkrementelle Nutzen ist bis \1 gemessen",
        ),
        (
            r"deals created from (\S+) on are still within one typical sales cycle \(90\s% of "
            r"deals close within it\) of the last close date, so their won revenue is not final\. "
            r"The benefit line stops there while costs run to (\S+)",
            r"Deals, die ab \1 angelegt wurden, liegen noch innerhalb eines typischen "
            "Verkaufszyklus (90\xa0% der Deals schließen darin) vor dem letzten Abschlussdatum, "
            r"ihr gewonnener Umsatz steht also noch nicht fest. Die Nutzenlinie endet dort, die "
            r"Kosten laufen bis \2",
        ),
        (
            r"later months are outside the estimate\. The benefit line stops there while costs "
            r"run to (\S+)",
            r"spätere Monate liegen außerhalb der Schätzung. Die Nutzenlinie endet dort, die "
            r"Kosten laufen bis \1",
        ),
        (
            r"ROI on this basis counts no benefit for those months \(conservative\)",
            "der ROI auf dieser Basis zählt für diese Monate keinen Nutzen (konservativ)",
        ),
        # roi/tco.py
        (
            r"active users: users with any activity in the window \(no login activities "
            r"recorded\)",
            "aktive Nutzer: Nutzer mit irgendeiner Aktivität im Zeitraum (keine Login-Aktivitäten "
            "erfasst)",
        ),
        # impact/adoption.py
        (
            r"adoption date (\S+) inferred from the first licence cost line \(no "
            r"users\.active_from\)",
            r"Einführungsdatum \1 aus der ersten Lizenzkostenzeile abgeleitet (kein "
            r"users.active_from)",
        ),
        (
            r"adoption date (\S+) inferred from the first cost line \(no users\.active_from and "
            r"no licence line",
            r"Einführungsdatum \1 aus der ersten Kostenzeile abgeleitet (kein users.active_from "
            r"und keine Lizenzzeile",
        ),
        (
            r"set-up costs often come before go-live, so this date may be early\)",
            "Einrichtungskosten fallen oft vor dem Start an, das Datum kann also zu früh sein)",
        ),
        (
            r"set \[company\] adoption_date in crmroi\.toml or pass --adoption-date to change it",
            "ändern mit [company] adoption_date in crmroi.toml oder --adoption-date",
        ),
    )
)
"""(English phrase as a regex matched whole, German template with the phrase's groups)."""


def german_reason(reason: str) -> str:
    """``reason`` in German, piece by piece (see module docstring)."""
    return "; ".join(
        " — ".join(_phrase(part) for part in clause.split(" — ")) for clause in reason.split("; ")
    )


def _phrase(text: str) -> str:
    for english, german in PHRASES:
        match = english.fullmatch(text)
        if match:
            return _german_thousands(match.expand(german))
    head, colon, tail = text.partition(": ")
    if colon:
        return f"{_phrase(head)}: {_phrase(tail)}"
    return text


def _german_thousands(text: str) -> str:
    """Counts such as ``1,234`` written the German way, ``1.234``."""
    return re.sub(r"\b\d{1,3}(?:,\d{3})+\b", lambda m: m.group(0).replace(",", "."), text)
