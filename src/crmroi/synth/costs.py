"""The cost ledger of owning the CRM, and its exact total over the horizon.

Licences are one monthly line per seat (from the seat's first month to its last); the project
costs (implementation, integration, customization, migration, training) are one-off lines around
adoption; admin time is monthly and maintenance yearly. Every workflow's build cost is a
``customization`` line linked by ``workflow_id`` and equal to ``workflows.cost`` — count it once —
and its running cost (``cost_per_enrolment`` × its enrolled leads, spread evenly over the months
from its creation on) a monthly ``other`` line linked the same way.
Campaign spend lives in ``campaigns.cost`` and is *not* in this ledger (it is marketing spend,
not a cost of the CRM).

Occurrence rule (the one ``crmroi.roi.tco`` applies): a recurring line is paid in the month of
``incurred_at`` and every 1, 3 or 12 months after it while that month is not after the month of
``ends_at`` (or, when ``ends_at`` is empty, up to the horizon's last month).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmroi.synth import columns as col
from crmroi.synth.marketing import WORKFLOWS
from crmroi.synth.people import Users
from crmroi.synth.plan import CURRENCY, END, Ints, epoch

MONTHS = {"one-off": 0, "monthly": 1, "quarterly": 3, "yearly": 12}
PROJECT = (
    # category, description, amount, incurred (ISO date), recurrence, ends (ISO date or "")
    ("implementation", "Implementation partner, phase 1", 48_000.0, "2024-04-15", "one-off", ""),
    ("implementation", "Implementation partner, phase 2", 22_000.0, "2024-06-15", "one-off", ""),
    ("integration", "ERP and e-mail integration", 18_500.0, "2024-05-20", "one-off", ""),
    (
        "migration",
        "Data migration from spreadsheets and old tool",
        12_000.0,
        "2024-06-01",
        "one-off",
        "",
    ),
    ("training", "Sales team training at go-live", 9_600.0, "2024-06-24", "one-off", ""),
    ("training", "Refresher training", 3_200.0, "2025-02-10", "one-off", ""),
    ("admin", "CRM admin time (0.3 FTE)", 2_100.0, "2024-07-01", "monthly", ""),
    ("maintenance", "Integration maintenance contract", 7_500.0, "2025-01-01", "yearly", ""),
    ("other", "Data enrichment subscription", 900.0, "2024-07-01", "quarterly", "2025-10-01"),
)


def _month(seconds: int) -> int:
    return int(np.datetime64(seconds, "s").astype("datetime64[M]").astype(np.int64))


def occurrences(incurred: int, recurrence: str, ends: int | None) -> int:
    """How often a line is paid inside the horizon (see the module docstring)."""
    last = _month(END - 1) if ends is None else min(_month(ends), _month(END - 1))
    first = _month(incurred)
    if first > last:
        return 0
    step = MONTHS[recurrence]
    return 1 if step == 0 else (last - first) // step + 1


def costs_frame(users: Users, enrolled: Ints) -> tuple[pd.DataFrame, dict[str, float]]:
    """``costs`` and the total per category over the horizon.

    ``enrolled`` counts each workflow's enrolled (not held-out) leads: its running cost is
    priced by them.
    """
    rows: list[tuple[str, str, float, int, str, int | None, int | None]] = []
    for i, role in enumerate(users.role):
        start = _first_of_month(int(users.seat_from[i]))
        ends = None if users.seat_to[i] >= END else _first_of_month(int(users.seat_to[i]))
        rows.append(
            (
                "licence",
                f"CRM seat ({role}) USR-{i + 1:03d}",
                float(users.frame["seat_cost"].iloc[i]),
                start,
                "monthly",
                ends,
                None,
            )
        )
    for cat, desc, amount, when, rec, ends_s in PROJECT:
        rows.append((cat, desc, amount, epoch(when), rec, epoch(ends_s) if ends_s else None, None))
    for w, wf in enumerate(WORKFLOWS):
        rows.append(
            ("customization", f"Build workflow: {wf.name}", wf.cost, wf.created, "one-off", None, w)
        )
        months = occurrences(wf.created, "monthly", None)
        monthly = round(wf.cost_per_enrolment * float(enrolled[w]) / months, 2)
        running = f"Run workflow: {wf.name} (content, automation tier share)"
        rows.append(("other", running, monthly, wf.created, "monthly", None, w))
    totals: dict[str, float] = {}
    for row in rows:
        totals[row[0]] = totals.get(row[0], 0.0) + row[2] * occurrences(row[3], row[4], row[5])
    ledger = pd.DataFrame(
        rows, columns=["cat", "desc", "amount", "when", "rec", "ends", "wf"], dtype=object
    )
    ends_arr = np.array([e if e is not None else 0 for e in ledger["ends"]], dtype=np.int64)
    wf_arr = np.array([w if w is not None else -1 for w in ledger["wf"]], dtype=np.int64)
    n = len(rows)
    frame = col.frame(
        "costs",
        {
            "cost_id": col.ids("COST-", np.arange(1, n + 1), 4),
            "category": col.strings(ledger["cat"]),
            "description": col.strings(ledger["desc"]),
            "amount": ledger["amount"].astype(np.float64),
            "currency": col.strings([CURRENCY] * n),
            "incurred_at": col.timestamps(ledger["when"].to_numpy(dtype=np.int64)),
            "recurrence": col.strings(ledger["rec"]),
            "ends_at": col.timestamps(ends_arr, null=ledger["ends"].isna().to_numpy()),
            "campaign_id": col.null_strings(n),
            "workflow_id": col.ids("WF-", wf_arr + 1, 2, null=wf_arr < 0),
        },
    )
    return frame, {k: round(v, 2) for k, v in sorted(totals.items())}


def _first_of_month(seconds: int) -> int:
    month = np.datetime64(seconds, "s").astype("datetime64[M]")
    return int(month.astype("datetime64[s]").astype(np.int64))
