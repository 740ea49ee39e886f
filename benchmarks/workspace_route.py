"""The workspace route as a user runs it: import the CRM's files, then attribute, beside DuckDB.

Usage: python benchmarks/workspace_route.py [--sizes 1000000 ...] [--channels 10 ...]
[--spark] [--write docs/benchmarks.md]

Issue 15's done-when: ``crmroi import`` of contacts, deals and touchpoints followed by
``crmroi attribution`` (data-driven, Markov and linear, default intervals) within 2× of what a
user would do by hand: DuckDB ``read_csv`` of the same three files, one path string per contact
(``string_agg`` in touch order, conversions from the won deals) and ChannelAttribution's
``markov_model`` on the aggregated paths. Every step is a whole process under GNU ``time``;
both routes run one after the other on the same files, so they see the same load.

The files come from the additive worlds of the path benchmarks (``worlds.wide_world``): one
contact per journey, one touchpoint per touch (a day apart, the last a day before the end) and
one won deal per converting journey (its value as amount). ``--write`` replaces the block
between ``<!-- route:start -->`` and ``<!-- route:end -->`` in the given Markdown file.

``--spark`` runs crmroi's two steps on a Spark ``local[2]`` workspace instead (a Hive metastore
and warehouse in the run's folder), beside the same DuckDB reference, and writes the block
between ``<!-- route-spark:start -->`` and ``<!-- route-spark:end -->``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from processes import Run, crmroi, measure, measured, python, replace_block

from crmroi.attribution.worlds import simulate, wide_world

START, END = "<!-- route:start -->", "<!-- route:end -->"
SPARK_START, SPARK_END = "<!-- route-spark:start -->", "<!-- route-spark:end -->"
SPARK = "local[2]"
GOAL_RATIO = 2.0
EPOCH = np.datetime64("2025-01-01T00:00:00", "s")


def write_files(n: int, k: int, folder: Path) -> int:
    """contacts.csv, touchpoints.csv and deals.csv of ``n`` journeys over ``k`` channels; the
    number of files' rows."""
    sim = simulate(wide_world(k), n, seed=0, truth=False)
    j = sim.journeys
    lengths = np.diff(j.offsets)
    ids = np.char.add("C", np.arange(n).astype(str))
    end = EPOCH + (np.arange(n) % 300 + 60).astype("timedelta64[D]")
    pd.DataFrame(
        {"contact_id": ids, "created_at": end - lengths.astype("timedelta64[D]") - 1}
    ).to_csv(folder / "contacts.csv", index=False)
    owner = np.repeat(np.arange(n), lengths)
    position = np.arange(j.codes.size) - j.offsets[owner]
    touched = end[owner] - (lengths[owner] - position).astype("timedelta64[D]")
    pd.DataFrame(
        {
            "touchpoint_id": np.char.add("T", np.arange(j.codes.size).astype(str)),
            "contact_id": ids[owner],
            "occurred_at": touched,
            "channel": np.asarray(j.keys, dtype=object)[j.codes],
        }
    ).to_csv(folder / "touchpoints.csv", index=False)
    won = np.flatnonzero(j.conversions > 0)
    pd.DataFrame(
        {
            "deal_id": np.char.add("D", won.astype(str)),
            "contact_id": ids[won],
            "status": "won",
            "amount": np.round(j.value[won], 2),
            "currency": "EUR",
            "created_at": end[won] - np.timedelta64(1, "D"),
            "closed_at": end[won],
        }
    ).to_csv(folder / "deals.csv", index=False)
    return n + int(j.codes.size) + int(won.size)


def reference(folder: Path, database: Path) -> list[str]:
    """DuckDB read_csv of the three files, path strings per contact, ChannelAttribution."""
    return python(
        f"""
        import contextlib, io, os
        os.environ.setdefault("MPLBACKEND", "Agg")
        import duckdb
        con = duckdb.connect({str(database)!r})
        for name in ("contacts", "touchpoints", "deals"):
            con.execute(f"CREATE TABLE {{name}} AS SELECT * FROM read_csv('{folder}/{{name}}.csv')")
        paths = con.sql('''
            WITH p AS (
                SELECT c.contact_id, string_agg(t.channel, ' > ' ORDER BY t.occurred_at) AS path
                FROM contacts c JOIN touchpoints t USING (contact_id) GROUP BY c.contact_id),
            w AS (SELECT contact_id, count(*) AS conv, sum(amount) AS value
                  FROM deals WHERE status = 'won' GROUP BY contact_id)
            SELECT path, sum(coalesce(conv, 0)) AS total_conversions,
                   sum(coalesce(value, 0)) AS total_conversion_value,
                   sum(CASE WHEN conv IS NULL THEN 1 ELSE 0 END) AS total_null
            FROM p LEFT JOIN w USING (contact_id) GROUP BY path''').df()
        with contextlib.redirect_stdout(io.StringIO()):
            import ChannelAttribution as ca
            ca.markov_model(paths, "path", "total_conversions",
                            var_value="total_conversion_value", var_null="total_null",
                            verbose=0, flg_pro=False)
        """
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1_000_000])
    parser.add_argument("--channels", nargs="+", type=int, default=[10])
    parser.add_argument("--spark", action="store_true")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    load_start = os.getloadavg()
    engine = " (Spark local[2])" if args.spark else ""
    here = Path.cwd()
    lines = [
        "| journeys / channels (rows) | step | wall s | CPU s | peak MB |",
        "|---|---|---:|---:|---:|",
    ]
    ratios = []
    for n in args.sizes:
        for k in args.channels:
            with tempfile.TemporaryDirectory(prefix="crmroi-route-") as tmp:
                folder = Path(tmp) / "files"
                folder.mkdir()
                rows = write_files(n, k, folder)
                shape = f"{n / 1e6:g}M / {k} ({rows:,})"
                ws = SPARK if args.spark else str(Path(tmp) / "ws.duckdb")
                models = [a for m in ("data_driven", "markov", "linear") for a in ("-m", m)]
                os.chdir(tmp)  # Spark keeps its metastore and warehouse in the current folder
                try:
                    steps = {
                        f"crmroi import{engine}": measure(crmroi("-w", ws, "import", str(folder))),
                        f"crmroi attribution{engine}": measure(
                            crmroi("-w", ws, "attribution", *models, "--format", "json")
                        ),
                        "DuckDB read_csv + string_agg + ChannelAttribution markov_model": measure(
                            reference(folder, Path(tmp) / "ref.duckdb")
                        ),
                    }
                finally:
                    os.chdir(here)
            ours = [steps[f"crmroi import{engine}"], steps[f"crmroi attribution{engine}"]]
            total = Run(*(sum(getattr(r, f) for r in ours) for f in ("wall", "cpu")), 0.0)
            ref = steps["DuckDB read_csv + string_agg + ChannelAttribution markov_model"]
            for name, run in steps.items():
                lines.append(
                    f"| {shape} | {name} | {run.wall:.2f} | {run.cpu:.2f} | {run.rss_mb:,.0f} |"
                )
                print(lines[-1], flush=True)
            ratios.append(
                f"{shape}: crmroi import + attribution{engine} {total.wall:.1f} s wall / "
                f"{total.cpu:.1f} s "
                f"CPU, {total.wall / ref.wall:.2f}× the reference's wall and "
                f"{total.cpu / ref.cpu:.2f}× its CPU (goal ≤ {GOAL_RATIO:g}×)"
            )
            print(ratios[-1], flush=True)
    footer = measured(load_start)
    print(footer)
    if args.write:
        body = "\n".join([*lines, "", *(f"* {r}" for r in ratios), "", footer])
        if args.spark:
            replace_block(args.write, body, SPARK_START, SPARK_END)
        else:
            replace_block(args.write, body, START, END)


if __name__ == "__main__":
    main()
