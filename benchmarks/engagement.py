"""Benchmark: cohorts, retention, RFM and CLV on Online Retail and on a synthetic company.

Usage: .venv/bin/python benchmarks/engagement.py [--synthetic small|medium|large|none]
(default large: 1M contacts, 8.8M touchpoints; generating it needs ~4.5 GB and ~1 minute)

Each stage runs through crmroi (Ibis over DuckDB, SciPy for the fits) and is timed; memory is the
process peak RSS after the stage and how much the stage raised it (DuckDB's memory included).
The reference, measured in the same run, is the same cohort matrix and RFM table computed in
pandas from the in-memory frame.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmroi import Workspace, open_workspace
from crmroi.engagement.clv import analyse_clv
from crmroi.engagement.cohorts import cohort_matrix
from crmroi.engagement.retention import logo_retention, revenue_retention
from crmroi.engagement.rfm import rfm_table
from crmroi.engagement.score import scores
from crmroi.engagement.score_views import falling_fastest
from crmroi.engagement.summary import TimeUnit, purchase_summary

DATA = Path(
    os.environ.get("CRMROI_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage(name: str, fn: Callable[[], Any], results: list[dict[str, Any]]) -> Any:
    """Run one stage: wall time, process peak RSS after it, and the RSS it added to the peak.

    tracemalloc is not used: it slows pandas (the reference) several-fold and cannot see DuckDB.
    """
    before = rss_mb()
    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    after = rss_mb()
    results.append(
        {"stage": name, "seconds": seconds, "rss_peak_mb": after, "added": after - before}
    )
    print(f"  {name:<38} {seconds:8.3f} s   peak RSS {after:7.0f} MB (+{after - before:.0f})")
    return value


def retail_orders() -> pd.DataFrame:
    raw = pd.read_csv(
        DATA / "uci_online_retail" / "online_retail.csv",
        dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str},
    )
    return pd.DataFrame(
        {
            "order_id": raw["InvoiceNo"] + ":" + raw.index.astype(str),
            "account_id": raw["CustomerID"],
            "occurred_at": pd.to_datetime(raw["InvoiceDate"]),
            "amount": raw["Quantity"] * raw["UnitPrice"],
            "kind": np.where(raw["InvoiceNo"].str.startswith("C"), "cancellation", "order"),
        }
    )


def pandas_reference(orders: pd.DataFrame) -> None:
    """Cohort matrix (customers) and R/F/M quintiles in pandas: the same numbers, in memory."""
    rows = orders[(orders["kind"] != "cancellation") & (orders["amount"] >= 0)].dropna(
        subset=["account_id"]
    )
    month = rows["occurred_at"].dt.to_period("M")
    first = month.groupby(rows["account_id"]).transform("min")
    offset = (month - first).apply(lambda d: d.n)
    pd.DataFrame({"c": first, "k": offset, "id": rows["account_id"]}).groupby(["c", "k"])[
        "id"
    ].nunique().unstack(fill_value=0)
    end = orders["occurred_at"].max()
    per = rows.groupby("account_id").agg(
        last=("occurred_at", "max"), frequency=("occurred_at", "nunique")
    )
    per["monetary"] = orders.dropna(subset=["account_id"]).groupby("account_id")["amount"].sum()
    per["recency"] = (end.normalize() - per["last"].dt.normalize()).dt.days
    for col in ("recency", "frequency", "monetary"):
        pct = (per[col].rank(method="min") - 1) / (len(per) - 1)
        per[col + "_score"] = np.minimum(np.floor(pct * 5) + 1, 5)


def run_suite(ws: Workspace, label: str, results: list[dict[str, Any]]) -> None:
    print(f"{label}:")
    stage("cohort matrix (customers, month)", lambda: cohort_matrix(ws), results)
    stage("cohort matrix (revenue, week)", lambda: cohort_matrix(ws, grain="week"), results)  # type: ignore[arg-type]
    stage("logo retention (month)", lambda: logo_retention(ws), results)
    stage("revenue retention NRR/GRR (month)", lambda: revenue_retention(ws), results)
    stage("RFM table", lambda: rfm_table(ws).to_pandas(), results)
    summary = stage(
        "CLV summary (engine)", lambda: purchase_summary(ws, time_unit=TimeUnit.week), results
    )
    report = stage(
        "BG/NBD + Gamma-Gamma fit + predict",
        lambda: analyse_clv(summary, time_unit=TimeUnit.week),
        results,
    )
    print(
        f"  customers {report.fit.n_customers:,}, repeat {report.fit.n_repeat:,}; "
        f"BG/NBD {report.fit.bgnbd.as_dict()}"
    )


def retail_part(tmp: Path) -> None:
    results: list[dict[str, Any]] = []
    print("Online Retail, 541,909 lines")
    orders = stage("read CSV (pandas)", retail_orders, results)
    ws = open_workspace(tmp / "retail.duckdb")
    stage("insert into workspace", lambda: ws.con.insert("orders", orders), results)
    run_suite(ws, "crmroi on Online Retail", results)
    print("reference:")
    stage("pandas: cohort matrix + RFM", lambda: pandas_reference(orders), results)
    ref = results[-1]["seconds"]
    mine = {"cohort matrix (customers, month)", "RFM table"}
    engine = sum(r["seconds"] for r in results if r["stage"] in mine)
    print(f"ratio crmroi (cohort matrix + RFM) / pandas: {engine / ref:.2f}")
    ws.close()


NEEDED = ("accounts", "contacts", "orders", "touchpoints", "activities", "web_sessions",
          "survey_responses")  # fmt: skip


def prepare_part(size: str, path: Path) -> None:
    """Generate the synthetic company and load it into ``path`` (run in its own process)."""
    from crmroi.synth import generate

    results: list[dict[str, Any]] = []
    company = stage(f"synth.generate({size!r})", lambda: generate(size, 1), results)
    ws = open_workspace(path)

    def load() -> None:
        for name in NEEDED:
            ws.con.insert(name, company.tables[name])

    stage("insert synthetic tables", load, results)
    print(f"  rows: { {k: len(company.tables[k]) for k in NEEDED} }")
    ws.close()


def synthetic_part(size: str, tmp: Path) -> None:
    path = tmp / "synth.duckdb"
    print(f"Synthetic company {size!r} (generated and loaded in a separate process)")
    cmd = [sys.executable, __file__, "--part", "prepare", "--synthetic", size, "--tmp", str(tmp)]
    subprocess.run(cmd, check=True)
    results: list[dict[str, Any]] = []
    ws = open_workspace(path)
    print(f"  fresh process, RSS before the analyses {rss_mb():.0f} MB")
    run_suite(ws, f"crmroi on synthetic {size}", results)
    stage("engagement score, all accounts", lambda: scores(ws).to_pandas(), results)
    stage(
        "falling fastest (customers, 90 days)",
        lambda: falling_fastest(ws, customers_only=True),
        results,
    )
    ws.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    sizes = ["small", "medium", "large", "none"]
    parser.add_argument("--synthetic", default="large", choices=sizes)
    parser.add_argument("--part", choices=["retail", "synthetic", "prepare"])
    parser.add_argument("--tmp", type=Path)
    args = parser.parse_args()
    tmp = args.tmp or Path(tempfile.mkdtemp(prefix="crmroi-bench-"))
    if args.part is None:  # each part in a fresh process, so peak RSS is its own
        parts = ["retail"] + (["synthetic"] if args.synthetic != "none" else [])
        try:
            for part in parts:
                cmd = [sys.executable, __file__, "--part", part, "--synthetic", args.synthetic]
                subprocess.run([*cmd, "--tmp", str(tmp)], check=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    elif args.part == "retail":
        retail_part(tmp)
    elif args.part == "prepare":
        prepare_part(args.synthetic, tmp / "synth.duckdb")
    else:
        synthetic_part(args.synthetic, tmp)


if __name__ == "__main__":
    main()
