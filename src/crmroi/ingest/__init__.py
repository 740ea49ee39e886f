"""Getting data in: readers, mappings and the validating loader every importer shares."""

from __future__ import annotations

from crmroi.ingest.canonical import detect_table, import_file
from crmroi.ingest.exports import ExportResult, import_any, import_export
from crmroi.ingest.relations import dangling_references, link_contacts
from crmroi.ingest.result import LoadResult, RowRejection

__all__ = [
    "ExportResult",
    "LoadResult",
    "RowRejection",
    "dangling_references",
    "detect_table",
    "import_any",
    "import_export",
    "import_file",
    "link_contacts",
]
