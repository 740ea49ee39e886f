"""The dashboard's own words in English and German; report wording comes from the report."""

from __future__ import annotations

from crmroi.report.i18n import t as report_t

PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("overview", "/", "Overview", "Überblick"),
    ("findings", "/findings", "Findings", "Befunde"),
    ("kpis", "/kpis", "KPIs", "Kennzahlen"),
    ("sales", "/sales", "Funnel and forecast", "Trichter und Prognose"),
    ("customers", "/customers", "Customers", "Kunden"),
    ("attribution", "/attribution", "Attribution", "Attribution"),
    ("costs", "/costs", "Costs and ROI", "Kosten und ROI"),
    ("imports", "/imports", "Imports", "Importe"),
    ("settings", "/settings", "Settings", "Einstellungen"),
)
"""Page id, path, English and German name, in menu order."""

SECTION_OF = {
    "overview": "overview",
    "sales": "sales",
    "customers": "customers",
    "attribution": "impact",
    "costs": "costs",
}
"""The report section each analysis page shows (the same frozen section the report renders)."""

WORDS: dict[str, tuple[str, str]] = {
    "download": ("Download the report", "Bericht herunterladen"),
    "top_findings": ("What to fix first", "Was zuerst zu beheben ist"),
    "all_findings": ("All findings", "Alle Befunde"),
    "kind": ("Kind", "Art"),
    "all": ("all", "alle"),
    "filter": ("Filter", "Filtern"),
    "subject": ("Subject", "Betrifft"),
    "at_stake": ("At stake", "Auf dem Spiel"),
    "confidence": ("Confidence", "Sicherheit"),
    "action": ("Action", "Maßnahme"),
    "evidence": ("Evidence", "Belege"),
    "no_findings": ("No findings on this data.", "Keine Befunde in diesen Daten."),
    "kpi": ("KPI", "Kennzahl"),
    "grain": ("Grain", "Raster"),
    "dimension": ("Dimension", "Dimension"),
    "none": ("none", "keine"),
    "from": ("From", "Von"),
    "to": ("To", "Bis"),
    "show": ("Show", "Anzeigen"),
    "period": ("Period", "Zeitraum"),
    "value": ("Value", "Wert"),
    "previous": ("Previous period", "Vorperiode"),
    "target": ("Target", "Ziel"),
    "attainment": ("Attainment", "Zielerreichung"),
    "status": ("Status", "Status"),
    "no_rows": ("No rows for this choice.", "Keine Zeilen für diese Auswahl."),
    "upload": ("Upload exports", "Exporte hochladen"),
    "upload_help": (
        "Drop one or more CSV, TSV, XLSX, Parquet or JSON exports here, or choose them.",
        "Eine oder mehrere Exportdateien (CSV, TSV, XLSX, Parquet, JSON) hier ablegen "
        "oder auswählen.",
    ),
    "import": ("Import", "Importieren"),
    "reconciliation": ("Reconciliation", "Abgleich"),
    "file": ("File", "Datei"),
    "table": ("Table", "Tabelle"),
    "read": ("Read", "Gelesen"),
    "loaded": ("Loaded", "Geladen"),
    "quarantined": ("Quarantined", "Quarantäne"),
    "notes": ("Notes", "Hinweise"),
    "mapping": ("Mapping", "Zuordnung"),
    "history": ("Import history", "Importverlauf"),
    "quarantine": ("Quarantined rows", "Zeilen in Quarantäne"),
    "row": ("Row", "Zeile"),
    "column": ("Column", "Spalte"),
    "reason": ("Reason", "Grund"),
    "at": ("At", "Zeitpunkt"),
    "errors": ("Not imported", "Nicht importiert"),
    "stale": (
        "These results are from before the latest import; they are being updated (reload soon).",
        "Diese Ergebnisse sind vom Stand vor dem letzten Import; sie werden gerade aktualisiert "
        "(bitte gleich neu laden).",
    ),
    "company": ("Company", "Unternehmen"),
    "currency": ("Currency", "Währung"),
    "language": ("Language", "Sprache"),
    "adoption_date": ("CRM go-live", "CRM-Einführung"),
    "settings_file": ("Settings file", "Einstellungsdatei"),
    "settings_help": (
        "Company, currency, language and go-live are saved into crmroi.toml here (its other "
        "sections and comments stay); costs and the rest: edit the file and reload.",
        "Unternehmen, Währung, Sprache und Einführung werden hier in crmroi.toml gespeichert "
        "(die übrigen Abschnitte und Kommentare bleiben); Kosten und den Rest in der Datei "
        "ändern und neu laden.",
    ),
    "edit_company": ("Company settings", "Unternehmensangaben"),
    "set_target": ("Set a target", "Ziel setzen"),
    "targets": ("Targets", "Ziele"),
    "save": ("Save", "Speichern"),
    "not_set": ("not set", "nicht gesetzt"),
    "workspace": ("Workspace", "Arbeitsbereich"),
    "progress": ("Uploading", "Hochladen"),
    "draft": (
        "no preset matches; check the drafted mapping, edit it where needed, then import",
        "keine Vorlage passt; den Zuordnungsentwurf prüfen, wo nötig ändern, dann importieren",
    ),
    "confirm_mapping": ("Import with this mapping", "Mit dieser Zuordnung importieren"),
}


def w(key: str, lang: str) -> str:
    """The dashboard word ``key`` in ``lang``."""
    en, de = WORDS[key]
    return de if lang == "de" else en


def page_name(page: str, lang: str) -> str:
    """The menu name of ``page``."""
    for pid, _path, en, de in PAGES:
        if pid == page:
            return de if lang == "de" else en
    raise KeyError(page)


__all__ = ["PAGES", "SECTION_OF", "page_name", "report_t", "w"]
