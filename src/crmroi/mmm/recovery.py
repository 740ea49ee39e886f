"""How well the model recovers planted truth: one row per simulated world and channel.

``benchmarks/mmm_recovery.py`` prints the table docs/mmm.md shows; tests/mmm checks its counts
against the issue's bar.
"""

from __future__ import annotations

import pandas as pd

from crmroi.mmm.fit import fit_mmm
from crmroi.mmm.worlds import simulate_world


def recovery(seeds: range = range(20), *, channels: int = 4, bootstrap: int = 500) -> pd.DataFrame:
    """Per world and channel: planted and estimated ROAS, the interval, whether it covers."""
    rows = []
    for seed in seeds:
        world = simulate_world(seed, channels=channels)
        result = fit_mmm(world.spend, world.outcome, bootstrap=bootstrap, seed=seed)
        est = {c.channel: c for c in result.channels}
        truth_order = sorted(world.roas, key=world.roas.__getitem__)
        est_order = sorted(est, key=lambda k: est[k].roas)
        for name, planted in world.roas.items():
            c = est[name]
            rows.append(
                {
                    "world": seed,
                    "channel": name,
                    "planted_roas": planted,
                    "roas": c.roas,
                    "low": c.roas_low,
                    "high": c.roas_high,
                    "covered": c.roas_low <= planted <= c.roas_high,
                    "planted_decay": world.decay[name],
                    "decay": c.decay,
                    "ranked_right": truth_order == est_order,
                    "r2": result.r2,
                }
            )
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> dict[str, int]:
    """Worlds whose every channel is covered, channels covered, worlds ranked right."""
    worlds = table.groupby("world")
    return {
        "worlds": int(worlds.ngroups),
        "worlds_covered": int(worlds["covered"].all().sum()),
        "channels": len(table),
        "channels_covered": int(table["covered"].sum()),
        "worlds_ranked_right": int(worlds["ranked_right"].first().sum()),
    }


def markdown(table: pd.DataFrame) -> str:
    """The table as a Markdown table, numbers to two decimals."""
    head = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "---|" * len(table.columns)
    body = [
        "| " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in row) + " |"
        for row in table.itertuples(index=False)
    ]
    return "\n".join([head, rule, *body])
