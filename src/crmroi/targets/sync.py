"""Keep the workspace's ``targets`` table in step with ``[targets]`` in ``crmroi.toml``.

Precedence: a target written in ``crmroi.toml`` is the target for its KPI, grain, period and
slice. Each time a command opens the workspace the configured targets are written (only when
one differs from the table), so an imported or set target of the same key is put back to the
configured value, and ``crmroi targets set`` refuses to change it. Targets of other keys, set by
command or imported, stand beside the configured ones. A target removed from ``crmroi.toml``
is removed from the table: the keys written from the file are remembered in
``crmroi_config_targets``, and only those are ever deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import ibis
import pandas as pd

from crmroi.errors import ConfigError, InputError
from crmroi.targets.periods import parse_period
from crmroi.targets.settings import ConfigTarget
from crmroi.targets.store import TargetRow, check, resolve_member, write
from crmroi.workspace import Workspace

TRACKING = "crmroi_config_targets"
"""Keys of the ``targets`` rows that came from ``crmroi.toml``."""


def configured_keys(ws: Workspace) -> set[str]:
    """Keys of the targets the configuration wrote (empty before the first sync)."""
    if TRACKING not in ws.con.list_tables():
        return set()
    return set(ws.con.table(TRACKING).execute()["target_key"])


def rows_of(
    ws: Workspace, targets: Sequence[ConfigTarget], path: Path, fiscal: int
) -> list[TargetRow]:
    """The configured targets as rows, each checked; a problem names its place in the file."""
    rows = []
    for t in targets:
        try:
            grain, start = parse_period(t.period, fiscal_start=fiscal)
            member = None
            if t.dimension is not None and t.member is not None:
                member = resolve_member(ws, t.dimension, t.member)
            row = TargetRow(t.kpi, grain.value, start, t.value, t.dimension, member)
            check(row)
        except InputError as exc:
            raise ConfigError(f"{path}: {t.where}: {exc}") from None
        rows.append(row)
    return rows


def sync(ws: Workspace, targets: Sequence[ConfigTarget], path: Path | None, fiscal: int) -> None:
    """Write the configured targets and drop those no longer configured (see the module)."""
    tracked = configured_keys(ws)
    if not targets and not tracked:
        return
    rows = rows_of(ws, targets, path or Path("crmroi.toml"), fiscal)
    wanted = {r.key: r for r in rows}
    stale = tracked - set(wanted)
    t = ws.table("targets")
    held = t.filter(t.target_key.isin(list(wanted))).select("target_key", "value").execute()
    have = dict(zip(held["target_key"], held["value"], strict=True))
    changed = [r for k, r in wanted.items() if have.get(k) != r.value]
    if not changed and not stale and tracked == set(wanted):
        return
    if changed:
        write(ws, changed, file=str(path or "crmroi.toml"), source="crmroi.toml")
    with ws.transaction():
        if stale:
            ws.delete_keys("targets", "target_key", stale)
        keys = pd.DataFrame({"target_key": sorted(wanted)}, dtype=object)
        ws.replace_table(TRACKING, ibis.memtable(keys, schema={"target_key": "string"}))
