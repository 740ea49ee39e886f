"""Coverage of the planted CRM effect by each incrementality method over simulated companies.

For every seed and go-live design (single: everyone at once; staggered: team by team; pilot: one
team, the others only after the history) the medium company is generated,
loaded into a DuckDB workspace and :func:`crmroi.impact.incremental_revenue` runs as
``crmroi roi`` runs it. The planted truth of a method's window is ``WIN_RATE_UPLIFT × Σ amount``
of the closed deals that got the effect (created from their team's go-live on, by a rep not in
``low_adoption_user_ids``) in the mature cohorts the estimates cover. Prints, per method and
design (``headline``: the estimate ``method="auto"`` chose), how often the 95 % interval covered
the truth, how often it excluded zero, its median half-width relative to the truth, and the
default seed's interval. The synthetic control is scored on the pilot design only: with
staggered go-lives its window is the first team's months before the second's, not the window of
the truth computed here.

    PYTHONPATH=src python benchmarks/incremental_coverage.py [--size medium] [--seeds 20]
        [--designs single,staggered,pilot]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from crmroi import open_workspace
from crmroi.impact import incremental_revenue
from crmroi.roi.fx import FxRates
from crmroi.schema import TABLES_BY_NAME
from crmroi.synth import generate
from crmroi.synth.plan import WIN_RATE_UPLIFT

TABLES = ("deals", "users", "activities", "accounts", "workflow_enrollments", "workflows")
METHODS = ("parts", "staggered", "synthetic", "did", "its")
DESIGNS = ("single", "staggered", "pilot")


def planted(tables: dict[str, pd.DataFrame], truth: dict[str, Any], end: pd.Timestamp) -> float:
    """Expected extra won amount of the treated closed deals created before ``end``."""
    deals = tables["deals"]
    segment = deals["account_id"].map(tables["accounts"].set_index("account_id")["segment"])
    by_team = truth.get("go_live_by_team")
    start = (
        pd.to_datetime(segment.map(by_team)) if by_team else pd.Timestamp(truth["adoption_date"])
    )
    treated = (
        (deals["created_at"] >= start)
        & (deals["created_at"] < end)
        & ~deals["owner_id"].isin(set(truth["low_adoption_user_ids"]))
        & deals["status"].isin(["won", "lost"])
    )
    return float(WIN_RATE_UPLIFT * deals.loc[treated, "amount"].sum())


def run(size: str, seed: int, staggered: bool, tmp: Path, *, pilot: bool = False) -> dict[str, Any]:
    """One world: each method's interval and the planted truth."""
    company = generate(size, seed, staggered=staggered, pilot=pilot)
    ws = open_workspace(tmp / f"{size}-{seed}-{staggered}-{pilot}.duckdb")
    for name in TABLES:
        frame = company.tables[name]
        ws.con.insert(name, frame[list(TABLES_BY_NAME[name].column_names)])
    go_lives = (company.truth.get("go_live_by_team") or {}).values()
    adoption = pd.Timestamp(min(go_lives, default=company.truth["adoption_date"]))
    started = time.perf_counter()
    result = incremental_revenue(ws, FxRates("EUR", {}), adoption)
    seconds = time.perf_counter() - started
    ws.close()
    assert result.mature_until is not None
    truth = planted(company.tables, company.truth, result.mature_until)
    design = "pilot" if pilot else "staggered" if staggered else "single"
    row: dict[str, Any] = {"seed": seed, "design": design, "truth": truth, "s": seconds}
    row["chosen"] = next(k for k, e in result.estimates.items() if e is result.chosen)
    chosen = result.chosen
    row["headline"] = (chosen.value, chosen.low, chosen.high) if chosen.ok else None
    for name in METHODS:
        est = result.estimates[name]
        scored = est.ok and est.low is not None and est.high is not None
        scored &= name != "synthetic" or pilot
        row[name] = (est.value, est.low, est.high) if scored else None
    return row


def main() -> None:
    """Run the seeds and print the coverage table (markdown)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="medium")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--designs", default=",".join(DESIGNS))
    args = parser.parse_args()
    designs = args.designs.split(",")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for design in designs:
            for seed in range(args.seeds):
                row = run(
                    args.size, seed, design == "staggered", Path(tmp), pilot=design == "pilot"
                )
                rows.append(row)
                cells = [
                    f"{m} {v[0] / 1e6:.2f} [{v[1] / 1e6:.2f}, {v[2] / 1e6:.2f}]"
                    for m in METHODS
                    if (v := row[m])
                ]
                print(
                    f"seed {seed} {design} truth {row['truth'] / 1e6:.2f} M "
                    f"chosen {row['chosen']} {row['s']:.1f} s | " + " | ".join(cells),
                    flush=True,
                )
    print(
        f"\n| go-live | method | covered (of {args.seeds}) | excludes 0 | median ±half-width "
        "/ truth | seed 0: truth, estimate [95 %] (M EUR) |"
    )
    print("|---|---|---|---|---|---|")
    for design in designs:
        mine = [r for r in rows if r["design"] == design]
        for m in ("headline", *METHODS):
            if any(r[m] for r in mine):
                print(_line(design, m, mine))


def _line(design: str, m: str, mine: list[dict[str, Any]]) -> str:
    """One row of the table: a method's coverage over the seeds of one design."""
    ok = [r for r in mine if r[m]]
    covered = sum(r[m][1] <= r["truth"] <= r[m][2] for r in ok)
    positive = sum(r[m][1] > 0 for r in ok)
    ratio = pd.Series([(r[m][2] - r[m][1]) / 2 / r["truth"] for r in ok]).median()
    first = mine[0]
    v = first[m]
    seed0 = (
        f"{first['truth'] / 1e6:.2f}: {v[0] / 1e6:.2f} [{v[1] / 1e6:.2f}, {v[2] / 1e6:.2f}]"
        if v
        else "n/a"
    )
    return (
        f"| {design} | {m} | {covered}/{len(ok)} | {positive}/{len(ok)} | ±{ratio:.0%} | {seed0} |"
    )


if __name__ == "__main__":
    main()
