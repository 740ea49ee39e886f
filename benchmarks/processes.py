"""crmroi as a user runs it, whole processes beside their references, into docs/benchmarks.md.

Usage: python benchmarks/processes.py [--sizes 1000000 ...] [--channels 10 30] [--runs N]
[--write docs/benchmarks.md]

Every figure is one child process measured by GNU ``/usr/bin/time``: wall clock, CPU time
(user + system) and peak RSS. Each crmroi command runs beside the tool a
user would pick instead, in the same run, one after the other, so both see the same load; the
ratio column (crmroi CPU ÷ reference CPU) is the figure to compare, since on a shared machine
wall times move with the load (printed too).

* ``crmroi attribution --paths FILE`` with data_driven, markov and linear, default intervals
  (200), and again with ``--bootstrap 0``, beside pandas ``read_csv`` + ChannelAttribution
  ``markov_model`` (order 1, the dev extra) on the same file;
* ``read_paths`` alone beside DuckDB ``read_csv`` + ``string_split`` of the same file;
* ``crmroi --help`` beside ``python -c "import duckdb"``.

The path files are simulated additive worlds (``worlds.wide_world``) with K channels, aggregated
to distinct paths (``path;total_conversions;total_conversion_value;total_null``), written to a
temporary folder and not timed. ``--write`` replaces the block between the markers
``<!-- processes:start -->`` and ``<!-- processes:end -->`` in the given Markdown file.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from crmroi.attribution.paths import Journeys
from crmroi.attribution.worlds import simulate, wide_world

TIME = "/usr/bin/time"  # GNU time (Debian package `time`)
START, END = "<!-- processes:start -->", "<!-- processes:end -->"
MODELS = ("data_driven", "markov", "linear")


class Run(NamedTuple):
    wall: float
    cpu: float
    rss_mb: float


def measure(argv: list[str], env: dict[str, str] | None = None) -> Run:
    """One whole process under ``/usr/bin/time``: wall, user + system CPU, peak RSS.

    ``time`` forks the command from its own small process, so the peak is the command's alone
    (a child forked straight from this script would start with this script's memory).
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        done = subprocess.run(
            [TIME, "-f", "%e %U %S %M", "-o", report.name, *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
            env=env,
        )
        if done.returncode != 0:
            tail = done.stderr.decode(errors="replace")[-2000:]
            raise SystemExit(f"{' '.join(argv)} failed:\n{tail}")
        wall, user, system, rss_kb = report.read().split()[-4:]
    return Run(float(wall), float(user) + float(system), float(rss_kb) / 1024)


def python(code: str) -> list[str]:
    """A fresh interpreter running ``code`` (the references run as their own processes)."""
    return [sys.executable, "-c", textwrap.dedent(code)]


def crmroi(*args: str) -> list[str]:
    return [sys.executable, "-m", "crmroi", *args]


def write_paths(journeys: Journeys, out: Path) -> int:
    """Aggregate journeys to distinct paths, write them as the path file; the row count."""
    lengths = np.diff(journeys.offsets)
    names = np.asarray(journeys.keys, dtype=object)
    frame = pd.DataFrame(
        {
            "path": [
                " > ".join(names[journeys.codes[a:b]])
                for a, b in zip(journeys.offsets[:-1], journeys.offsets[1:], strict=True)
            ],
            "total_conversions": journeys.conversions,
            "total_conversion_value": journeys.value,
            "total_null": journeys.nulls,
        }
    )[lengths > 0]
    paths = frame.groupby("path", sort=False).sum().reset_index()
    paths.to_csv(out, sep=";", index=False)
    return len(paths)


def commands(path_file: Path) -> list[tuple[str, list[str], list[str]]]:
    """(work, crmroi argv, reference argv) for one path file."""
    models = [arg for m in MODELS for arg in ("-m", m)]
    reference_markov = python(
        f"""
        import contextlib, io, os
        os.environ.setdefault("MPLBACKEND", "Agg")
        import pandas as pd
        with contextlib.redirect_stdout(io.StringIO()):
            import ChannelAttribution as ca
            data = pd.read_csv({str(path_file)!r}, sep=";")
            ca.markov_model(data, "path", "total_conversions",
                            var_value="total_conversion_value", var_null="total_null",
                            verbose=0, flg_pro=False)
        """
    )
    reference_read = python(
        f"""
        import duckdb
        duckdb.sql("SELECT sum(len(string_split(path, '>'))), sum(total_conversions) "
                   "FROM read_csv({str(path_file)!r}, delim=';', header=true)").fetchall()
        """
    )
    file = str(path_file)
    return [
        (
            "attribution --paths, 3 models, 200 intervals",
            crmroi("attribution", "--paths", file, *models, "--format", "json"),
            reference_markov,
        ),
        (
            "attribution --paths, 3 models, --bootstrap 0",
            crmroi("attribution", "--paths", file, *models, "--bootstrap", "0", "--format", "json"),
            reference_markov,
        ),
        (
            "read_paths alone",
            python(f"from crmroi.attribution.paths import read_paths; read_paths({file!r})"),
            reference_read,
        ),
    ]


def median(runs: list[Run]) -> Run:
    return Run(*(statistics.median(getattr(r, f) for r in runs) for f in Run._fields))


def row(size: str, work: str, ours: Run, ref: Run, reference: str) -> str:
    return (
        f"| {size} | {work} | {ours.wall:.2f} | {ours.cpu:.2f} | {ours.rss_mb:,.0f} "
        f"| {reference} | {ref.wall:.2f} | {ref.cpu:.2f} | {ref.rss_mb:,.0f} "
        f"| {ours.cpu / ref.cpu:.2f} |"
    )


def pair(
    ours: list[str], ref: list[str], runs: int, env: dict[str, str] | None = None
) -> tuple[Run, Run]:
    """Run crmroi (in ``env``) and the reference alternately ``runs`` times; the medians."""
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(measure(ours, env))
        theirs.append(measure(ref))
    return median(mine), median(theirs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1_000_000])
    parser.add_argument("--channels", nargs="+", type=int, default=[10, 30])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--write", type=Path)
    parser.add_argument(
        "--crmroi-src",
        type=Path,
        help="run the crmroi commands from this source tree (e.g. an older checkout's src)",
    )
    args = parser.parse_args()
    env = None
    if args.crmroi_src is not None:
        env = {**os.environ, "PYTHONPATH": str(args.crmroi_src.resolve())}
    load_start = os.getloadavg()
    lines = [
        "| journeys / channels (distinct paths) | crmroi | wall s | CPU s | peak MB "
        "| reference | wall s | CPU s | peak MB | CPU × |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    help_ours, help_ref = pair(crmroi("--help"), python("import duckdb"), max(args.runs, 5), env)
    lines.append(row("—", "`crmroi --help`", help_ours, help_ref, '`python -c "import duckdb"`'))
    print(lines[-1], flush=True)
    with tempfile.TemporaryDirectory(prefix="crmroi-bench-") as folder:
        for n in args.sizes:
            for k in args.channels:
                sim = simulate(wide_world(k), n, seed=0, truth=False)
                path_file = Path(folder) / f"paths_{n}_{k}.csv"
                distinct = write_paths(sim.journeys, path_file)
                del sim
                size = f"{n / 1e6:g}M / {k} ({distinct:,})"
                for work, ours, ref in commands(path_file):
                    name = (
                        "DuckDB read_csv + string_split"
                        if work == "read_paths alone"
                        else "pandas + ChannelAttribution markov_model"
                    )
                    lines.append(row(size, work, *pair(ours, ref, args.runs, env), name))
                    print(lines[-1], flush=True)
    footer = measured(
        load_start, f"; median of {args.runs} run(s) each (`crmroi --help`: {max(args.runs, 5)})"
    )
    print(footer)
    if args.write:
        replace_block(args.write, "\n".join([*lines, "", footer]))


def measured(load_start: tuple[float, ...], detail: str = "", by: str = "") -> str:
    """A table's footer: when (and by which command), on how many cores, under which load."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_end = os.getloadavg()
    return (
        f"Measured {stamp}{by} on {os.cpu_count()} cores shared with other jobs; load average "
        f"{load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end{detail}."
    )


def replace_block(doc: Path, body: str, start: str = START, end: str = END) -> None:
    """Put ``body`` between the markers in ``doc`` (appended with them when absent)."""
    text = doc.read_text(encoding="utf-8")
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
