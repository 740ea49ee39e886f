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


@dataclass
class MappingNotes:
    """Counts a mapping gathers while it converts rows, reported with the import's result."""

    fallbacks: dict[str, int] = field(default_factory=dict)
    """Per field (and fallback), the rows whose value the fallback gave or left unknown."""
    lookups_missed: dict[str, int] = field(default_factory=dict)
    """Per field, the rows whose lookup key the looked-up file or table does not hold."""


@dataclass(frozen=True)
class LoadResult:
    """The outcome of loading one file into one table.

    ``rows_read == rows_loaded + rows_quarantined`` always holds; an import whose identity (file
    content, table, mapping, lookups) was already loaded reports ``unchanged=True`` and the counts
    of that earlier run.
    """

    file: str
    table: str
    source: str
    import_id: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    unchanged: bool = False
    same_as: str | None = None
    """Unchanged because this content was loaded before under another file name: that name."""
    reloaded: str | None = None
    """Why a file loaded before into this table was loaded again (``forced``, a changed mapping)."""
    rows_replaced: int = 0
    """Loaded rows whose key was already in the table: they replaced the rows held before."""
    fallbacks: tuple[tuple[str, int], ...] = ()
    """Per field, the loaded rows whose value came from the mapping's ``fallback``."""
    lookups_missed: tuple[tuple[str, int], ...] = ()
    """Per field, the rows whose lookup key the looked-up file or table does not hold."""
    problems: tuple[RowRejection, ...] = field(default=())
    """The first few quarantined rows, for the message shown to the user."""

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_loaded + self.rows_quarantined:
            raise AssertionError(
                f"{self.file}: {self.rows_read} read != {self.rows_loaded} loaded + "
                f"{self.rows_quarantined} quarantined"
            )

    def notes(self) -> list[str]:
        """What a user should know besides the counts, one short sentence each."""
        out: list[str] = []
        if self.unchanged:
            out.append(
                f"unchanged: same content already loaded as {self._earlier()}"
                if self.same_as
                else "unchanged: already loaded with this mapping"
            )
        if self.reloaded:
            out.append(f"re-loaded ({self.reloaded})")
        if self.rows_replaced:
            out.append(f"replaced {self.rows_replaced:,} existing rows")
        out += [f"{field}: {n:,} rows" for field, n in self.fallbacks if n]
        out += [f"{field}: {n:,} lookups found nothing" for field, n in self.lookups_missed if n]
        return out

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
            "same_as": self.same_as,
            "reloaded": self.reloaded,
            "rows_replaced": self.rows_replaced,
            "fallbacks": dict(self.fallbacks),
            "lookups_missed": dict(self.lookups_missed),
        }

    def _earlier(self) -> str:
        """The earlier file's name, or its whole path where the name is this file's too."""
        earlier = self.same_as or ""
        return earlier if _name(earlier) == _name(self.file) else _name(earlier)


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]
