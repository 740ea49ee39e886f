"""Olist marketing funnel: 8,000 leads and 842 closed deals through the CLI, against pandas and
the README (conversion 10.52 %; by origin paid_search 195/1,586, organic_search 271/2,296,
direct_traffic 56/499, social 75/1,350, email 15/493, unknown 179/1,099, missing 14/60; median
days first contact → won 14).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from .cli import (
    Loaded,
    kpi_values,
    load,
)
from .contract import WorkspaceContract
from .reports import (
    LANGS,
    count_text,
    section,
)

FOLDER = Path("olist_marketing_funnel")
LEADS = FOLDER / "olist_marketing_qualified_leads_dataset.csv"
DEALS = FOLDER / "olist_closed_deals_dataset.csv"
README = {
    "paid_search": (195, 1586), "organic_search": (271, 2296), "direct_traffic": (56, 499),
    "social": (75, 1350), "email": (15, 493), "unknown": (179, 1099), "(none)": (14, 60),
}  # fmt: skip


@pytest.fixture(scope="module")
def funnel(shared_data: Path) -> pd.DataFrame:
    """Every lead with its deal, if any (left join on mql_id); origin NaN → '(none)'."""
    leads = pd.read_csv(shared_data / LEADS)
    deals = pd.read_csv(shared_data / DEALS)
    joined = leads.merge(deals, on="mql_id", how="left", indicator=True)
    return joined.assign(origin=joined["origin"].fillna("(none)"), won=joined["_merge"] == "both")


@pytest.fixture(scope="module")
def loaded(shared_data: Path, examples: Path, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    path = tmp_path_factory.mktemp("olist") / "ws.duckdb"
    return load(
        path,
        (shared_data / LEADS, "--map", examples / "olist-leads.toml"),
        (shared_data / DEALS, "--map", examples / "olist-deals.toml"),
    )


def test_import_loads_every_lead_and_deal(loaded: Loaded, funnel: pd.DataFrame) -> None:
    leads, deals = loaded.files
    assert (leads["table"], leads["rows_loaded"], leads["rows_quarantined"]) == (
        "contacts",
        8000,
        0,
    )
    assert (deals["table"], deals["rows_loaded"], deals["rows_quarantined"]) == ("deals", 842, 0)
    assert funnel["won"].sum() == 842  # every deal joins a lead


def test_lead_conversion_by_origin_equals_pandas_and_readme(ws: Path, funnel: pd.DataFrame) -> None:
    values = kpi_values(ws, "-k", "lead_conversion_rate", "-k", "new_leads", "--by", "channel")
    by_origin = funnel.groupby("origin")["won"].agg(["sum", "count"])
    for origin, (won, leads) in by_origin.iterrows():
        assert values[("new_leads", origin)] == leads, origin
        assert values[("lead_conversion_rate", origin)] == pytest.approx(won / leads), origin
    for origin, (won, leads) in README.items():
        assert (by_origin.loc[origin, "sum"], by_origin.loc[origin, "count"]) == (won, leads)


def test_overall_conversion_equals_readme(ws: Path, funnel: pd.DataFrame) -> None:
    values = kpi_values(ws, "-k", "lead_conversion_rate", "-k", "new_leads", "-k", "won_deals")
    assert values[("new_leads",)] == len(funnel) == 8000
    assert values[("won_deals",)] == funnel["won"].sum() == 842
    assert values[("lead_conversion_rate",)] == pytest.approx(funnel["won"].mean())
    assert 100 * values[("lead_conversion_rate",)] == pytest.approx(10.52, abs=0.006)  # 10.525


def test_won_deals_by_sales_rep_equal_pandas(ws: Path, funnel: pd.DataFrame) -> None:
    """The rep leaderboard: won deals per SR (sr_id is the deal owner)."""
    values = kpi_values(ws, "-k", "won_deals", "--by", "owner")
    want = funnel[funnel["won"]].groupby("sr_id").size()
    got = {key[1]: v for key, v in values.items() if key[0] == "won_deals" and v}
    assert got == want.to_dict()


def test_won_deals_get_their_leads_channel(ws: Path, funnel: pd.DataFrame) -> None:
    """Issue 11 point 6: won deals get their lead's channel (`kpis --by channel` on deals)."""
    values = kpi_values(ws, "-k", "won_deals", "--by", "channel")
    want = funnel[funnel["won"]].groupby("origin").size()
    got = {key[1]: v for key, v in values.items() if key[0] == "won_deals" and v}
    assert got == want.to_dict()


def test_median_days_first_contact_to_won(ws: Path, funnel: pd.DataFrame) -> None:
    """README: median 14 whole days from the lead's first contact to the won date."""
    won = funnel[funnel["won"]]
    days = pd.to_datetime(won["won_date"]) - pd.to_datetime(won["first_contact_date"])
    assert days.dt.days.median() == 14
    values = kpi_values(ws, "-k", "sales_cycle_days_median")
    assert values[("sales_cycle_days_median",)] == pytest.approx(
        days.dt.total_seconds().median() / 86400
    )


@pytest.mark.parametrize("lang", LANGS)
def test_report_sales_section_shows_won_deals(
    reports: dict, lang: str, funnel: pd.DataFrame
) -> None:
    """The sales section shows the won deals pandas counts (842), as the language writes it."""
    assert int(funnel["won"].sum()) == 842
    assert count_text(842, lang) in section(reports, lang, "sales").all_text


class TestWorkspaceContract(WorkspaceContract):
    """The checks every dataset's workspace passes (contract.py)."""
