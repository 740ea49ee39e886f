"""The workspace behind the dashboard: one reader or writer at a time, results cached per version.

A DuckDB file has one writer, and the server is one process: every access goes through one lock.
The workspace version is what an import changes (the ``imports`` bookkeeping table: its runs and
the last one's time) plus the settings file's modification time. Results are computed once per
version and language; while an import holds the workspace, pages are served from the results
of the version before it, so a page is never half-updated and never waits for the import.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from crmroi.config import DEFAULT_CONFIG, Config, load_config
from crmroi.web.settings import WebSettings
from crmroi.workspace import Workspace, open_workspace

T = TypeVar("T")
MAX_ENTRIES = 128
"""Cached results kept (reports, findings, KPI queries); the oldest go first."""


@dataclass(frozen=True)
class Cached:
    """A result with the workspace version it was computed on."""

    version: str
    value: Any
    stale: bool = False
    """Served from the version before a running import."""


class Results:
    """Computes results on the workspace once per version and serves them from memory."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._importing = threading.Event()
        self._entries: OrderedDict[Hashable, Cached] = OrderedDict()

    def config(self) -> Config:
        """The settings file as it is now (read on every use: the user may edit it)."""
        return load_config(self.settings.config)

    @contextmanager
    def workspace(self) -> Iterator[Workspace]:
        """The open workspace, held by this thread alone."""
        options = self.config().workspace.open_options()
        with self._lock, open_workspace(self.settings.workspace, **options) as ws:
            yield ws

    @contextmanager
    def writing(self) -> Iterator[Workspace]:
        """The workspace for an import: readers get the results from before it meanwhile."""
        self._importing.set()
        try:
            with self.workspace() as ws:
                yield ws
        finally:
            self._importing.clear()

    def _version(self, ws: Workspace) -> str:
        imports = ws.table("imports")
        row = imports.aggregate(runs=imports.count(), last=imports.at.max()).execute()
        config = self.settings.config or Path(DEFAULT_CONFIG)
        mtime = config.stat().st_mtime_ns if config.is_file() else 0
        return f"{int(row['runs'].iloc[0])}:{row['last'].iloc[0]}:{mtime}"

    def get(self, key: Hashable, compute: Callable[[Workspace, Config], T]) -> Cached:
        """The result for ``key`` on the current version, computed on first use."""
        if self._importing.is_set():
            held = self._entries.get(key)
            if held is not None:
                return Cached(held.version, held.value, stale=True)
        with self.workspace() as ws:
            version = self._version(ws)
            held = self._entries.get(key)
            if held is not None and held.version == version:
                self._entries.move_to_end(key)
                return held
            fresh = Cached(version, compute(ws, self.config()))
            self._entries[key] = fresh
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
            return fresh
