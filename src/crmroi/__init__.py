"""The crmroi public API: does your CRM pay for itself.

The public API is this flat namespace; the CLI and the web dashboard are thin shells over it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmroi.errors import (
    AnalysisError,
    CrmroiError,
    InputError,
    SchemaVersionError,
    WorkspaceError,
)

if TYPE_CHECKING:
    from crmroi.workspace import Workspace, open_workspace

__version__ = "0.1.0"

__all__ = [
    "AnalysisError",
    "CrmroiError",
    "InputError",
    "SchemaVersionError",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "open_workspace",
]


def __getattr__(name: str) -> Any:
    """Load the engine on first use: `crmroi --version` must not import Ibis and pandas."""
    if name in ("Workspace", "open_workspace"):
        from crmroi import workspace

        return getattr(workspace, name)
    raise AttributeError(f"module 'crmroi' has no attribute {name!r}")
