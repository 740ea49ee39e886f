"""Load on the dashboard: concurrent clients against a real server on loopback.

Usage: python benchmarks/web_load.py [--size small|medium] [--clients 20] [--seconds 30]

Starts ``crmroi serve`` in a process of its own, as a user runs it (the clients here are threads of
this process and must not share the server's GIL). Simulates the company, uploads its exports
through ``POST /imports`` (the page's path), opens
every page once (the first visit after an import computes the results), then runs ``--clients``
threads for ``--seconds``, each requesting the pages and API queries in turn. Prints requests per
second, p50 and p95 latency per path and the errors; then the same while an import runs (a
targets file re-uploaded in a loop: pages are served from the results of the version before it).
Reference in the same run: ``GET /static/dashboard.css`` (no computation), the floor of the
server itself. Goal (issue 14): p95 under 300 ms, no errors, also while an import runs.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

from crmroi import synth

PATHS = (
    "/",
    "/findings",
    "/kpis?kpi=won_revenue&grain=month",
    "/sales",
    "/customers",
    "/attribution",
    "/costs",
    "/imports",
    "/settings",
    "/api/findings",
    "/api/kpis?kpi=won_revenue&grain=quarter",
    "/static/dashboard.css",
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    """Until the server accepts connections (it imports the web stack first)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"crmroi serve exited with {server.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit("crmroi serve did not start within 120 s")


def _csrf(client: httpx.Client) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/imports").text)
    assert found is not None
    return found.group(1)


def _upload(client: httpx.Client, files: list[Path]) -> None:
    token = _csrf(client)
    parts = [("files", (p.name, p.read_bytes(), "text/csv")) for p in files]
    answer = client.post("/imports", data={"csrf": token}, files=parts, timeout=3600)
    assert answer.status_code in (200, 303), answer.text[:300]


def _run(url: str, clients: int, seconds: float) -> dict[str, list[tuple[float, int]]]:
    timings: dict[str, list[tuple[float, int]]] = defaultdict(list)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            i = offset
            while time.monotonic() < stop:
                path = PATHS[i % len(PATHS)]
                start = time.perf_counter()
                status = http.get(path).status_code
                with lock:
                    timings[path].append((time.perf_counter() - start, status))
                i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings


def _print(title: str, timings: dict[str, list[tuple[float, int]]], seconds: float) -> None:
    total = sum(len(v) for v in timings.values())
    errors = sum(1 for v in timings.values() for _, s in v if s >= 400)
    print(f"\n{title}: {total / seconds:.1f} requests/s, {errors} errors")
    print(f"{'path':45} {'n':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for path in PATHS:
        times = sorted(t for t, _ in timings.get(path, []))
        if not times:
            continue
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(f"{path:45} {len(times):6d} {statistics.median(times) * 1000:8.0f} {p95 * 1000:8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="medium")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="crmroi-web-load-"))
    company = synth.generate(args.size, 0)
    files = [p for p in synth.write(company, folder / "exports") if p.suffix == ".csv"]
    port = _port()
    crmroi = Path(sys.executable).with_name("crmroi")
    command = [str(crmroi), "-w", str(folder / "crmroi.duckdb"), "serve", "--port", str(port)]
    server = subprocess.Popen(command, cwd=folder)
    _wait_for(port, server)
    url = f"http://127.0.0.1:{port}"
    print(f"company {args.size}: {len(files)} files; {args.clients} clients, {args.seconds:.0f} s")
    with httpx.Client(base_url=url) as http:
        clock = time.perf_counter()
        _upload(http, files)
        print(f"upload + import: {time.perf_counter() - clock:.1f} s")
        clock = time.perf_counter()
        for path in PATHS:
            http.get(path, timeout=3600)
        print(
            f"first visit of every page (computes the results): {time.perf_counter() - clock:.1f} s"
        )

    _print("steady", _run(url, args.clients, args.seconds), args.seconds)

    targets = folder / "targets.csv"
    busy = threading.Event()
    busy.set()

    imported = [0]

    def importer() -> None:
        value = 1000
        with httpx.Client(base_url=url, timeout=600) as http:
            while busy.is_set():
                value += 1
                imported[0] += 1
                targets.write_text(
                    f"kpi,grain,period_start,value\nwon_revenue,quarter,2025-01-01,{value}\n",
                    encoding="utf-8",
                )
                _upload(http, [targets])

    writer = threading.Thread(target=importer)
    writer.start()
    timings = _run(url, args.clients, args.seconds)
    busy.clear()
    writer.join()
    _print(f"while imports run ({imported[0]} imports)", timings, args.seconds)
    server.terminate()
    server.wait(timeout=60)
    print(f"\nload average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
