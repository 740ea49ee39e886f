"""The model's weekly inputs from the workspace, checked against pandas on a hand-built case;
the spend file's import reconciliation; the upgrade that adds ``channel_spend``; the errors."""

from __future__ import annotations

from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from crmroi import Workspace, open_workspace
from crmroi.errors import InputError
from crmroi.ingest.canonical import import_file
from crmroi.mmm.weekly import fit_weekly, weekly_inputs
from crmroi.roi.fx import FxRates
from crmroi.schema import SCHEMA_VERSION
from crmroi.workspace import META_TABLE
from tests.metrics.kit import load

SPEND = pd.DataFrame(
    {
        "spend_key": ["a", "b", "c", "d", "e"],
        "period_start": pd.to_datetime(
            ["2024-01-01", "2024-01-03", "2024-01-15", "2024-01-22", "2024-01-01"]
        ),
        "channel": ["print", "print", "print", "radio", "radio"],
        "campaign": [None, None, None, "spring", "spring"],
        "spend": [100.0, 50.0, 80.0, 30.0, 20.0],
        "currency": ["EUR", "EUR", "EUR", "USD", None],
    }
)
"""Print: 150 in the week of 1 January (two rows), none in the week of 8 January, 80 in that
of 15 January; radio's spring campaign 20 (EUR) and 30 USD (= 60 EUR at 2.0)."""

DEALS = pd.DataFrame(
    {
        "deal_id": ["d1", "d2", "d3", "d4", "d5"],
        "status": ["won", "won", "lost", "won", "won"],
        "amount": [1000.0, 500.0, 9999.0, 200.0, 7.0],
        "currency": ["EUR", "USD", "EUR", "EUR", "EUR"],
        "created_at": pd.to_datetime(["2023-12-01"] * 5),
        "closed_at": pd.to_datetime(
            [
                "2024-01-02 00:00",
                "2024-01-07 23:00",
                "2024-01-09 00:00",
                "2024-01-24 00:00",
                "2024-03-01 00:00",
            ]
        ),
    }
)
CONTACTS = pd.DataFrame(
    {
        "contact_id": [f"c{i}" for i in range(6)],
        "created_at": pd.to_datetime(
            ["2024-01-01", "2024-01-02", "2024-01-10", "2024-01-28", "2023-12-31", None]
        ),
    }
)


@pytest.fixture
def filled(workspace: Workspace) -> Workspace:
    load(workspace, {"channel_spend": SPEND, "deals": DEALS, "contacts": CONTACTS})
    return workspace


FX = FxRates("EUR", {"USD": 2.0})


def _pandas_weeks(stamps: pd.Series) -> pd.Series:
    return stamps.dt.to_period("W-SUN").dt.start_time


def test_spend_per_week_and_channel_matches_pandas(filled: Workspace) -> None:
    got = weekly_inputs(filled, "revenue", FX).spend
    frame = SPEND.assign(
        week=_pandas_weeks(SPEND["period_start"]),
        unit=np.where(SPEND["campaign"].isna(), SPEND["channel"], "radio / spring"),
        eur=SPEND["spend"] * SPEND["currency"].map({"USD": 2.0}).fillna(1.0),
    )
    want = frame.pivot_table(index="week", columns="unit", values="eur", aggfunc="sum")
    want = want.reindex(pd.date_range("2024-01-01", "2024-01-22", freq="W-MON"), fill_value=0)
    assert got.to_dict() == want.fillna(0.0).to_dict()
    assert got["print"].tolist() == [150.0, 0.0, 80.0, 0.0]
    assert got["radio / spring"].tolist() == [20.0, 0.0, 0.0, 60.0]


@pytest.mark.parametrize(
    ("measure", "weekly", "value"),
    [
        # won in the weeks 1–22 January: d1 1000, d2 500 USD = 1000 (same week), d4 200
        ("revenue", [2000.0, 0.0, 0.0, 200.0], 1.0),
        ("deals", [2.0, 0.0, 0.0, 1.0], 2200.0 / 3),
        # contacts: two in the week of 1 January, one each of 8 and 22 January
        ("leads", [2.0, 1.0, 0.0, 1.0], 2200.0 / 4),
    ],
)
def test_outcome_per_week_matches_pandas(
    filled: Workspace, measure: str, weekly: list[float], value: float
) -> None:
    got = weekly_inputs(filled, measure, FX)  # type: ignore[arg-type]
    weeks = pd.date_range("2024-01-01", "2024-01-22", freq="W-MON")
    if measure == "leads":
        counted = CONTACTS.dropna().groupby(_pandas_weeks(CONTACTS["created_at"].dropna())).size()
    else:
        won = DEALS[DEALS["status"] == "won"]
        money = won["amount"] * won["currency"].map({"USD": 2.0}).fillna(1.0)
        by = _pandas_weeks(won["closed_at"])
        counted = money.groupby(by).sum() if measure == "revenue" else won.groupby(by).size()
    want = counted.reindex(weeks, fill_value=0).astype(float)
    assert got.outcome.tolist() == want.tolist() == weekly
    assert got.value_per_unit == pytest.approx(value)


def test_no_spend_says_what_to_import(workspace: Workspace) -> None:
    with pytest.raises(InputError, match=r"no weekly spend: import channel_spend\.csv"):
        weekly_inputs(workspace, "revenue", FX)


def test_a_channel_without_variation_is_named(filled: Workspace) -> None:
    flat = pd.DataFrame(
        {
            "spend_key": [f"f{i}" for i in range(4)],
            "period_start": pd.date_range("2024-01-01", periods=4, freq="W-MON"),
            "channel": ["radio_flat"] * 4,
            "spend": [10.0] * 4,
        }
    )
    load(filled, {"channel_spend": flat})
    with pytest.raises(InputError, match="'radio_flat' spends the same every week"):
        weekly_inputs(filled, "revenue", FX)


def test_too_few_weeks_say_how_many_are_needed(filled: Workspace) -> None:
    inputs = weekly_inputs(filled, "revenue", FX)
    with pytest.raises(InputError, match=r"4 weeks are too few for 2 channels: .* at least 16"):
        fit_weekly(inputs, bootstrap=0)


def test_spend_file_import_reconciles(workspace: Workspace, tmp_path: Path) -> None:
    """Every row is loaded or quarantined with its reason: 6 read = 1 loaded + 5 rejected (the
    last row repeats the key of row 3, itself rejected, and the first row with a key wins)."""
    path = tmp_path / "channel_spend.csv"
    path.write_text(
        "period_start,channel,campaign,spend,currency\n"
        "2024-01-01,print,,1000,EUR\n"
        "2024-01-08,print,,-5,EUR\n"
        "2024-01-08,radio,spring,abc,EUR\n"
        "2024-01-15,,,100,EUR\n"
        "2024-01-01,print,,2000,EUR\n"
        "2024-01-08,radio,spring,250.5,EUR\n",
        encoding="utf-8",
    )
    result = import_file(workspace, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 1, 5)
    q = workspace.table("quarantine").execute().sort_values("row_number")
    assert q["row_number"].tolist() == [2, 3, 4, 5, 6]
    assert q["reason"].tolist() == [
        "spend -5 is negative",
        "'abc' is not a valid number",
        "required field 'channel' is empty",
        "duplicate key '2024-01-01 00:00:00|print|' (first seen on row 1)",
        "duplicate key '2024-01-08 00:00:00|radio|spring' (first seen on row 3)",
    ]
    loaded = workspace.table("channel_spend").execute().sort_values("period_start")
    assert loaded["spend"].tolist() == [1000.0]


def test_a_version_2_workspace_gains_channel_spend(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with open_workspace(path) as ws:
        ws.con.drop_table("channel_spend")
        meta = ibis.memtable({"key": ["schema_version"], "value": ["2"]})
        ws.con.create_table(META_TABLE, meta, overwrite=True)
    with open_workspace(path) as ws:
        assert ws.schema_version() == SCHEMA_VERSION == 3
        assert ws.count("channel_spend") == 0
