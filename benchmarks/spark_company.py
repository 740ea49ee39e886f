"""The same commands on DuckDB and on Spark ``local[2]``, as whole processes, with references.

Usage: python benchmarks/spark_company.py [--size small] [--write docs/benchmarks.md]

The simulated company (``crmroi synth --size small`` by default) goes through ``crmroi import``,
``kpis``, ``clv``, ``attribution``, ``roi`` and ``report -f html`` twice: into a DuckDB file and
into a Spark ``local[2]`` workspace (a Hive metastore and warehouse in the run's folder). Beside
each import runs the engine's own load of the same CSV files: DuckDB ``read_csv`` into a fresh
file, and Spark ``spark.read.csv(...).saveAsTable`` in a fresh session. Every step is one
process under GNU ``time`` (wall, CPU of the process and its children, peak RSS; the Spark
JVM is a child of the Python process). ``--write`` replaces the block between
``<!-- spark:start -->`` and ``<!-- spark:end -->`` in the given Markdown file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from processes import Run, crmroi, measure, measured, python, replace_block

START, END = "<!-- spark:start -->", "<!-- spark:end -->"
SPARK = "local[2]"


def duckdb_reference(folder: Path, database: Path) -> list[str]:
    """DuckDB read_csv of every data file into one fresh database file."""
    return python(
        f"""
        import duckdb, pathlib
        con = duckdb.connect({str(database)!r})
        for path in sorted(pathlib.Path({str(folder)!r}).glob("*.csv")):
            con.execute(f"CREATE TABLE {{path.stem}} AS SELECT * FROM read_csv('{{path}}')")
        con.close()
        """
    )


def spark_reference(folder: Path) -> list[str]:
    """Spark's own CSV reader into saved tables of a fresh database, one per file."""
    return python(
        f"""
        import pathlib
        from pyspark.sql import SparkSession
        spark = (SparkSession.builder.master({SPARK!r}).appName("reference")
                 .config("spark.ui.showConsoleProgress", "false").getOrCreate())
        spark.sql("CREATE DATABASE IF NOT EXISTS reference")
        for path in sorted(pathlib.Path({str(folder)!r}).glob("*.csv")):
            frame = spark.read.csv(str(path), header=True, inferSchema=True)
            frame.write.mode("overwrite").saveAsTable(f"reference.{{path.stem}}")
        spark.stop()
        """
    )


STEPS = (
    ("kpis", ("kpis",)),
    ("clv", ("clv",)),
    ("attribution", ("attribution", "--format", "json")),
    ("roi", ("roi",)),
    ("report -f html", ("report", "-f", "html", "-o", "report.html")),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    load_start = os.getloadavg()
    lines = [
        "| step | DuckDB wall s | CPU s | peak MB | Spark local[2] wall s | CPU s | peak MB "
        "| Spark ÷ DuckDB (wall) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="crmroi-spark-") as tmp:
        os.chdir(tmp)  # Spark keeps its metastore and warehouse in the current folder
        try:
            exports = Path(tmp) / "exports"
            measure(crmroi("synth", "--size", args.size, "--out", str(exports)))
            duck = str(Path(tmp) / "ws.duckdb")
            runs: list[tuple[str, Run, Run]] = [
                (
                    "the engine's own CSV load (reference)",
                    measure(duckdb_reference(exports, Path(tmp) / "ref.duckdb")),
                    measure(spark_reference(exports)),
                ),
                (
                    "crmroi import",
                    measure(crmroi("-w", duck, "import", str(exports))),
                    measure(crmroi("-w", SPARK, "import", str(exports))),
                ),
            ]
            for name, argv in STEPS:
                runs.append(
                    (
                        f"crmroi {name}",
                        measure(crmroi("-w", duck, *argv)),
                        measure(crmroi("-w", SPARK, *argv)),
                    )
                )
        finally:
            os.chdir(here)
    for name, d, s in runs:
        lines.append(
            f"| {name} | {d.wall:.1f} | {d.cpu:.1f} | {d.rss_mb:,.0f} | {s.wall:.1f} "
            f"| {s.cpu:.1f} | {s.rss_mb:,.0f} | {s.wall / d.wall:.1f} |"
        )
        print(lines[-1], flush=True)
    footer = measured(load_start, by=f" by `benchmarks/spark_company.py --size {args.size}`")
    print(footer)
    if args.write:
        replace_block(args.write, "\n".join([*lines, "", footer]), START, END)


if __name__ == "__main__":
    main()
