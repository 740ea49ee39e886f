"""What is new since the last run: findings not seen before and KPIs that went off target.

For ``crmroi alerts`` run from cron. A state file (JSON) remembers the ids of the findings and
the keys of the targets that were off track at the last run; a run reports only what is not in
it, then replaces it with what it saw. Something that recovers and later falls back is
reported again. Findings and target statuses are judged at the same moment: the data's end.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from crmroi.errors import InputError
from crmroi.insights import Finding

STATE_VERSION = 1
OFF = "off track"


@dataclass(frozen=True)
class State:
    """What one run saw: finding ids, off-track target keys, and when."""

    findings: frozenset[str] = frozenset()
    off_target: frozenset[str] = frozenset()
    at: str | None = None


@dataclass(frozen=True)
class Alerts:
    """The news of one run, and the state to keep for the next."""

    findings: list[Finding] = field(default_factory=list)
    off_target: list[dict[str, Any]] = field(default_factory=list)
    """Rows of :func:`crmroi.targets.status.target_status` newly off track."""
    state: State = field(default_factory=State)
    previous: State = field(default_factory=State)

    @property
    def empty(self) -> bool:
        """Nothing new since the last run."""
        return not self.findings and not self.off_target


def read_state(path: Path) -> State:
    """The last run's state; none yet (no file) means everything is new."""
    if not path.exists():
        return State()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return State(
            frozenset(map(str, data["findings"])),
            frozenset(map(str, data["off_target"])),
            str(data.get("at")) if data.get("at") else None,
        )
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"not a crmroi alerts state ({type(exc).__name__}: {exc}); delete it to start over",
            file=str(path),
        ) from None


def write_state(path: Path, state: State) -> None:
    """Replace the state file atomically (a crash never leaves half a file)."""
    payload = {
        "version": STATE_VERSION,
        "at": state.at,
        "findings": sorted(state.findings),
        "off_target": sorted(state.off_target),
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def news(findings: Sequence[Finding], targets: pd.DataFrame, previous: State) -> Alerts:
    """Findings and off-track targets not in ``previous``, and the state of this run.

    ``targets`` is :func:`crmroi.targets.status.target_status`.
    """
    rows = targets[targets["status"] == OFF].to_dict("records")
    state = State(
        frozenset(f.id for f in findings),
        frozenset(str(r["target_key"]) for r in rows),
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
    fresh = [f for f in findings if f.id not in previous.findings]
    newly = [
        {str(k): v for k, v in r.items()}
        for r in rows
        if r["target_key"] not in previous.off_target
    ]
    return Alerts(fresh, newly, state, previous)


def target_line(row: dict[str, Any], names: dict[str, str]) -> str:
    """One off-track target as a sentence: KPI, period, slice, value of target, attainment."""
    member = str(row["member"])
    who = ""
    if row["dimension"]:
        shown = names.get(member, member) if row["dimension"] == "owner" else member
        who = f" · {row['dimension']} {shown}"
    attained = "" if pd.isna(row["attainment"]) else f" ({row['attainment']:.0%})"
    value, target = _number(row["value"]), _number(row["target"])
    return f"{row['kpi']} {row['period']}{who}: {value} of {target}{attained}, off track"


def _number(value: float) -> str:
    return f"{round(float(value), 2):,.10g}"
