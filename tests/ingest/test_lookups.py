"""Mapping lookups: enrich rows from another file or table by key, checked against pandas joins.

The cases the issue names: region lives on the owner's sales team (a B2B opportunities export
with a sales-teams file, or the team split into agent → manager → regional office), and a won
deal's source channel lives on its lead (Olist's closed deals and marketing-qualified leads).
Everything runs through the real `crmroi` CLI on a real DuckDB file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import Result
from typer.testing import CliRunner

from crmroi.cli.app import app
from crmroi.workspace import open_workspace
from tests.ingest.b2b_export import write_b2b_export

runner = CliRunner()


def crmroi(ws: Path, *args: str) -> Result:
    """Run the CLI; fail the test with its output when it fails."""
    done = runner.invoke(app, ["-w", str(ws), *args])
    assert done.exit_code == 0, done.output
    return done


def kpi_by(ws: Path, kpi: str, dimension: str) -> dict[str, float]:
    """One KPI over the whole data range, by one dimension, as ``crmroi kpis`` gives it."""
    done = crmroi(ws, "kpis", "-k", kpi, "--by", dimension, "--format", "json")
    rows = json.loads(done.stdout)
    return {r[dimension]: r["value"] for r in rows if r["value"] is not None}


def imported(ws: Path, *args: str) -> list[dict[str, object]]:
    files: list[dict[str, object]] = json.loads(
        crmroi(ws, "import", *args, "--format", "json").stdout
    )["files"]
    return files


@pytest.mark.parametrize(
    ("team_file", "mapping"),
    [
        ("sales_teams.csv", "teams.toml"),
        ("agents.csv", "agents.toml"),
        ("agent_ids.csv", "chain.toml"),
    ],
    ids=["region-in-the-teams-file", "region-looked-up-by-manager", "agent-team-region-chain"],
)
def test_won_revenue_by_the_owners_region_equals_a_pandas_merge(
    tmp_path: Path, team_file: str, mapping: str
) -> None:
    """`kpis --by region` takes the owner's region when the account has none.

    Oracle: pandas merges the pipeline with sales_teams.csv on sales_agent and sums close_value
    of the won deals per regional_office. In the second case the agents file has no region at
    all: the users mapping looks the agent's manager up in managers.csv; in the third the file
    lists only agents, and two chained lookups go agent → manager → regional office.
    """
    pipeline = write_b2b_export(tmp_path)
    ws = tmp_path / "w.duckdb"
    imported(ws, str(tmp_path / "sales_pipeline.csv"), "--map", str(tmp_path / "deals.toml"))
    (users,) = imported(ws, str(tmp_path / team_file), "--map", str(tmp_path / mapping))
    assert users["rows_loaded"] == 7 and users["lookups_missed"] == {}

    teams = pd.read_csv(tmp_path / "sales_teams.csv")
    won = pipeline[pipeline.deal_stage == "Won"].merge(teams, on="sales_agent", how="left")
    expected = won.groupby("regional_office").close_value.apply(lambda s: s.astype(float).sum())
    assert set(expected.index) == {"Central", "East", "West"}
    assert kpi_by(ws, "won_revenue", "region") == pytest.approx(expected.to_dict())
    by_team = won.groupby("manager").close_value.apply(lambda s: s.astype(float).sum())
    assert kpi_by(ws, "won_revenue", "team") == pytest.approx(by_team.to_dict())


def test_an_accounts_own_region_wins_over_the_owners(tmp_path: Path) -> None:
    """Region is the account's where it has one; the owner's fills in only where it has not.

    Account Acme is given region "Key accounts": its won deals move there from their owners'
    regions, the rest stay with the owner's region (pandas: the same rule with a where()).
    """
    pipeline = write_b2b_export(tmp_path)
    (tmp_path / "accounts.csv").write_text("account_id,region\nAcme,Key accounts\nCancity,\n")
    ws = tmp_path / "w.duckdb"
    imported(ws, str(tmp_path / "sales_pipeline.csv"), "--map", str(tmp_path / "deals.toml"))
    imported(ws, str(tmp_path / "sales_teams.csv"), "--map", str(tmp_path / "teams.toml"))
    imported(ws, str(tmp_path / "accounts.csv"))
    teams = pd.read_csv(tmp_path / "sales_teams.csv")
    won = pipeline[pipeline.deal_stage == "Won"].merge(teams, on="sales_agent")
    won["region"] = won.regional_office.where(won.account != "Acme", "Key accounts")
    expected = won.groupby("region").close_value.apply(lambda s: s.astype(float).sum())
    assert kpi_by(ws, "won_revenue", "region") == pytest.approx(expected.to_dict())


OLIST_DEALS = """
name = "olist-closed-deals"
table = "deals"
[fields.deal_id]
column = "mql_id"
[fields.owner_id]
column = "sr_id"
[fields.status]
default = "won"
[fields.closed_at]
column = "won_date"
[fields.created_at]                      # the lead's first contact
column = "mql_id"
lookup = {{ {where}, key = "{key}", value = "{created}" }}
[fields.source]                          # the lead's channel
column = "mql_id"
lookup = {{ {where}, key = "{key}", value = "{origin}" }}
"""

OLIST_LEADS = """
name = "olist-leads"
table = "contacts"
[fields.contact_id]
column = "mql_id"
[fields.created_at]
column = "first_contact_date"
[fields.source]
column = "origin"
"""


@pytest.mark.parametrize("from_table", [False, True], ids=["lookup-in-the-file", "in-the-table"])
def test_olist_won_deals_take_their_leads_origin(
    tmp_path: Path, shared_data: Path, from_table: bool
) -> None:
    """Won deals by source channel equal a pandas merge of the real Olist files.

    Olist's closed deals know only the lead (mql_id); the channel (origin) and the first contact
    date live in the MQL file. Oracle: pandas merges closed deals with the MQLs on mql_id and
    counts deals per origin (README: paid_search 195, organic_search 271, unknown 179, …;
    missing origin 14, which crmroi groups under "(none)").
    """
    folder = shared_data / "olist_marketing_funnel"
    leads_csv = folder / "olist_marketing_qualified_leads_dataset.csv"
    deals_csv = folder / "olist_closed_deals_dataset.csv"
    if from_table:  # the MQL file imported as contacts first; the deals look there
        (tmp_path / "leads.toml").write_text(OLIST_LEADS)
        names = {"where": 'table = "contacts"', "key": "contact_id", "created": "created_at"}
        names["origin"] = "source"
    else:
        names = {"where": f'file = "{leads_csv}"', "key": "mql_id"}
        names.update(created="first_contact_date", origin="origin")
    (tmp_path / "deals.toml").write_text(OLIST_DEALS.format(**names))
    ws = tmp_path / "w.duckdb"
    if from_table:
        imported(ws, str(leads_csv), "--map", str(tmp_path / "leads.toml"))
    (deals,) = imported(ws, str(deals_csv), "--map", str(tmp_path / "deals.toml"))
    assert (deals["rows_read"], deals["rows_loaded"], deals["lookups_missed"]) == (842, 842, {})

    mqls = pd.read_csv(leads_csv, dtype=str)
    closed = pd.read_csv(deals_csv, dtype=str).merge(mqls, on="mql_id", how="left")
    expected = closed.origin.fillna("(none)").value_counts().to_dict()
    assert expected["paid_search"] == 195 and expected["(none)"] == 14  # the README's figures
    assert kpi_by(ws, "won_deals", "channel") == pytest.approx(expected)
    days = (pd.to_datetime(closed.won_date) - pd.to_datetime(closed.first_contact_date)).dt
    cycle = crmroi(ws, "kpis", "-k", "sales_cycle_days", "--format", "json").stdout
    (row,) = json.loads(cycle)
    assert row["value"] == pytest.approx((days.total_seconds() / 86400).mean())


def test_a_key_with_two_values_is_refused_naming_the_file_and_key(tmp_path: Path) -> None:
    """A lookup whose key holds two different values cannot pick one: a clear error."""
    write_b2b_export(tmp_path)
    (tmp_path / "managers.csv").write_text(
        "manager,regional_office\nDustin Brinkmann,Central\nDustin Brinkmann,East\n"
    )
    done = runner.invoke(
        app,
        ["-w", str(tmp_path / "w.duckdb"), "import", str(tmp_path / "agents.csv"),
         "--map", str(tmp_path / "agents.toml")],
    )  # fmt: skip
    assert done.exit_code == 2
    message = " ".join(done.output.split())
    assert "managers.csv" in message and "'Dustin Brinkmann'" in message
    assert "several values of 'regional_office'" in message


def test_keys_the_lookup_lacks_are_counted_not_dropped(tmp_path: Path) -> None:
    """Agents whose manager the lookup file lacks load with an empty region, counted.

    managers.csv without Celia Rouche: her two agents (Elease Gluck, Garret Kinder) find nothing.
    """
    write_b2b_export(tmp_path)
    managers = pd.read_csv(tmp_path / "managers.csv")
    managers[managers.manager != "Celia Rouche"].to_csv(tmp_path / "managers.csv", index=False)
    ws = tmp_path / "w.duckdb"
    (users,) = imported(ws, str(tmp_path / "agents.csv"), "--map", str(tmp_path / "agents.toml"))
    assert (users["rows_loaded"], users["lookups_missed"]) == (7, {"region": 2})
    with open_workspace(ws) as opened:
        users_table = opened.table("users").execute().set_index("user_id")
    unresolved = users_table.index[users_table.region.isna()]
    assert sorted(unresolved) == ["Elease Gluck", "Garret Kinder"]
    assert users_table.region["Anna Snelling"] == "Central"
