"""Data quality: the gaps that leave records out of the metrics.

How complete the fields are that metrics need, what the imports rejected, and the data-quality
findings with the revenue they affect.
"""

from __future__ import annotations

from pathlib import PurePath

from crmroi.report.build import ReportContext, register_section
from crmroi.report.model import DataTable, Section, Unit
from crmroi.report.sections.findings import findings_table
from crmroi.report.values import number


def _completeness(ctx: ReportContext) -> DataTable | None:
    from crmroi.metrics import MetricQuery, query

    frame = query(
        ctx.ws,
        MetricQuery(kpis=("data_completeness",), dimensions=("field",), settings=ctx.config.kpis),
    )
    frame = frame[frame["value"].notna()].sort_values(["value", "field"])
    if frame.empty:
        return None
    return DataTable(
        id="completeness",
        title=ctx.text("Fields filled in", "Ausgefüllte Felder"),
        columns=(ctx.text("field", "Feld"), ctx.text("filled", "ausgefüllt")),
        rows=tuple((str(f), float(v)) for f, v in zip(frame["field"], frame["value"], strict=True)),
        units=(Unit.text, Unit.ratio),
        caption=ctx.text(
            "Share of rows with the field filled (an empty text counts as missing); the fields "
            "are completeness_fields under [kpis] in crmroi.toml. Least complete first.",
            "Anteil der Zeilen mit ausgefülltem Feld (leerer Text zählt als fehlend); die Felder "
            "sind completeness_fields unter [kpis] in crmroi.toml. Unvollständigste zuerst.",
        ),
    )


def _imports(ctx: ReportContext) -> DataTable | None:
    """The latest import of each file into each table: rows read, loaded and rejected."""
    frame = ctx.ws.table("imports").execute()
    if frame.empty:
        return None
    frame = frame.sort_values("at").drop_duplicates(["file", "table_name"], keep="last")
    frame = frame.sort_values(["table_name", "file"])
    return DataTable(
        id="imports",
        title=ctx.text("Imports", "Importe"),
        columns=(
            ctx.text("table", "Tabelle"),
            ctx.text("file", "Datei"),
            ctx.text("rows read", "gelesene Zeilen"),
            ctx.text("loaded", "geladen"),
            ctx.text("rejected", "abgewiesen"),
        ),
        rows=tuple(
            (
                str(r["table_name"]),
                PurePath(str(r["file"])).name,
                number(r["rows_read"]),
                number(r["rows_loaded"]),
                number(r["rows_quarantined"]),
            )
            for _, r in frame.iterrows()
        ),
        units=(Unit.text, Unit.text, Unit.integer, Unit.integer, Unit.integer),
        caption=ctx.text(
            "Rejected rows are kept with the reason: crmroi quarantine lists them.",
            "Abgewiesene Zeilen bleiben mit Grund erhalten: crmroi quarantine listet sie.",
        ),
    )


@register_section("quality")
def quality(ctx: ReportContext) -> Section | None:
    """Completeness of the fields metrics need, imports and their rejects, quality findings."""
    tables = [t for t in (_completeness(ctx), _imports(ctx)) if t is not None]
    found = [f for f in ctx.findings if f.kind == "data_quality"]
    if found:
        tables.insert(
            0,
            findings_table(
                ctx,
                found,
                table_id="quality-findings",
                title=ctx.text("Data-quality findings", "Befunde zur Datenqualität"),
                full=False,
            ),
        )
    if not tables:
        return None
    return Section(
        id="quality",
        title=ctx.text("Data quality", "Datenqualität"),
        summary=ctx.text(
            "Gaps in the data leave records out of the metrics that need the missing field.",
            "Lücken in den Daten lassen Datensätze aus den Kennzahlen heraus, die das fehlende "
            "Feld brauchen.",
        ),
        tables=tuple(tables),
    )
