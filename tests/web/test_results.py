"""Results are computed once per workspace version; an import never blocks a page."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from crmroi.config import Config
from crmroi.errors import InputError
from crmroi.web.results import Cached, Results
from crmroi.web.settings import WebSettings
from crmroi.web.uploads import import_files
from crmroi.workspace import Workspace

TARGETS = "kpi,grain,period_start,value\nwon_revenue,quarter,2025-01-01,{value}\n"


def _targets_file(folder: Path, value: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "targets.csv"
    path.write_text(TARGETS.format(value=value), encoding="utf-8")
    return path


def test_computed_once_per_version_and_stale_while_importing(tmp_path: Path) -> None:
    results = Results(WebSettings(workspace=str(tmp_path / "ws.duckdb")))
    calls: list[int] = []

    def total_target(ws: Workspace, config: Config) -> float:
        calls.append(1)
        t = ws.table("targets")
        return float(t.value.sum().fill_null(0).execute())

    assert results.get("t", total_target).value == 0.0
    assert results.get("t", total_target).value == 0.0
    assert len(calls) == 1

    with results.writing() as ws:
        import_files(ws, [_targets_file(tmp_path / "a", 500)])
        seen: list[Cached] = []
        reader = threading.Thread(target=lambda: seen.append(results.get("t", total_target)))
        reader.start()
        reader.join(timeout=10)
        assert not reader.is_alive(), "a page waited for the import"
        assert seen[0].stale and seen[0].value == 0.0
    assert len(calls) == 1

    fresh = results.get("t", total_target)
    assert (fresh.value, fresh.stale, len(calls)) == (500.0, False, 2)
    assert fresh.version != seen[0].version
    assert results.get("t", total_target) is fresh


def test_settings_file_change_is_a_new_version(tmp_path: Path) -> None:
    config = tmp_path / "crmroi.toml"
    config.write_text('[company]\nname = "A"\n', encoding="utf-8")
    results = Results(WebSettings(workspace=str(tmp_path / "ws.duckdb"), config=config))
    name = lambda ws, cfg: cfg.company.name  # noqa: E731
    assert results.get("name", name).value == "A"
    config.write_text('[company]\nname = "B GmbH"\n', encoding="utf-8")
    assert results.get("name", name).value == "B GmbH"


def test_cached_page_does_not_wait_for_another_computation(tmp_path: Path) -> None:
    results = Results(WebSettings(workspace=str(tmp_path / "ws.duckdb")))
    results.get("fast", lambda ws, cfg: "ready")
    release, started = threading.Event(), threading.Event()

    def slow(ws: Workspace, config: Config) -> str:
        started.set()
        release.wait(timeout=30)
        return "slow"

    worker = threading.Thread(target=lambda: results.get("slow", slow))
    worker.start()
    assert started.wait(timeout=30)
    served: list[Cached] = []
    reader = threading.Thread(target=lambda: served.append(results.get("fast", slow)))
    reader.start()
    reader.join(timeout=10)
    blocked = reader.is_alive()
    release.set()
    worker.join(timeout=30)
    reader.join(timeout=30)
    assert not blocked, "a cached page waited for another page's computation"
    assert served[0].value == "ready" and not served[0].stale


def test_changed_result_served_stale_while_another_request_computes(tmp_path: Path) -> None:
    results = Results(WebSettings(workspace=str(tmp_path / "ws.duckdb")))
    old = results.get("page", lambda ws, cfg: "before")
    with results.writing() as ws:
        import_files(ws, [_targets_file(tmp_path / "a", 7)])
    release, started = threading.Event(), threading.Event()

    def slow(ws: Workspace, config: Config) -> str:
        started.set()
        release.wait(timeout=30)
        return "other"

    worker = threading.Thread(target=lambda: results.get("other", slow))
    worker.start()
    assert started.wait(timeout=30)
    served: list[Cached] = []
    reader = threading.Thread(target=lambda: served.append(results.get("page", slow)))
    reader.start()
    reader.join(timeout=10)
    blocked = reader.is_alive()
    release.set()
    worker.join(timeout=30)
    reader.join(timeout=30)
    assert not blocked
    assert (served[0].value, served[0].stale, served[0].version) == ("before", True, old.version)
    after = results.get("page", lambda ws, cfg: "after")
    assert (after.value, after.stale) == ("after", False)


def test_slow_result_recomputed_in_the_background(tmp_path: Path) -> None:
    results = Results(WebSettings(workspace=str(tmp_path / "ws.duckdb")))
    results.slow = 0.0  # every result counts as slow
    assert results.get("page", lambda ws, cfg: "before").value == "before"
    with results.writing() as ws:
        import_files(ws, [_targets_file(tmp_path / "a", 7)])
    first = results.get("page", lambda ws, cfg: "after")
    assert (first.value, first.stale) == ("before", True)
    deadline = time.monotonic() + 30
    while (now := results.get("page", lambda ws, cfg: "after")).stale:
        assert time.monotonic() < deadline, "the background refresh never finished"
        time.sleep(0.05)
    assert now.value == "after"


def test_failed_background_refresh_shows_its_error_next(tmp_path: Path) -> None:
    results = Results(WebSettings(workspace=str(tmp_path / "ws.duckdb")))
    results.slow = 0.0
    results.get("page", lambda ws, cfg: "before")
    with results.writing() as ws:
        import_files(ws, [_targets_file(tmp_path / "a", 7)])

    def broken(ws: Workspace, config: Config) -> str:
        raise InputError("the data cannot answer this")

    assert results.get("page", broken).stale
    deadline = time.monotonic() + 30
    while results._refreshing:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    with pytest.raises(InputError, match="cannot answer"):
        results.get("page", broken)


def pid_and_total_target(ws: Workspace, config: Config) -> tuple[int, float]:
    """A query the worker process can run (module-level, so it pickles)."""
    t = ws.table("targets")
    return os.getpid(), float(t.value.sum().fill_null(0).execute())


def test_slow_refresh_runs_in_a_worker_process_on_the_same_file(tmp_path: Path) -> None:
    """The background recomputation leaves the server's GIL alone: another process opens the
    DuckDB file (while this one has it closed) and its answer is the new version's."""
    results = Results(WebSettings(workspace=str(tmp_path / "ws.duckdb")))
    results.slow = 0.0
    try:
        first = results.get("page", pid_and_total_target)
        assert first.value == (os.getpid(), 0.0)  # the first computation answers the request
        with results.writing() as ws:
            import_files(ws, [_targets_file(tmp_path / "a", 250)])
        assert results.get("page", pid_and_total_target).stale
        deadline = time.monotonic() + 120
        while (now := results.get("page", pid_and_total_target)).stale:
            assert time.monotonic() < deadline, "the worker never answered"
            time.sleep(0.05)
        pid, total = now.value
        assert pid != os.getpid() and total == 250.0
        assert now.version != first.version
        with results.writing() as ws:  # the worker closed the file: this process may write
            import_files(ws, [_targets_file(tmp_path / "b", 300)])
    finally:
        results.close()


def test_an_upload_waiting_for_the_workspace_does_not_stall_the_server(tmp_path: Path) -> None:
    """A background recomputation holds the workspace (here: the test holds its lock); an upload
    must wait for it without blocking the event loop, so pages and files are served meanwhile.
    Measured before the fix: p95 of 29 s for a static file while imports ran."""
    import httpx

    from tests.web.conftest import serving
    from tests.web.test_security import TARGET_CSV, _csrf

    settings = WebSettings(workspace=str(tmp_path / "ws.duckdb"), upload_dir=tmp_path / "up")
    with serving(settings) as live, httpx.Client(base_url=live.url, timeout=120) as client:
        token = _csrf(client)
        held: Results = live.app.state.results
        answers: list[int] = []

        def upload() -> None:
            files = {"files": ("targets.csv", TARGET_CSV, "text/csv")}
            with httpx.Client(base_url=live.url, timeout=120) as other:
                other.cookies.update(client.cookies)
                answer = other.post("/imports", data={"csrf": token}, files=files)
                answers.append(answer.status_code)

        with held._lock:
            uploader = threading.Thread(target=upload)
            uploader.start()
            time.sleep(0.5)  # the upload is read and waits for the lock
            served = client.get("/static/dashboard.css", timeout=5)
            assert served.status_code == 200 and answers == []
        uploader.join(timeout=60)
    assert answers == [303]
