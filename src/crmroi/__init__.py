"""The crmroi public API: does your CRM pay for itself.

The public API is this flat namespace; the CLI and the web dashboard are thin shells over it.
"""

from __future__ import annotations

from crmroi.errors import (
    AnalysisError,
    CrmroiError,
    InputError,
    SchemaVersionError,
    WorkspaceError,
)
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
