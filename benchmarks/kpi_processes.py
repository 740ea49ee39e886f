"""KPIs, cohorts and CLV as a user runs them, whole processes beside DuckDB SQL and lifetimes.

Usage: python benchmarks/kpi_processes.py [--sizes medium large] [--db large=PATH ...] [--runs 3]
[--write docs/benchmarks.md]

On the simulated company of each size (``crmroi synth`` + ``crmroi import`` into a temporary
folder, not timed; ``--db SIZE=PATH`` takes an imported workspace instead, copied first), four
pairs of whole processes, each measured by GNU ``/usr/bin/time`` (wall, user + system CPU, peak
RSS), crmroi and its reference alternately, medians of ``--runs``:

* ``crmroi kpis -g month --by owner -f csv`` (every KPI that can be sliced by owner) beside a
  Python process running the hand-written DuckDB SQL of :mod:`kpis` for the same KPIs, each
  query's result written as CSV;
* ``crmroi kpis -g month -k …`` (the KPIs that cannot be sliced by owner) beside the same for
  those;
* ``crmroi cohorts`` (customers by first-order month × months since) beside one DuckDB
  ``PIVOT`` query written as CSV;
* ``crmroi clv`` (BG/NBD and Gamma-Gamma, weekly, CLV of every customer) beside the
  frequency/recency/T/monetary summary in DuckDB SQL, then lifetimes' ``BetaGeoFitter``,
  ``GammaGammaFitter`` and ``customer_lifetime_value`` (the dev extra).

Before timing, one untimed run of each pair checks that both give the same numbers: every KPI
value (relative 1e-9), every cohort cell (exactly), the customer counts (exactly) and the seven
fitted parameters (relative 1e-3: BG/NBD's likelihood is flat along r/alpha when both are
large). lifetimes' BG/NBD fit runs with ``tol=1e-6``: at its default 1e-7 BFGS stops on the large
company with "precision loss" at the optimum, and lifetimes raises (on the small company it
fails at 1e-6 too: ``--sizes`` takes medium and larger). ``--write`` replaces the
block between ``<!-- kpiprocs:start -->`` and ``<!-- kpiprocs:end -->`` in the Markdown file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from kpis import HAND_SQL, MONTH_KPIS, OWNER_KPIS, _long, compare
from processes import Run, crmroi, measured, pair, python, replace_block, row

START, END = "<!-- kpiprocs:start -->", "<!-- kpiprocs:end -->"
PERIOD = ("--from", "2023-01-01", "--to", "2025-12-31")  # the simulated company's three years
PARAM_RTOL = 1e-3

PURCHASE = """(kind IS NULL OR kind NOT IN ('return', 'cancellation'))
              AND (amount IS NULL OR amount >= 0)"""
COHORT_SQL = f"""
    WITH o AS (
      SELECT account_id AS customer, date_trunc('month', occurred_at) AS month,
        {PURCHASE} AS purchase
      FROM orders WHERE account_id IS NOT NULL),
    starts AS (
      SELECT customer, min(month) FILTER (WHERE purchase) AS cohort
      FROM o GROUP BY customer HAVING cohort IS NOT NULL),
    sizes AS (SELECT cohort, count(*) AS cohort_size FROM starts GROUP BY ALL),
    cells AS (
      SELECT s.cohort, datediff('month', s.cohort, o.month) AS months_since,
        count(DISTINCT o.customer) FILTER (WHERE o.purchase) AS customers
      FROM o JOIN starts s USING (customer) WHERE o.month >= s.cohort GROUP BY ALL)
    PIVOT (SELECT * FROM cells JOIN sizes USING (cohort))
    ON months_since USING first(customers) GROUP BY cohort, cohort_size ORDER BY cohort"""
SUMMARY_SQL = f"""
    WITH days AS (
      SELECT account_id AS customer, occurred_at::DATE AS day,
        sum(coalesce(amount, 0)) AS amount
      FROM orders WHERE account_id IS NOT NULL AND {PURCHASE} GROUP BY ALL),
    firsts AS (SELECT *, min(day) OVER (PARTITION BY customer) AS first_day FROM days)
    SELECT customer, count(*) - 1 AS frequency, (max(day) - min(first_day)) / 7 AS recency,
      ((SELECT max(day) FROM days) - min(first_day)) / 7 AS T,
      coalesce(sum(amount) FILTER (WHERE day <> first_day) / nullif(count(*) - 1, 0), 0)
        AS monetary_value
    FROM firsts GROUP BY customer ORDER BY customer"""


class Work(NamedTuple):
    name: str
    ours: list[str]
    reference: list[str]
    reference_name: str
    check: Callable[[Path, Path], str]
    """(crmroi's stdout file, the reference's output folder) → what agreed; raises if not."""


def _sql_reference(db: Path, queries: dict[str, str], out: Path) -> list[str]:
    """DuckDB alone: each query's result written to ``out/<name>.csv``."""
    return python(
        f"""
        import duckdb
        con = duckdb.connect({str(db)!r})
        for name, sql in {queries!r}.items():
            con.sql(sql).write_csv(f"{out}/{{name}}.csv")
        """
    )


def _clv_reference(db: Path, out: Path) -> list[str]:
    """DuckDB's summary, then lifetimes' fits and CLV (12 months, 1 %/month, weekly data)."""
    return python(
        f"""
        import json, warnings
        import duckdb, lifetimes
        warnings.filterwarnings("ignore")  # lifetimes' pandas deprecations
        s = duckdb.connect({str(db)!r}).sql({SUMMARY_SQL!r}).df()
        bgf = lifetimes.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"], tol=1e-6)
        r = s[s["frequency"] > 0]
        ggf = lifetimes.GammaGammaFitter().fit(r["frequency"], r["monetary_value"])
        clv = ggf.customer_lifetime_value(bgf, s["frequency"], s["recency"], s["T"],
                                          s["monetary_value"], time=12, discount_rate=0.01,
                                          freq="W")
        json.dump({{"bgnbd": dict(bgf.params_), "gamma_gamma": dict(ggf.params_),
                   "customers": len(s), "repeat_customers": len(r),
                   "total_clv": float(clv.sum())}},
                  open("{out}/clv.json", "w"), default=float)
        """
    )


def _check_kpis(kpis: tuple[str, ...], names: list[str]) -> Callable[[Path, Path], str]:
    def check(ours: Path, ref: Path) -> str:
        got = pd.read_csv(ours)
        extra = set(got["kpi"]) - set(kpis)
        assert not extra, f"crmroi gave KPIs the reference does not compute: {sorted(extra)}"
        frames = [_long(n, pd.read_csv(ref / f"{n}.csv"), full=True) for n in names]
        expected = pd.concat(frames, ignore_index=True).dropna(subset=["value"])
        expected = expected[expected["kpi"].isin(kpis)]
        equal, total, differ = compare(got, expected)
        assert not differ, f"crmroi kpis and the DuckDB SQL differ on {differ}"
        return f"{len(kpis)} KPIs, {equal:,} of {total:,} values equal (relative 1e-9)"

    return check


def _check_cohorts(ours: Path, ref: Path) -> str:
    def cells(frame: pd.DataFrame, start: str) -> pd.Series:
        frame = frame.rename(columns={start: "cohort"})
        frame["cohort"] = pd.to_datetime(frame["cohort"])
        long = frame.melt(id_vars=["cohort", "cohort_size"], var_name="months_since")
        long["months_since"] = long["months_since"].astype(int)
        long = long.fillna({"value": 0})
        return long.set_index(["cohort", "cohort_size", "months_since"])["value"].sort_index()

    got = cells(pd.read_csv(ours), "cohort_start")
    expected = cells(pd.read_csv(ref / "cohorts.csv"), "cohort")
    pd.testing.assert_series_equal(got, expected, check_dtype=False, check_exact=True)
    return f"{len(got):,} cohort cells equal (exactly)"


def _check_clv(ours: Path, ref: Path) -> str:
    got = json.loads(ours.read_text(encoding="utf-8"))
    expected = json.loads((ref / "clv.json").read_text(encoding="utf-8"))
    for key in ("customers", "repeat_customers"):
        assert got[key] == expected[key], f"{key}: crmroi {got[key]}, lifetimes {expected[key]}"
    worst = 0.0
    for model in ("bgnbd", "gamma_gamma"):
        for name, value in expected[model].items():
            rel = abs(got[model][name] - value) / abs(value)
            assert rel <= PARAM_RTOL, (
                f"{model} {name}: crmroi {got[model][name]}, lifetimes {value}"
            )
            worst = max(worst, rel)
    return (
        f"{got['customers']:,} customers, {got['repeat_customers']:,} repeat; 7 parameters "
        f"within {worst:.0e} relative (tolerance {PARAM_RTOL:g}); total CLV crmroi "
        f"{got['summary']['total_clv']:,.0f}, lifetimes {expected['total_clv']:,.0f}"
    )


def works(db: Path, out: Path) -> list[Work]:
    """The four pairs on one workspace; the references write into ``out``."""
    owner = [n for n, (by_owner, _) in HAND_SQL.items() if by_owner]
    month = [n for n, (by_owner, _) in HAND_SQL.items() if not by_owner]
    ws = ("-w", str(db))
    month_kpis = [arg for k in MONTH_KPIS for arg in ("-k", k)]
    return [
        Work(
            f"`kpis -g month --by owner` ({len(OWNER_KPIS)} KPIs)",
            crmroi(*ws, "kpis", "-g", "month", "--by", "owner", *PERIOD, "-f", "csv"),
            _sql_reference(db, {n: HAND_SQL[n][1] for n in owner}, out),
            f"DuckDB SQL ({len(owner)} queries)",
            _check_kpis(OWNER_KPIS, owner),
        ),
        Work(
            f"`kpis -g month -k …` ({len(MONTH_KPIS)} KPIs)",
            crmroi(*ws, "kpis", "-g", "month", *month_kpis, *PERIOD, "-f", "csv"),
            _sql_reference(db, {n: HAND_SQL[n][1] for n in month}, out),
            f"DuckDB SQL ({len(month)} queries)",
            _check_kpis(MONTH_KPIS, month),
        ),
        Work(
            "`cohorts` (customers, month)",
            crmroi(*ws, "cohorts", "--format", "csv"),
            _sql_reference(db, {"cohorts": COHORT_SQL}, out),
            "DuckDB SQL (PIVOT)",
            _check_cohorts,
        ),
        Work(
            "`clv` (BG/NBD + Gamma-Gamma, weeks)",
            crmroi(*ws, "clv", "--format", "json"),
            _clv_reference(db, out),
            "DuckDB SQL summary + lifetimes",
            _check_clv,
        ),
    ]


def agree(work: Work, folder: Path) -> str:
    """One untimed run of both sides (it warms the file cache too); what agreed."""
    stdout = folder / "crmroi.out"
    with stdout.open("wb") as handle:
        subprocess.run(work.ours, stdout=handle, check=True)
    subprocess.run(work.reference, stdout=subprocess.DEVNULL, check=True)
    return work.check(stdout, folder)


def workspace(size: str, given: Path | None, folder: Path) -> Path:
    """A copy of the given workspace, or the simulated company synthesised and imported."""
    db = folder / "crmroi.duckdb"
    if given is not None:
        shutil.copyfile(given, db)  # crmroi opens it for writing: leave the original as it was
        return db
    exports = folder / "exports"
    for argv in (
        crmroi("synth", "--size", size, "--out", str(exports)),
        crmroi("-w", str(db), "import", str(exports)),
    ):
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    shutil.rmtree(exports)
    return db


TABLES = ("contacts", "deals", "activities", "orders", "web_sessions")


def rows_of(db: Path) -> dict[str, int]:
    """Rows of the tables that set the work's size."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}


def growth(
    results: dict[str, dict[str, tuple[Run, Run]]], contacts: dict[str, int], sizes: list[str]
) -> list[str]:
    """How CPU grows from the smallest size to the largest, for crmroi and the reference.

    The simulated company grows in every table alike (the large one has 20× the medium's
    contacts, orders and sessions), so the two sizes fit ``CPU = fixed + per-row × contacts``:
    ``fixed`` is what a process pays at any size (imports, compiling, start-up), ``per 1M`` the
    cost that grows with the data.
    """
    small, big = sizes[0], sizes[-1]
    scale = (contacts[big] - contacts[small]) / 1e6
    lines = [
        "",
        f"CPU from {small} to {big} ({contacts[big] / contacts[small]:.0f}× the rows), fitted "
        "as fixed + per 1M contacts (the other tables grow alike):",
        "",
        "| crmroi | crmroi CPU × | fixed s | per 1M s | reference CPU × | fixed s | per 1M s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]

    def fit(at_small: Run, at_big: Run) -> str:
        per = (at_big.cpu - at_small.cpu) / scale
        fixed = at_small.cpu - per * contacts[small] / 1e6
        return f"{at_big.cpu / at_small.cpu:.1f} | {fixed:.2f} | {per:.2f}"

    for work, (ours_big, ref_big) in results[big].items():
        ours_small, ref_small = results[small][work]
        lines.append(f"| {work} | {fit(ours_small, ours_big)} | {fit(ref_small, ref_big)} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["medium", "large"])
    parser.add_argument("--db", nargs="+", default=[], help="SIZE=PATH: an imported workspace")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    given = {size: Path(path).resolve() for size, path in (d.split("=", 1) for d in args.db)}
    doc = args.write.resolve() if args.write else None
    load_start = os.getloadavg()
    lines = [
        "| company | crmroi | wall s | CPU s | peak MB | reference | wall s | CPU s | peak MB "
        "| CPU × |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    notes: list[str] = []
    results: dict[str, dict[str, tuple[Run, Run]]] = {}
    contacts: dict[str, int] = {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="crmroi-kpiprocs-") as tmp:
            folder = Path(tmp)
            os.chdir(folder)  # no ./crmroi.toml: every command runs on the defaults
            db = workspace(size, given.get(size), folder)
            rows = rows_of(db)
            contacts[size] = rows["contacts"]
            notes.append(f"{size}: " + ", ".join(f"{n:,} {t}" for t, n in rows.items()))
            print(notes[-1], flush=True)
            results[size] = {}
            for work in works(db, folder):
                print(f"  {work.name}: {agree(work, folder)}", flush=True)
                ours, ref = pair(work.ours, work.reference, args.runs)
                results[size][work.name] = (ours, ref)
                lines.append(row(size, work.name, ours, ref, work.reference_name))
                print(lines[-1], flush=True)
    if len(args.sizes) > 1:
        lines += growth(results, contacts, args.sizes)
    footer = measured(
        load_start,
        f"; median of {args.runs} runs each, crmroi and reference alternately",
        " by `benchmarks/kpi_processes.py`",
    )
    body = [*lines, "", "Rows: " + "; ".join(notes) + ".", "", footer]
    print("\n".join(body[-3:]))
    if doc is not None:
        replace_block(doc, "\n".join(body), START, END)


if __name__ == "__main__":
    main()
