"""Google Merchandise Store analytics through `crmroi import`, against pandas and the README.

GA360 (README): 281,493 hit rows, 74,247 sessions (userID + sessionID, read as text: leading
zeros), 60,523 users. Transactions and revenue are checked against pandas on the same file (the
session fields repeat on every hit: max per session): 1,117 transactions, 169,629.86 USD. The
README's 1,104 / 168,965.25 are these less the 105 sessions whose hits carry two dates (they
span midnight): 12 of them hold 13 transactions worth 664.61 USD, each on the hits of one date
only, so leaving those sessions out drops real transactions.
GA4: 92 daily totals, Nov 2020 – Jan 2021.

`crmroi kpis` reads both through the web KPIs (web_sessions, web_users, web_conversions,
web_conversion_rate, web_revenue); each day comes from one table (no day here has both).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from .cli import (
    Loaded,
    kpi_values,
    load,
)
from .contract import WorkspaceContract

FOLDER = Path("google_analytics_sample")
GA360 = FOLDER / "ga360_merchstore_bq_results_2017-07.csv"
GA4 = FOLDER / "ga4_merchstore_daily_kpis_2020-11_2021-01.csv"

WEB_KPIS = ("web_sessions", "web_users", "web_conversions", "web_conversion_rate", "web_revenue")


@pytest.fixture(scope="module")
def hits(shared_data: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared_data / GA360, dtype=str)
    for column in ("transactions", "totalTransactionRevenue"):
        raw[column] = pd.to_numeric(raw[column]).fillna(0)
    return raw


@pytest.fixture(scope="module")
def sessions(hits: pd.DataFrame) -> pd.DataFrame:
    per = hits.groupby(["userID", "sessionID"])
    return per.agg(transactions=("transactions", "max"), revenue=("totalTransactionRevenue", "max"))


@pytest.fixture(scope="module")
def loaded(shared_data: Path, examples: Path, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    path = tmp_path_factory.mktemp("ga") / "ws.duckdb"
    return load(
        path,
        (shared_data / GA360, "--map", examples / "ga360-hits.toml"),
        (shared_data / GA4, "--map", examples / "ga4-daily-kpis.toml"),
    )


def _query(path: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(sql).df()


def test_ga360_hits_become_sessions(
    loaded: Loaded, hits: pd.DataFrame, sessions: pd.DataFrame
) -> None:
    ga360, _ = loaded.files
    assert ga360["rows_combined"] == len(hits) == 281_493
    assert (ga360["rows_loaded"], ga360["rows_quarantined"]) == (len(sessions), 0)
    assert len(sessions) == 74_247


def test_ga360_users_transactions_revenue_equal_pandas(
    loaded: Loaded, hits: pd.DataFrame, sessions: pd.DataFrame
) -> None:
    got = _query(
        loaded.path,
        "select count(distinct user_pseudo_id) users, sum(conversions) tx, sum(revenue) revenue, "
        "count(distinct user_pseudo_id) filter (where user_pseudo_id like '0%') zeros "
        "from web_sessions",
    ).iloc[0]
    assert got.users == hits["userID"].nunique() == 60_523
    assert got.zeros == hits.loc[hits["userID"].str.startswith("0"), "userID"].nunique() > 0
    assert got.tx == sessions["transactions"].sum() == 1_117
    assert got.revenue == pytest.approx(sessions["revenue"].sum() / 1e6)


def test_ga4_daily_totals_equal_pandas(loaded: Loaded, shared_data: Path) -> None:
    _, ga4 = loaded.files
    raw = pd.read_csv(shared_data / GA4)
    assert (ga4["rows_loaded"], ga4["rows_quarantined"]) == (len(raw), 0) == (92, 0)
    got = _query(
        loaded.path,
        "select sum(sessions) s, sum(users) u, sum(key_events) k, min(period_start) lo, "
        "max(period_start) hi from web_traffic",
    ).iloc[0]
    assert (got.s, got.u, got.k) == (
        raw["session_start"].sum(),
        raw["users"].sum(),
        raw["purchase"].sum(),
    )
    assert (str(got.lo.date()), str(got.hi.date())) == ("2020-11-01", "2021-01-31")


def test_kpis_show_the_sessions(ws: Path, sessions: pd.DataFrame) -> None:
    """Some KPI of `crmroi kpis` reports the 74,247 imported sessions."""
    values = kpi_values(ws, "--from", "2017-07-01", "--to", "2017-08-02")
    assert len(sessions) in set(values.values())


def _web_kpis(ws: Path, first: str, last: str) -> dict[str, float | None]:
    args = [arg for kpi in WEB_KPIS for arg in ("-k", kpi)]
    values = kpi_values(ws, *args, "--from", first, "--to", last)
    return {key[0]: value for key, value in values.items()}


def test_web_kpis_of_ga360_equal_pandas(
    ws: Path, hits: pd.DataFrame, sessions: pd.DataFrame
) -> None:
    """July 2017: only GA360 sessions, no GA4 day in range. GA dates hits in the property's
    time zone (Pacific), the import dates a session by its start (sessionID, epoch s, UTC): the
    sessions start from 1 July 07:00 to 2 August 06:59 UTC."""
    started = pd.to_datetime(hits["sessionID"].astype("int64"), unit="s")
    assert (str(started.min().date()), str(started.max().date())) == ("2017-07-01", "2017-08-02")
    got = _web_kpis(ws, "2017-07-01", "2017-08-02")
    tx = sessions["transactions"].sum()
    assert got["web_sessions"] == len(sessions) == 74_247
    assert got["web_users"] == hits["userID"].nunique() == 60_523
    assert got["web_conversions"] == tx == 1_117
    assert got["web_revenue"] == pytest.approx(sessions["revenue"].sum() / 1e6)
    assert round(sessions["revenue"].sum() / 1e6, 2) == 169_629.86
    assert got["web_conversion_rate"] == pytest.approx(tx / len(sessions))


def test_readme_transactions_leave_out_sessions_spanning_midnight(
    hits: pd.DataFrame, sessions: pd.DataFrame
) -> None:
    """The README's 1,104 / 168,965.25 USD are the sessions whose hits carry one date only."""
    dates = hits.groupby(["userID", "sessionID"])["date"].nunique()
    one_day = sessions[dates == 1]
    assert (dates > 1).sum() == 105
    assert one_day["transactions"].sum() == 1_104
    assert round(one_day["revenue"].sum() / 1e6, 2) == 168_965.25
    per_date = hits.groupby(["userID", "sessionID", "date"])["transactions"].max()
    spanning = per_date[per_date.index.droplevel("date").isin(dates[dates > 1].index)]
    assert spanning.sum() == 13  # each on the hits of one date: not counted twice


def test_web_kpis_of_ga4_daily_totals_equal_pandas(ws: Path, shared_data: Path) -> None:
    """Nov 2020 – Jan 2021: only GA4 daily totals; users are the sum of daily users."""
    raw = pd.read_csv(shared_data / GA4)
    got = _web_kpis(ws, "2020-11-01", "2021-01-31")
    assert got["web_sessions"] == raw["session_start"].sum()
    assert got["web_users"] == raw["users"].sum()
    assert got["web_conversions"] == raw["purchase"].sum()
    assert got["web_conversion_rate"] == pytest.approx(
        raw["purchase"].sum() / raw["session_start"].sum()
    )
    assert got["web_revenue"] == 0  # the extract has no revenue column


class TestWorkspaceContract(WorkspaceContract):
    """The checks every workspace passes; here every web KPI is among the KPIs too."""

    def test_every_kpi_computes(self, ws: Path) -> None:
        """`crmroi kpis` without arguments: every KPI on this data, none crashing."""
        values = kpi_values(ws)
        assert values and all(key[0] for key in values)
        assert {key[0] for key in values} >= set(WEB_KPIS)
