"""Import speed: crmroi against DuckDB's own read_csv on the same 5M-row, 10-column CSV.

Usage: ``python benchmarks/import_speed.py [ROWS]`` (default 5,000,000). The files are generated
by DuckDB into a temporary folder; each measurement runs in its own process so its peak RSS is its
own. Three runs:

* ``duckdb``     CREATE TABLE … AS SELECT * FROM read_csv(file) in a fresh DuckDB file: the
                 reference, measured in the same run;
* ``canonical``  ``crmroi import deals.csv``: canonical headers, ISO dates, plain numbers
                 (DuckDB's strict CSV reader → typed temporary table → checks → insert/upsert,
                 all-or-nothing);
* ``locale``     the same rows as a German export (``;``, ``1.234,56``, ``01.03.2024 10:00``,
                 German headers) through a ``--map`` mapping: encoding/layout sniffing, two passes
                 to decide formats from whole columns, vectorised parsing, then the same loader.

Times start once the Python modules are imported (``duckdb`` takes 0.1 s, ``crmroi`` with Ibis,
pandas and pyarrow about 1 s; printed apart as "+ modules"). The crmroi runs use the workspace
defaults, so their peak RSS shows the memory cap at work. The load average before and after is
printed, since the machine's other jobs move every figure.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 5_000_000

SELECT = """
SELECT 'D' || i AS deal_id,
       'Deal number ' || i AS name,
       'A' || (i % 50000) AS account_id,
       'U' || (i % 40) AS owner_id,
       ['Qualified', 'Proposal', 'Negotiation', 'Closed Won', 'Closed Lost'][1 + i % 5] AS stage,
       ['open', 'open', 'open', 'won', 'lost'][1 + i % 5] AS status,
       round((i % 100000) * 1.37 + 0.25, 2) AS amount,
       'EUR' AS currency,
       TIMESTAMP '2020-01-01' + to_seconds(i * 17) AS created_at,
       CASE WHEN i % 5 >= 3 THEN TIMESTAMP '2020-03-01' + to_seconds(i * 17) END AS closed_at
FROM range({rows}) t(i)
"""
GERMAN = """
SELECT deal_id AS "Nr", name AS "Bezeichnung", account_id AS "Kunde", owner_id AS "Inhaber",
       stage AS "Phase", status AS "Status",
       replace(replace(replace(format('{{:,.2f}}', amount), ',', '_'), '.', ','), '_', '.')
           AS "Betrag",
       currency AS "Währung",
       strftime(created_at, '%d.%m.%Y %H:%M') AS "Angelegt",
       strftime(closed_at, '%d.%m.%Y %H:%M') AS "Abgeschlossen"
FROM ({select})
"""
MAPPING = """
name = "bench-de"
table = "deals"
locale = "de"
[fields.deal_id]
column = "Nr"
[fields.name]
column = "Bezeichnung"
[fields.account_id]
column = "Kunde"
[fields.owner_id]
column = "Inhaber"
[fields.stage]
column = "Phase"
[fields.status]
column = "Status"
[fields.amount]
column = "Betrag"
[fields.currency]
column = "Währung"
[fields.created_at]
column = "Angelegt"
[fields.closed_at]
column = "Abgeschlossen"
"""


def generate(folder: Path) -> tuple[Path, Path]:
    import duckdb

    con = duckdb.connect()
    canonical = folder / "deals.csv"
    german = folder / "deals-export-de.csv"
    select = SELECT.format(rows=ROWS)
    con.execute(f"COPY ({select}) TO '{canonical}' (HEADER, DELIMITER ',')")
    con.execute(f"COPY ({GERMAN.format(select=select)}) TO '{german}' (HEADER, DELIMITER ';')")
    con.close()
    return canonical, german


def run(kind: str, path: Path, folder: Path) -> dict[str, float]:
    start = time.perf_counter()
    if kind == "duckdb":
        import duckdb

        loaded = time.perf_counter()
        con = duckdb.connect(str(folder / "duckdb.duckdb"))
        con.execute(f"CREATE TABLE deals AS SELECT * FROM read_csv('{path}')")
        rows = con.execute("SELECT count(*) FROM deals").fetchone()[0]  # type: ignore[index]
        con.close()
    else:
        from crmroi import open_workspace
        from crmroi.ingest.exports import import_any

        loaded = time.perf_counter()
        ws = open_workspace(folder / f"{kind}.duckdb")
        mapping = folder / "bench.toml" if kind == "locale" else None
        if mapping is not None:
            mapping.write_text(MAPPING, encoding="utf-8")
        (result,) = import_any(ws, path, mapping=mapping)
        rows = result.result.rows_loaded
        assert result.result.rows_quarantined == 0, result.result.problems
        ws.close()
    seconds = time.perf_counter() - loaded
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "modules": loaded - start, "rows": rows, "peak_rss_mb": peak}


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--run":
        kind, path, folder = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
        print(json.dumps(run(kind, path, folder)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        canonical, german = generate(folder)
        size = canonical.stat().st_size / 1e6
        print(
            f"{ROWS:,} rows × 10 columns: {size:,.0f} MB CSV "
            f"(generated in {time.perf_counter() - start:.1f} s)"
        )
        print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        figures: dict[str, dict[str, float]] = {}
        for kind, path in (("duckdb", canonical), ("canonical", canonical), ("locale", german)):
            done = subprocess.run(
                [sys.executable, __file__, "--run", kind, str(path), str(folder)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            figures[kind] = json.loads(done.stdout.strip().splitlines()[-1])
        reference = figures["duckdb"]["seconds"]
        print(
            f"{'run':<10} {'seconds':>8} {'× duckdb':>9} {'rows/s':>12} {'peak RSS MB':>12} "
            f"{'+ modules s':>12}"
        )
        for kind, f in figures.items():
            print(
                f"{kind:<10} {f['seconds']:>8.1f} {f['seconds'] / reference:>9.2f} "
                f"{f['rows'] / f['seconds']:>12,.0f} {f['peak_rss_mb']:>12,.0f} "
                f"{f['modules']:>12.1f}"
            )
        print("load average after:  {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
