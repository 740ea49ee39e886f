"""Benchmark: the full KPI set by month and owner on a large synthetic company.

Prints the engine's time for every KPI (by month × owner where the KPI can be sliced by owner,
else by month), and, for a core set of KPIs, the engine's time against hand-written DuckDB SQL
computing the same numbers in the same run (the SQL's results are checked to be equal), plus
peak memory (RSS) of the measuring process.

    .venv/bin/python benchmarks/kpis.py [--size large] [--cache /tmp/crmroi_kpis_bench]

The company is generated once into ``<cache>/<size>/`` as Parquet and loaded once into
``<cache>/<size>.duckdb``; later runs reuse both.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from crmroi import open_workspace
from crmroi.metrics import REGISTRY, MetricQuery, query
from crmroi.schema import table as spec

START, END = date(2023, 1, 1), date(2025, 12, 31)
SKIP = {"web_sessions", "campaign_members", "workflow_enrollments", "workflows", "costs"}


def prepare(size: str, cache: Path) -> Path:
    """Generate the company (Parquet) and load it into a DuckDB workspace, once."""
    parquet, db = cache / size, cache / f"{size}.duckdb"
    if not (parquet / "deals.parquet").exists():
        from crmroi.synth import generate, write

        t = time.perf_counter()
        write(generate(size, 0), parquet, "parquet")
        print(f"generated {size} in {time.perf_counter() - t:.1f} s")
    if not db.exists():
        t = time.perf_counter()
        ws = open_workspace(db)
        for file in sorted(parquet.glob("*.parquet")):
            name = file.stem
            if name in SKIP:
                continue
            src = ws.con.read_parquet(file)
            cols = {}
            for c in spec(name).columns:
                cols[c.name] = src[c.name].cast(c.dtype) if c.name in src.columns else None
            import ibis

            expr = src.select(
                **{
                    k: (v if v is not None else ibis.null(spec(name).column(k).dtype))
                    for k, v in cols.items()
                }
            )
            ws.con.insert(name, expr)
        ws.close()
        print(f"loaded into {db} in {time.perf_counter() - t:.1f} s")
    return db


MONTH = "date_trunc('month', {c})"
RANGE = "{c} >= TIMESTAMP '2023-01-01' AND {c} < TIMESTAMP '2026-01-01'"

HAND_SQL = {
    "deals": f"""
        SELECT {MONTH.format(c="closed_at")} AS period_start, coalesce(owner_id, '(none)') AS owner,
          sum(CASE WHEN status = 'won' THEN amount ELSE 0 END) AS won_revenue,
          sum(CASE WHEN status = 'won' THEN 1 ELSE 0 END)::DOUBLE AS won_deals,
          sum(CASE WHEN status = 'lost' THEN 1 ELSE 0 END)::DOUBLE AS lost_deals,
          avg(CASE WHEN status = 'won' THEN 1.0 ELSE 0.0 END) AS win_rate,
          sum(CASE WHEN status = 'won' THEN amount END)
            / nullif(sum(CASE WHEN status = 'won' THEN 1 ELSE 0 END), 0) AS avg_deal_size,
          avg(CASE WHEN status = 'won' THEN (epoch(closed_at) - epoch(created_at)) / 86400 END)
            AS sales_cycle_days,
          quantile_cont(CASE WHEN status = 'won'
            THEN (epoch(closed_at) - epoch(created_at)) / 86400 END, 0.5) AS sales_cycle_days_median
        FROM deals
        WHERE status IN ('won', 'lost') AND closed_at IS NOT NULL AND {RANGE.format(c="closed_at")}
        GROUP BY ALL""",
    "leads": f"""
        SELECT {MONTH.format(c="c.created_at")} AS period_start,
          coalesce(c.owner_id, '(none)') AS owner, count(*)::DOUBLE AS new_leads,
          avg(CASE WHEN c.converted_at IS NOT NULL OR d.contact_id IS NOT NULL
                   THEN 1.0 ELSE 0.0 END) AS lead_conversion_rate
        FROM contacts c
        LEFT JOIN (SELECT DISTINCT contact_id FROM deals WHERE contact_id IS NOT NULL) d
          ON c.contact_id = d.contact_id
        WHERE {RANGE.format(c="c.created_at")}
        GROUP BY ALL""",
    "pipeline": """
        WITH months AS (
          SELECT m AS period_start, m + INTERVAL 1 MONTH AS period_end
          FROM range(TIMESTAMP '2023-01-01', TIMESTAMP '2026-01-01', INTERVAL 1 MONTH) t(m)),
        d AS (SELECT *, coalesce(closed_at, CASE WHEN status <> 'open' THEN created_at END) AS gone
              FROM deals)
        SELECT period_start, coalesce(owner_id, '(none)') AS owner,
          count(DISTINCT deal_id)::DOUBLE AS open_deals, sum(amount) AS open_pipeline_value
        FROM d JOIN months ON d.created_at < period_end AND (gone IS NULL OR gone >= period_end)
        GROUP BY ALL""",
    "surveys": f"""
        SELECT {MONTH.format(c="s.answered_at")} AS period_start,
          coalesce(a.owner_id, '(none)') AS owner, s.survey,
          100.0 * avg(CASE WHEN score >= 9 THEN 1 WHEN score <= 6 THEN -1 ELSE 0 END) AS nps,
          avg(CASE WHEN score > coalesce(scale_max, 5.0) - 2 THEN 1.0 ELSE 0.0 END) AS csat,
          avg(score) AS ces
        FROM survey_responses s LEFT JOIN accounts a ON s.account_id = a.account_id
        WHERE score IS NOT NULL AND {RANGE.format(c="s.answered_at")}
        GROUP BY ALL""",
    "revenue": f"""
        SELECT {MONTH.format(c="o.occurred_at")} AS period_start,
          coalesce(a.owner_id, '(none)') AS owner,
          sum(amount) / count(DISTINCT coalesce(o.account_id, o.contact_id))
            AS avg_revenue_per_account
        FROM orders o LEFT JOIN accounts a ON o.account_id = a.account_id
        WHERE coalesce(o.account_id, o.contact_id) IS NOT NULL AND {RANGE.format(c="o.occurred_at")}
        GROUP BY ALL""",
    "retention": """
        WITH o AS (
          SELECT date_trunc('month', o.occurred_at) AS m,
                 coalesce(o.account_id, o.contact_id) AS cust,
                 coalesce(a.owner_id, '(none)') AS owner, sum(amount) AS rev
          FROM orders o LEFT JOIN accounts a ON o.account_id = a.account_id
          WHERE coalesce(o.account_id, o.contact_id) IS NOT NULL
            AND o.occurred_at >= TIMESTAMP '2022-12-01' AND o.occurred_at < TIMESTAMP '2026-01-01'
          GROUP BY ALL),
        j AS (
          SELECT p.m + INTERVAL 1 MONTH AS period_start, p.owner, p.rev AS prev,
                 coalesce(c.rev, 0) AS kept
          FROM o p LEFT JOIN o c ON c.cust = p.cust AND c.owner = p.owner
                                AND c.m = p.m + INTERVAL 1 MONTH
          WHERE p.rev > 0)
        SELECT period_start, owner,
          avg(CASE WHEN kept <= 0 THEN 1.0 ELSE 0.0 END) AS customer_churn_rate,
          sum(kept) / sum(prev) AS nrr,
          sum(greatest(least(kept, prev), 0)) / sum(prev) AS grr
        FROM j WHERE period_start < TIMESTAMP '2026-01-01' GROUP BY ALL""",
}
CORE = {
    "deals": (
        "won_revenue",
        "won_deals",
        "lost_deals",
        "win_rate",
        "avg_deal_size",
        "sales_cycle_days",
        "sales_cycle_days_median",
    ),
    "leads": ("new_leads", "lead_conversion_rate"),
    "pipeline": ("open_deals", "open_pipeline_value"),
    "surveys": ("nps", "csat", "ces"),
    "revenue": ("avg_revenue_per_account",),
    "retention": ("customer_churn_rate", "nrr", "grr"),
}


def hand(con: object) -> tuple[float, pd.DataFrame]:
    """Run the hand-written SQL; return its time and its values in long form."""
    rows = []
    t = time.perf_counter()
    for name, sql in HAND_SQL.items():
        df = con.sql(sql).df()  # type: ignore[attr-defined]
        if name == "surveys":
            parts = [
                df[df["survey"] == k][["period_start", "owner", k]] for k in ("nps", "csat", "ces")
            ]
            for p in parts:
                kpi = p.columns[-1]
                rows.append(p.rename(columns={kpi: "value"}).assign(kpi=kpi))
            continue
        for kpi in CORE[name]:
            rows.append(
                df[["period_start", "owner", kpi]].rename(columns={kpi: "value"}).assign(kpi=kpi)
            )
    elapsed = time.perf_counter() - t
    return elapsed, pd.concat(rows)


def engine(ws: object, kpis: tuple[str, ...], dims: tuple[str, ...]) -> tuple[float, pd.DataFrame]:
    q = MetricQuery(kpis=kpis, grain="month", dimensions=dims, start=START, end=END)
    t = time.perf_counter()
    df = query(ws, q)  # type: ignore[arg-type]
    return time.perf_counter() - t, df


def measure(db: Path) -> None:
    ws = open_workspace(db)
    counts = {n: ws.count(n) for n in ("contacts", "deals", "activities", "orders", "touchpoints")}
    print("rows:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    core = tuple(k for ks in CORE.values() for k in ks)
    # warm the file cache once, then best of 3 for each side
    hand(ws.con.con)
    t_hand = min(hand(ws.con.con)[0] for _ in range(3))
    _, ref = hand(ws.con.con)
    t_core = min(engine(ws, core, ("owner",))[0] for _ in range(3))
    _, got = engine(ws, core, ("owner",))
    got["period_start"] = pd.to_datetime(got["period_start"])
    ref["period_start"] = pd.to_datetime(ref["period_start"])
    merged = got.merge(ref, on=["kpi", "period_start", "owner"], how="outer", suffixes=("", "_sql"))
    same = np.isclose(
        merged["value"].astype(float), merged["value_sql"].astype(float), rtol=1e-9, equal_nan=True
    )
    print(
        f"core set ({len(core)} KPIs by month × owner): engine {t_core:.2f} s, "
        f"hand-written SQL {t_hand:.2f} s, ratio {t_core / t_hand:.2f}×; "
        f"{int(same.sum())} of {len(merged)} values equal"
    )
    owner = tuple(m.id for m in REGISTRY if "owner" in m.dimensions)
    rest = tuple(m.id for m in REGISTRY if "owner" not in m.dimensions)
    t_all = time.perf_counter()
    per = {}
    for kpi in REGISTRY.ids():
        per[kpi] = engine(ws, (kpi,), ("owner",) if kpi in owner else ())[0]
    t_sep = time.perf_counter() - t_all
    t1, a = engine(ws, owner, ("owner",))
    t2, b = engine(ws, rest, ())
    print(
        f"full set ({len(REGISTRY)} KPIs): one query per slicing {t1 + t2:.2f} s "
        f"({len(a) + len(b):,} rows); one query per KPI {t_sep:.2f} s"
    )
    for kpi, secs in sorted(per.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  slowest: {kpi:28s} {secs:6.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS) of the measuring process: {peak:,.0f} MB")
    ws.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="large")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/crmroi_kpis_bench"))
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    db = prepare(args.size, args.cache)
    # measure in a fresh process, so that its peak memory is the queries' alone
    subprocess.run([sys.executable, __file__, "--measure", str(db)], check=True)


if __name__ == "__main__":
    main()
