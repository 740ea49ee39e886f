"""The workspace behind the dashboard: one reader or writer at a time, results cached per version.

A DuckDB file has one writer, and the server is one process: every opening of the workspace goes
through one lock. The workspace version is what an import changes (the ``imports`` bookkeeping
table: its runs and the last one's time) plus the settings file's modification time. Reading it
needs the workspace, so it is read at most once a second, and never waited for: a page whose
results are cached is served without opening the workspace or waiting for another page's
computation. While an import of this server holds the workspace, or another request computes,
or a slow result (the report) is recomputed in the background after a change, a page is served
from the results of the version before (marked stale), so a page is never half-updated and
never waits for an import or for another page.

The background recomputation runs in a worker process when the workspace can be opened by
another process (a DuckDB file, PostgreSQL): the report is seconds of Python holding the GIL,
and in a thread of the server it slowed every page served meanwhile. The server's lock is held
while the worker has the workspace, so the two never open the file at once.
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from crmroi.config import DEFAULT_CONFIG, Config, load_config
from crmroi.web.settings import WebSettings
from crmroi.workspace import Workspace, is_spark_master, open_workspace

T = TypeVar("T")
MAX_ENTRIES = 128
"""Cached results kept (reports, findings, KPI queries); the oldest go first."""
SLOW_SECONDS = 1.0
"""A result that took this long is recomputed in the background after a change."""
VERSION_TTL = 1.0
"""Seconds a version read stays current: an import by another process shows within this."""


@dataclass(frozen=True)
class Cached:
    """A result with the workspace version it was computed on."""

    version: str
    value: Any
    stale: bool = False
    """Served from an older version while the current one is being computed."""
    seconds: float = 0.0
    """How long computing it took."""


class Results:
    """Computes results on the workspace once per version and serves them from memory."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._importing = threading.Event()
        self._entries: OrderedDict[Hashable, Cached] = OrderedDict()
        self._entries_lock = threading.Lock()
        self._refreshing: set[Hashable] = set()
        self.slow = SLOW_SECONDS
        self._seen: tuple[float, str] | None = None
        """When the workspace version was last read (monotonic seconds), and that version."""
        self._worker: ProcessPoolExecutor | None = None
        self._worker_lock = threading.Lock()

    def close(self) -> None:
        """Stop the worker process, if one was started."""
        with self._worker_lock:
            if self._worker is not None:
                self._worker.shutdown(cancel_futures=True)
                self._worker = None

    def _shareable(self) -> bool:
        """Whether another process may open the workspace.

        Not one in memory, and not a Spark session, whose embedded catalog admits one process.
        """
        target = self.settings.workspace
        return target is not None and target != ":memory:" and not is_spark_master(str(target))

    def _pool(self) -> ProcessPoolExecutor:
        with self._worker_lock:
            if self._worker is None:
                spawn = multiprocessing.get_context("spawn")  # no fork of a threaded server
                self._worker = ProcessPoolExecutor(max_workers=1, mp_context=spawn)
            return self._worker

    def config(self) -> Config:
        """The settings file as it is now (read on every use: the user may edit it)."""
        return load_config(self.settings.config)

    @property
    def config_path(self) -> Path:
        """The settings file read (and written by the Settings page)."""
        return self.settings.config or Path(DEFAULT_CONFIG)

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
            self._seen = None
            self._importing.clear()

    def version(self) -> str:
        """The workspace version now, read at most every ``VERSION_TTL`` seconds.

        When another request holds the workspace (computing, or importing), the version read
        last is used instead of waiting for it.
        """
        config = _stat(self.config_path)
        seen = self._seen
        if seen is not None and time.monotonic() - seen[0] < VERSION_TTL:
            return f"{seen[1]}:{config}"
        if not self._lock.acquire(blocking=seen is None):
            assert seen is not None
            return f"{seen[1]}:{config}"
        try:
            with self.workspace() as ws:
                version = _read_version(ws)
        finally:
            self._lock.release()
        self._seen = (time.monotonic(), version)
        return f"{version}:{config}"

    def get(self, key: Hashable, compute: Callable[[Workspace, Config], T]) -> Cached:
        """The result for ``key`` on the current version, computed on first use.

        A result of an older version is served (marked stale) while an import runs, while
        another request holds the workspace, or while a slow result (``slow`` seconds or more
        the last time) is recomputed in the background; a quick one is recomputed at once.
        """
        held = self._entries.get(key)
        if self._importing.is_set() and held is not None:
            return _stale(held)
        version = self.version()
        if held is not None and held.version == version:
            return held
        if held is not None and held.seconds >= self.slow:
            self._refresh(key, compute)
            return _stale(held)
        if not self._lock.acquire(blocking=held is None):
            assert held is not None
            return _stale(held)
        try:
            return self._compute(key, compute)
        finally:
            self._lock.release()

    def _compute(
        self, key: Hashable, compute: Callable[[Workspace, Config], T], *, elsewhere: bool = False
    ) -> Cached:
        """Compute ``key`` here, or with ``elsewhere`` in the worker process when it can."""
        if elsewhere and self._shareable() and _picklable(compute):
            with self._lock:  # the worker has the workspace: this process must not open it
                version, value, seconds = (
                    self._pool()
                    .submit(_compute_in_worker, self.settings, self.config_path, compute)
                    .result()
                )
            fresh = Cached(version, value, seconds=seconds)
        else:
            with self.workspace() as ws:
                held = self._entries.get(key)  # another request may have computed it meanwhile
                version = f"{_read_version(ws)}:{_stat(self.config_path)}"
                if held is not None and held.version == version:
                    return held
                clock = time.perf_counter()
                value = compute(ws, self.config())
                fresh = Cached(version, value, seconds=time.perf_counter() - clock)
        with self._entries_lock:
            self._entries[key] = fresh
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
        return fresh

    def _refresh(self, key: Hashable, compute: Callable[[Workspace, Config], T]) -> None:
        """Recompute ``key`` in a thread of its own (once at a time per key)."""
        with self._entries_lock:
            if key in self._refreshing:
                return
            self._refreshing.add(key)

        def run() -> None:
            try:
                self._compute(key, compute, elsewhere=True)
            except Exception:  # the next request computes it in the open and shows the error
                with self._entries_lock:
                    self._entries.pop(key, None)
            finally:
                self._refreshing.discard(key)

        threading.Thread(target=run, name=f"refresh {key!r}", daemon=True).start()


def _compute_in_worker(
    settings: WebSettings, config_path: Path, compute: Callable[[Workspace, Config], T]
) -> tuple[str, T, float]:
    """In the worker process: the version, the result and the seconds it took."""
    config = load_config(settings.config)
    with open_workspace(settings.workspace, **config.workspace.open_options()) as ws:
        version = f"{_read_version(ws)}:{_stat(config_path)}"
        clock = time.perf_counter()
        value = compute(ws, config)
        return version, value, time.perf_counter() - clock


def _read_version(ws: Workspace) -> str:
    imports = ws.table("imports")
    row = imports.aggregate(runs=imports.count(), last=imports.at.max()).execute()
    return f"{int(row['runs'].iloc[0])}:{row['last'].iloc[0]}"


def _picklable(compute: Callable[..., Any]) -> bool:
    """The queries are module-level dataclasses; a closure or lambda stays in this process."""
    try:
        pickle.dumps(compute)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def _stale(held: Cached) -> Cached:
    return Cached(held.version, held.value, stale=True, seconds=held.seconds)


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_size, info.st_mtime_ns
