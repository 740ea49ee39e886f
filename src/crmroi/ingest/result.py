"""What an import reports back: per-file counts that always reconcile, and the first problems."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowRejection:
    """One input row that a reader or mapper rejected before it reached the loader."""

    row_number: int
    column: str | None
    reason: str
    raw: str
    """The row's raw values as JSON."""


@dataclass(frozen=True)
class LoadResult:
    """The outcome of loading one file into one table.

    ``rows_read == rows_loaded + rows_quarantined`` always holds; an import that found the same
    file already loaded reports ``unchanged=True`` and the counts of that earlier run.
    """

    file: str
    table: str
    source: str
    import_id: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    unchanged: bool = False
    problems: tuple[RowRejection, ...] = field(default=())
    """The first few quarantined rows, for the message shown to the user."""

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_loaded + self.rows_quarantined:
            raise AssertionError(
                f"{self.file}: {self.rows_read} read != {self.rows_loaded} loaded + "
                f"{self.rows_quarantined} quarantined"
            )

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of ``crmroi import --format json``."""
        return {
            "file": self.file,
            "table": self.table,
            "source": self.source,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "unchanged": self.unchanged,
        }
