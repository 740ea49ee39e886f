"""Write targets into the workspace through the import path, so they pass the same checks.

A target set by command or read from ``crmroi.toml`` becomes rows handed to
:func:`crmroi.ingest.load.load_batches`: the key is derived from KPI, grain, period and slice
as for an imported file, an existing target of the same key is replaced, and the load is
recorded in ``imports``. The checks of :func:`crmroi.metrics.targets.target_rules` run first
in Python, so a typo stops with the closest valid name instead of landing in quarantine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from crmroi.errors import InputError, did_you_mean
from crmroi.ingest.load import ROW, load_batches
from crmroi.ingest.result import LoadResult
from crmroi.metrics.targets import known_values, unknown_reason, unsliceable_reason
from crmroi.workspace import Workspace

COLUMNS = ("kpi", "grain", "period_start", "dimension", "dimension_value", "value")


@dataclass(frozen=True)
class TargetRow:
    """One goal: a KPI's value for one period, company-wide or for one slice."""

    kpi: str
    grain: str
    start: date
    value: float
    dimension: str | None = None
    dimension_value: str | None = None

    @property
    def key(self) -> str:
        """The ``target_key`` the loader derives: the natural key's parts joined by ``|``."""
        parts = (self.kpi, self.grain, f"{self.start.isoformat()} 00:00:00")
        return "|".join((*parts, self.dimension or "", self.dimension_value or ""))


def check(row: TargetRow, where: str = "") -> None:
    """Refuse a KPI, grain or dimension no query uses, or a slice the KPI does not have."""
    values = {"kpi": row.kpi, "grain": row.grain, "dimension": row.dimension}
    for column, (what, valid) in known_values().items():
        text = values[column]
        if text is not None and text not in valid:
            raise InputError(where + unknown_reason(what, text, valid))
    if row.dimension is not None:
        reason = unsliceable_reason(row.kpi, row.dimension)
        if reason is not None:
            raise InputError(where + reason)
        if not row.dimension_value:
            raise InputError(where + f"a target by {row.dimension} needs the {row.dimension}")
    if row.value != row.value or row.value in (float("inf"), float("-inf")):
        raise InputError(where + f"target value {row.value} is not a finite number")


def resolve_member(ws: Workspace, dimension: str, given: str) -> str:
    """The stored value of an owner (user id, from an id or a unique name) or a team.

    Other dimensions are stored as given. An empty ``users`` table accepts any name: targets
    may be set before the data is imported.
    """
    if dimension not in ("owner", "team"):
        return given
    users = ws.table("users").select("user_id", "name", "team").execute()
    if users.empty:
        return given
    if dimension == "team":
        teams = sorted({str(t) for t in users["team"].dropna()})
        if given in teams:
            return given
        raise InputError(f"no team {given!r} in the workspace ({did_you_mean(given, teams)})")
    if given in set(users["user_id"]):
        return given
    named = users[users["name"].str.casefold() == given.casefold()]
    if len(named) == 1:
        return str(named["user_id"].iloc[0])
    if len(named) > 1:
        ids = ", ".join(sorted(named["user_id"].astype(str)))
        raise InputError(f"{len(named)} users are called {given!r} ({ids}): give the user id")
    known = [*users["user_id"].astype(str), *users["name"].dropna().astype(str)]
    raise InputError(f"no user {given!r} in the workspace ({did_you_mean(given, known)})")


def write(ws: Workspace, rows: Sequence[TargetRow], *, file: str, source: str) -> LoadResult:
    """Load ``rows`` into ``targets`` (upsert on the derived key) and record the load."""
    for row in rows:
        check(row)
    columns = {
        "kpi": [r.kpi for r in rows],
        "grain": [r.grain for r in rows],
        "period_start": [r.start.isoformat() for r in rows],
        "dimension": [r.dimension for r in rows],
        "dimension_value": [r.dimension_value for r in rows],
        "value": [repr(float(r.value)) for r in rows],
        ROW: list(range(1, len(rows) + 1)),
    }
    schema = pa.schema([*((c, pa.string()) for c in COLUMNS), (ROW, pa.int64())])
    batch = pa.RecordBatch.from_pydict(columns, schema=schema)
    digest = hashlib.sha256(repr(sorted(r.key + repr(r.value) for r in rows)).encode()).hexdigest()
    result = load_batches(
        ws, "targets", [batch], file=file, source=source, sha256=digest, force=True
    )
    if result.rows_quarantined:  # check() should have caught it: say what the loader said
        reasons = "; ".join(p.reason for p in result.problems)
        raise InputError(f"{result.rows_quarantined} target(s) refused: {reasons}")
    return result
