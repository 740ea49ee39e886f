"""Every command on the large simulated company, as whole processes, beside DuckDB's own read_csv.

Usage: python benchmarks/large_company.py [--size large] [--workspace WS] [--write FILE.md]

Runs, each as its own process under GNU ``/usr/bin/time`` (wall, user + system CPU, peak RSS),
one after the other in a temporary folder:

* ``crmroi synth --size large --out exports`` (the files; its memory counts against the 4 GB goal);
* the reference: a fresh DuckDB file, ``CREATE TABLE t AS SELECT * FROM read_csv(file)`` for every
  data file of the folder (what a user would do by hand);
* ``crmroi import exports`` (every file: sniffing, checks, quarantine, upsert, reconciliation);
* ``crmroi roi``, ``crmroi attribution``, ``crmroi report -f html`` and ``-f pdf`` on the workspace.

``--workspace WS`` starts from a copy of an imported workspace instead (the analysis and report
steps only, a few minutes instead of ten; the original is never written).

Goals (issue 15, point 2): import ≤ 1.5 × the reference; roi, attribution and report each under
30 s; peak memory under 4 GB everywhere, synth included. ``--write`` replaces the block between
``<!-- large:start -->`` and ``<!-- large:end -->`` in the given Markdown file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from processes import Run, crmroi, measure, python

START, END = "<!-- large:start -->", "<!-- large:end -->"
GOAL_SECONDS, GOAL_MB, GOAL_IMPORT_RATIO = 30.0, 4096.0, 1.5


def _reference(folder: Path, database: Path) -> list[str]:
    """DuckDB's read_csv of every data file into one fresh database file."""
    return python(
        f"""
        import duckdb, pathlib
        con = duckdb.connect({str(database)!r})
        for i, path in enumerate(sorted(pathlib.Path({str(folder)!r}).glob("*.csv"))):
            con.execute(f"CREATE TABLE t{{i}} AS SELECT * FROM read_csv('{{path}}')")
        con.close()
        """
    )


def _incremental(ws: Path) -> list[str]:
    """The CRM's incremental revenue alone, as ``crmroi roi`` computes it (every method, the
    choice and its checks), in a fresh process: open, resolve the go-live, estimate."""
    return python(
        f"""
        from crmroi import open_workspace
        from crmroi.impact import incremental_revenue, resolve_adoption
        from crmroi.roi.fx import FxRates
        with open_workspace({str(ws)!r}) as ws:
            adoption = resolve_adoption(ws, None).date
            result = incremental_revenue(ws, FxRates("EUR", {{}}), adoption)
            print(result.chosen.method, result.chosen.value, result.chosen.low, result.chosen.high)
        """
    )


def _rows(folder: Path) -> int:
    """Data rows in the folder's CSV files (header lines not counted)."""
    total = 0
    for path in folder.glob("*.csv"):
        with path.open("rb") as handle:
            total += sum(1 for _ in handle) - 1
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="large")
    parser.add_argument("--write", type=Path)
    parser.add_argument("--workspace", type=Path, help="an imported workspace to copy")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="crmroi-large-"))
    exports, ws = tmp / "exports", tmp / "crmroi.duckdb"
    load = os.getloadavg()[0]
    steps: list[tuple[str, Run, str]] = []

    def step(name: str, argv: list[str], goal: str = "") -> Run:
        run = measure(argv)
        steps.append((name, run, goal))
        print(
            f"{name:34} {run.wall:8.1f} s wall {run.cpu:8.1f} s CPU {run.rss_mb:8.0f} MB",
            flush=True,
        )
        return run

    ratio: float | None = None
    n_files = rows = 0
    if args.workspace is not None:
        shutil.copyfile(args.workspace, ws)
    else:
        step("crmroi synth", crmroi("synth", "--size", args.size, "--out", str(exports)), "< 4 GB")
        files = sorted(exports.glob("*.csv"))
        n_files, rows = len(files), _rows(exports)
        print(
            f"{n_files} CSV files, {rows:,} rows, "
            f"{sum(p.stat().st_size for p in files) / 1e6:,.0f} MB"
        )
        reference = step(
            "DuckDB read_csv (reference)", _reference(exports, tmp / "reference.duckdb")
        )
        imported = step(
            "crmroi import", crmroi("-w", str(ws), "import", str(exports)), "≤ 1.5 × reference"
        )
        ratio = imported.wall / reference.wall
    step("incremental estimation (library)", _incremental(ws), "issue 13: time and memory")
    for name, argv in (
        ("crmroi roi", crmroi("-w", str(ws), "roi")),
        ("crmroi attribution", crmroi("-w", str(ws), "attribution")),
        (
            "crmroi report -f html",
            crmroi("-w", str(ws), "report", "-f", "html", "-o", str(tmp / "r")),
        ),
        (
            "crmroi report -f pdf",
            crmroi("-w", str(ws), "report", "-f", "pdf", "-o", str(tmp / "r")),
        ),
    ):
        step(name, argv, "< 30 s")
    shown = "—" if ratio is None else f"{ratio:.2f}"
    print(f"import ÷ reference (wall): {shown}; load average {load:.1f} → {os.getloadavg()[0]:.1f}")
    if args.write:
        source = f"a copy of `{args.workspace}`" if args.workspace else f"{n_files} CSV files"
        _write(args.write, args.size, source, rows, steps, ratio, load)


def _write(
    path: Path,
    size: str,
    source: str,
    rows: int,
    steps: list[tuple[str, Run, str]],
    ratio: float | None,
    load: float,
) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    counted = f", {rows:,} rows" if rows else ""
    lines = [
        START,
        f"Measured {when} by `benchmarks/large_company.py`: the {size} simulated company, "
        f"{source}{counted}; load average {load:.1f} at the start.",
        "",
        "| step | wall | CPU | peak RSS | goal |",
        "|---|---:|---:|---:|---|",
    ]
    for name, run, goal in steps:
        lines.append(
            f"| {name} | {run.wall:.1f} s | {run.cpu:.1f} s | {run.rss_mb:,.0f} MB | {goal} |"
        )
    if ratio is not None:
        lines += ["", f"Import ÷ DuckDB read_csv (wall): {ratio:.2f}."]
    lines.append(END)
    text = path.read_text(encoding="utf-8")
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + "\n".join(lines) + rest.split(END, 1)[1]
    else:
        text = (
            text.rstrip("\n")
            + "\n\n## large_company — every command on the large company\n\n"
            + "\n".join(lines)
            + "\n"
        )
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
