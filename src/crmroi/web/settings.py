"""What one dashboard server serves and how it guards it; checked before the server starts."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from crmroi.errors import InputError

TOKEN_ENV = "CRMROI_TOKEN"  # noqa: S105 - a variable name, not a secret
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""A CRM export of a few hundred thousand rows is well below this; more is refused, not cut."""
MAX_UPLOAD_FILES = 20
UPLOAD_SUFFIXES = frozenset(
    {".csv", ".tsv", ".txt", ".parquet", ".xlsx", ".xls", ".json", ".ndjson", ".jsonl"}
)
"""The file types ``crmroi import`` reads; anything else is refused before it is stored."""


@dataclass(frozen=True)
class WebSettings:
    """One server: its workspace, settings file, access token and upload limits."""

    workspace: str
    """A DuckDB file or a backend URL, as ``--workspace`` takes it."""
    config: Path | None = None
    token: str | None = None
    upload_dir: Path | None = None
    """Where uploads are kept (default: ``.crmroi-uploads`` beside the workspace); never served."""
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_upload_files: int = MAX_UPLOAD_FILES
    host: str = "127.0.0.1"
    suffixes: frozenset[str] = field(default=UPLOAD_SUFFIXES)

    @property
    def uploads(self) -> Path:
        """The upload folder (outside every path the server serves)."""
        if self.upload_dir is not None:
            return self.upload_dir
        if "://" in self.workspace or "[" in self.workspace:  # a database URL or Spark master
            return Path(".crmroi-uploads").resolve()
        return Path(self.workspace).resolve().parent / ".crmroi-uploads"


def is_loopback(host: str) -> bool:
    """Whether ``host`` only reaches this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve another address than loopback without an access token."""
    if not is_loopback(host) and not token:
        raise InputError(
            f"--host {host} is reachable from other machines: give an access token with "
            f"--token or the {TOKEN_ENV} environment variable (every request must then carry it)"
        )
    if token is not None and len(token) < 16:
        raise InputError("the access token is too short: use at least 16 characters")
