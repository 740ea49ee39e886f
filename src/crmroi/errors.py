"""Errors crmroi raises, each worded so that a user can act on it.

The tree::

    CrmroiError
    ├── WorkspaceError
    │   └── SchemaVersionError      workspace made by a newer/older, unsupported crmroi
    ├── InputError                  bad input: names the file, and row and column where known
    │   ├── UnknownTableError       file maps to no canonical table
    │   └── AmbiguousValueError     a column's format cannot be decided (e.g. 01/02/2024)
    ├── ConfigError                 crmroi.toml is invalid
    ├── AnalysisError               an analysis cannot run on the data given
    └── MissingDependencyError      an optional extra is not installed

The CLI maps every ``CrmroiError`` to one line on stderr and a non-zero exit code; anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``did you mean 'x'?`` for the known name closest to a mistyped one, else the list."""
    options = sorted(known)
    match = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if match:
        return f"did you mean {match[0]!r}?"
    return f"known: {', '.join(options)}"


class CrmroiError(Exception):
    """Base of every error crmroi raises on purpose."""


class WorkspaceError(CrmroiError):
    """The workspace cannot be opened or written."""


class SchemaVersionError(WorkspaceError):
    """The workspace's schema version is not one this crmroi can use."""


class InputError(CrmroiError):
    """An input file, row or value is wrong; the message names where."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        where = ", ".join(
            part
            for part in (
                file,
                f"row {row:,}" if row is not None else None,
                f"column `{column}`" if column else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class UnknownTableError(InputError):
    """A name does not match any canonical table."""

    def __init__(self, name: str, known: Iterable[str], *, file: str | None = None) -> None:
        super().__init__(
            f"unknown table {name!r}; known tables: {', '.join(sorted(known))}", file=file
        )


class AmbiguousValueError(InputError):
    """A column's format (date order, decimal mark) cannot be decided from its values."""


class ConfigError(CrmroiError):
    """The configuration file is invalid."""


class AnalysisError(CrmroiError):
    """An analysis cannot run on the data it was given."""


class MissingDependencyError(CrmroiError):
    """An optional dependency is needed for this feature."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(f"this needs {package}: pip install 'crmroi[{extra}]'")
