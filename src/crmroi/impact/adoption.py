"""The CRM's go-live date: given, else read from the seats, else inferred from the cost ledger.

Order (``docs/roi.md``): an explicit date (``--adoption-date``, ``[roi] adoption_date`` or
``[company] adoption_date``); else the earliest ``users.active_from``, the first day anyone could
use the CRM; else the first *licence* line of the cost ledger (a CRM is paid for from the month it
is used); else the first cost line of any kind (implementation usually starts before go-live, so
this date is early). Every inferred date carries a note that says where it came from and how to
set it, because before/after comparisons split on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crmroi.errors import AnalysisError
from crmroi.workspace import Workspace

HOW_TO_SET = "set [company] adoption_date in crmroi.toml or pass --adoption-date"


@dataclass(frozen=True)
class Adoption:
    """The adoption date, where it came from, and a note when it was inferred."""

    date: pd.Timestamp
    source: str
    """``settings``, ``users.active_from``, ``licence cost line`` or ``first cost line``."""
    note: str | None = None


def _earliest(value: object) -> pd.Timestamp | None:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    return pd.Timestamp(value)  # type: ignore[arg-type]


def resolve_adoption(ws: Workspace, explicit: object = None) -> Adoption:
    """The adoption date by the order of the module docstring; an error when nothing gives one."""
    if explicit is not None:
        return Adoption(pd.Timestamp(explicit), "settings")  # type: ignore[arg-type]
    users = ws.table("users")
    seat = _earliest(users.active_from.min().execute())
    if seat is not None:
        return Adoption(seat, "users.active_from")
    costs = ws.table("costs")
    licence = costs.filter(costs.category == "licence")
    first_licence = _earliest(licence.incurred_at.min().execute())
    if first_licence is not None:
        return Adoption(
            first_licence,
            "licence cost line",
            f"adoption date {first_licence.date().isoformat()} inferred from the first licence "
            f"cost line (no users.active_from); {HOW_TO_SET} to change it",
        )
    first_cost = _earliest(costs.incurred_at.min().execute())
    if first_cost is not None:
        return Adoption(
            first_cost,
            "first cost line",
            f"adoption date {first_cost.date().isoformat()} inferred from the first cost line "
            f"(no users.active_from and no licence line; set-up costs often come before go-live, "
            f"so this date may be early); {HOW_TO_SET} to change it",
        )
    raise AnalysisError(
        "no adoption date: import users with active_from or a cost ledger, or " + HOW_TO_SET
    )


def adoption_date(ws: Workspace, explicit: object = None) -> pd.Timestamp:
    """Only the date of :func:`resolve_adoption`."""
    return resolve_adoption(ws, explicit).date
