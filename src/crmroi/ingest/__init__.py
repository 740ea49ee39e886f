"""Getting data in: readers, mappings and the validating loader every importer shares."""

from __future__ import annotations

from crmroi.ingest.canonical import detect_table, import_file
from crmroi.ingest.result import LoadResult, RowRejection

__all__ = ["LoadResult", "RowRejection", "detect_table", "import_file"]
