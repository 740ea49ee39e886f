"""Benchmark: how fast, and in how much memory, `crmroi.synth` builds and writes each size.

Each size runs in its own subprocess, so the peak RSS printed is that size's alone. The
reference measured in the same run is writing the very same tables to Parquet: generation
should cost about as much as writing its result, not orders of magnitude more.

    .venv/bin/python benchmarks/synth_speed.py [small medium large]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(size: str) -> dict[str, float]:
    """Generate and write one size in this process; return timings, rows and peak RSS."""
    from crmroi.synth import generate, write

    t = time.perf_counter()
    company = generate(size, 0)
    generated = time.perf_counter() - t
    rss_generate = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        write(company, Path(tmp), "parquet")
        written = time.perf_counter() - t
        size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
    return {
        "generate_s": generated,
        "write_parquet_s": written,
        "rows": float(sum(len(f) for f in company.tables.values())),
        "touchpoints": float(len(company.tables["touchpoints"])),
        "contacts": float(len(company.tables["contacts"])),
        "parquet_mb": size_mb,
        "peak_rss_generate_mb": rss_generate,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(measure(sys.argv[2])))
        return
    sizes = sys.argv[1:] or ["medium", "large"]
    print(
        f"{'size':8} {'contacts':>10} {'rows':>12} {'generate':>9} {'write':>8} "
        f"{'gen/write':>9} {'rows/s':>11} {'peak RSS':>9}"
    )
    for size in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", size], check=True, capture_output=True, text=True
        )
        r = json.loads(out.stdout)
        print(
            f"{size:8} {r['contacts']:>10,.0f} {r['rows']:>12,.0f} {r['generate_s']:>8.1f}s "
            f"{r['write_parquet_s']:>7.1f}s {r['generate_s'] / r['write_parquet_s']:>9.2f} "
            f"{r['rows'] / r['generate_s']:>11,.0f} {r['peak_rss_mb']:>7,.0f}MB"
        )


if __name__ == "__main__":
    main()
