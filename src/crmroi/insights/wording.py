"""Titles and actions of the findings in English and German.

Kept beside the detectors rather than in ``crmroi.report.i18n``: ``crmroi findings`` must not
load the report package (Jinja, Babel, the charts) to print a list.
"""

from __future__ import annotations

import re
import string
from typing import Any

TEXT: dict[str, dict[str, str]] = {
    "neglected_title": {
        "en": "{deals} open deals of {subject} untouched for longer than {days:.0f} days",
        "de": "{deals} offene Deals von {subject} seit über {days:.0f} Tagen unberührt",
    },
    "neglected_action": {
        "en": "Review these deals with {subject} this week: schedule the next step or close "
        "them as lost, so the pipeline and the forecast are honest.",
        "de": "Diese Deals diese Woche mit {subject} durchgehen: nächsten Schritt planen oder "
        "als verloren schließen, damit Pipeline und Prognose stimmen.",
    },
    "missing_title": {
        "en": "{share:.0%} of deals lack {field} ({count} deals)",
        "de": "{share:.0%} der Deals fehlt {field} ({count} Deals)",
    },
    "missing_action": {
        "en": "Make {field} a required field in the CRM and fill it on the listed deals; "
        "metrics that need it leave these deals out.",
        "de": "{field} im CRM zum Pflichtfeld machen und bei den betroffenen Deals nachtragen; "
        "Kennzahlen, die es brauchen, lassen diese Deals aus.",
    },
    "duplicates_title": {
        "en": "{count} duplicate contacts (same e-mail) in {groups} groups",
        "de": "{count} doppelte Kontakte (gleiche E-Mail) in {groups} Gruppen",
    },
    "duplicates_action": {
        "en": "Merge the duplicates and switch on the CRM's duplicate check on import; "
        "attribution and engagement split a customer's history across the copies.",
        "de": "Dubletten zusammenführen und die Dublettenprüfung beim Import einschalten; "
        "Attribution und Engagement verteilen sonst die Historie auf die Kopien.",
    },
    "unused_seat_title": {
        "en": "{subject}'s seat unused for {days:.0f} days",
        "de": "Lizenz von {subject} seit {days:.0f} Tagen ungenutzt",
    },
    "unused_seat_action": {
        "en": "Ask {subject} why the CRM is not used (training, access, fit); if the seat is "
        "not needed, cancel or reassign the licence.",
        "de": "Mit {subject} klären, warum das CRM nicht genutzt wird (Schulung, Zugang, "
        "Passung); wird die Lizenz nicht gebraucht, kündigen oder neu vergeben.",
    },
    "adoption_title": {
        "en": "{subject} logs {mine:.1f} activities per deal (median rep {median:.1f}) and wins "
        "less often",
        "de": "{subject} erfasst {mine:.1f} Aktivitäten pro Deal (Median {median:.1f}) und "
        "gewinnt seltener",
    },
    "adoption_action": {
        "en": "Train {subject} on working deals in the CRM (log calls and meetings, next steps); "
        "pair with an adopting teammate.",
        "de": "{subject} in der Deal-Arbeit im CRM schulen (Anrufe, Termine, nächste Schritte "
        "erfassen); mit einem CRM-affinen Teamkollegen zusammenbringen.",
    },
    "campaign_title": {
        "en": "Campaign {subject} returns {roi:,.0f} % on its cost against its control group",
        "de": "Kampagne {subject} bringt {roi:.0f} % auf ihre Kosten gegenüber der Kontrollgruppe",
    },
    "campaign_action": {
        "en": "Stop or rework {subject} and move its budget to campaigns whose control groups "
        "show a return.",
        "de": "{subject} stoppen oder überarbeiten und das Budget in Kampagnen verlagern, deren "
        "Kontrollgruppen einen Ertrag zeigen.",
    },
    "spend_channel_title": {
        "en": "Channel {subject} returns {roi:,.0f} % on its spend (marketing-mix model)",
        "de": "Kanal {subject} bringt {roi:.0f} % auf seine Ausgaben (Marketing-Mix-Modell)",
    },
    "spend_channel_action": {
        "en": "Cut or rework the spend on {subject} and move its budget to channels whose "
        "modelled return is above their spend.",
        "de": "Ausgaben für {subject} kürzen oder überarbeiten und das Budget in Kanäle "
        "verlagern, deren modellierter Ertrag über ihren Ausgaben liegt.",
    },
    "workflow_title": {
        "en": "Workflow {subject}: conversion lift of {lift:+.1f} points over its holdout, "
        "no shown effect",
        "de": "Workflow {subject}: Konversionsänderung von {lift:+.1f} Punkten gegenüber der "
        "Holdout-Gruppe, keine nachgewiesene Wirkung",
    },
    "workflow_action": {
        "en": "Rework {subject} (audience, timing, content) or switch it off and spend its cost "
        "on workflows whose holdouts show an effect; keep the holdout to measure the change.",
        "de": "{subject} überarbeiten (Zielgruppe, Zeitpunkt, Inhalt) oder abschalten und die "
        "Kosten in Workflows mit nachgewiesener Wirkung stecken; die Holdout-Gruppe beibehalten, "
        "um die Änderung zu messen.",
    },
    "stage_title": {
        "en": "Stage {subject}: conversion {before:.0%} → {now:.0%}, time in stage "
        "{days_before:.0f} → {days_now:.0f} days",
        "de": "Stufe {subject}: Konversion {before:.0%} → {now:.0%}, Verweildauer "
        "{days_before:.0f} → {days_now:.0f} Tage",
    },
    "stage_action": {
        "en": "Review the deals lost or stuck at {subject} with the team (loss reasons, "
        "next steps, entry criteria) and coach the step; compare with how it worked before.",
        "de": "Die bei {subject} verlorenen oder hängenden Deals mit dem Team durchgehen "
        "(Verlustgründe, nächste Schritte, Eintrittskriterien) und den Schritt trainieren; mit "
        "dem früheren Vorgehen vergleichen.",
    },
    "engagement_title": {
        "en": "Engagement of {subject} customers fell {drop:.0%} in {days} days "
        "({customers} customers)",
        "de": "Engagement der {subject}-Kunden in {days} Tagen um {drop:.0%} gesunken "
        "({customers} Kunden)",
    },
    "engagement_action": {
        "en": "Have account managers call the {subject} customers whose engagement fell, find "
        "the common cause (product, support, price) and plan a success programme.",
        "de": "Die Account Manager sollen die {subject}-Kunden mit gesunkenem Engagement "
        "anrufen, die gemeinsame Ursache finden (Produkt, Support, Preis) und ein "
        "Betreuungsprogramm planen.",
    },
    "churn_title": {
        "en": "{subject} is at risk: {recent} interactions in {days} days where {expected:.0f} "
        "were usual; {value:,.0f} a year at stake",
        "de": "{subject} ist abwanderungsgefährdet: {recent} Interaktionen in {days} Tagen statt "
        "üblicher {expected:.0f}; {value:,.0f} pro Jahr gefährdet",
    },
    "churn_action": {
        "en": "Call {subject} this week: ask what changed, solve open issues and agree on the "
        "next business review before the renewal.",
        "de": "{subject} diese Woche anrufen: fragen, was sich geändert hat, offene Punkte lösen "
        "und vor der Verlängerung den nächsten Termin vereinbaren.",
    },
}


class _GermanNumbers(string.Formatter):
    """Numbers the German way: ``2,6``, ``1.234``, ``25 %`` (Babel's de_DE patterns)."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(super().format_field(value, format_spec))
        from babel.numbers import format_decimal, format_percent

        signed = format_spec.startswith("+")
        decimals = re.fullmatch(r"\+?,?\.(\d+)([f%])", format_spec)
        if decimals is None:
            return format_decimal(value, locale="de_DE")
        digits = "0" * int(decimals.group(1))
        pattern = "#,##0" + ("." + digits if digits else "")
        if signed:
            pattern = f"+{pattern};-{pattern}"
        if decimals.group(2) == "%":
            return format_percent(value, format=pattern + " %", locale="de_DE")
        return format_decimal(value, format=pattern, locale="de_DE")


def say(key: str, lang: str, **values: Any) -> str:
    """The text ``key`` in ``lang`` (English when the language has none), filled in."""
    texts = TEXT[key]
    if lang == "de" and "de" in texts:
        return _GermanNumbers().format(texts["de"], **values)
    return texts["en"].format(**values)
