"""A small B2B opportunities export in the shape of the public "CRM sales opportunities" sample.

Four files as that sample ships them: ``sales_pipeline.csv`` (opportunity_id, sales_agent,
product, account, deal_stage, engage_date, close_date, close_value), ``sales_teams.csv``
(sales_agent, manager, regional_office), and the same team data split the way other CRMs
export it: ``agents.csv`` (sales_agent, manager) and ``managers.csv`` (manager,
regional_office), and a bare list of agents (``agent_ids.csv``) whose team and region only
lookups can give. As in the public sample, early-stage (Prospecting) deals have no engage date;
here a few won deals lack it too, so the date fallback reaches a cycle-time KPI.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

AGENTS = {
    "Anna Snelling": ("Dustin Brinkmann", "Central"),
    "Cecily Lampkin": ("Dustin Brinkmann", "Central"),
    "Daniell Hammack": ("Rocco Neubert", "East"),
    "Donn Cantrell": ("Rocco Neubert", "East"),
    "Elease Gluck": ("Celia Rouche", "West"),
    "Garret Kinder": ("Celia Rouche", "West"),
    "Hayden Neloms": ("Summer Sewald", "West"),
}
STAGES = ("Won", "Lost", "Engaging", "Prospecting")

DEALS_MAPPING = """
name = "b2b-opportunities"
table = "deals"
[fields.deal_id]
column = "opportunity_id"
[fields.owner_id]
column = "sales_agent"
[fields.account_id]
column = "account"
[fields.product]
column = "product"
[fields.stage]
column = "deal_stage"
[fields.status]
column = "deal_stage"
values = { "Won" = "won", "Lost" = "lost" }
other = "open"
[fields.created_at]
column = "engage_date"
fallback = "unknown"
[fields.closed_at]
column = "close_date"
[fields.amount]
column = "close_value"
format = "dot"
[fields.currency]
default = "USD"
"""

TEAMS_MAPPING = """
name = "b2b-sales-teams"
table = "users"
[fields.user_id]
column = "sales_agent"
[fields.team]
column = "manager"
[fields.region]
column = "regional_office"
"""

AGENTS_MAPPING = """
name = "b2b-agents"
table = "users"
[fields.user_id]
column = "sales_agent"
[fields.team]
column = "manager"
[fields.region]
column = "manager"                       # the agent's team ...
lookup = { file = "managers.csv", key = "manager", value = "regional_office" }
"""

CHAIN_MAPPING = """
name = "b2b-agents-chained"
table = "users"
[fields.user_id]
column = "sales_agent"
[fields.team]
column = "sales_agent"
lookup = { file = "agents.csv", key = "sales_agent", value = "manager" }
[fields.region]
column = "sales_agent"
lookup = [
  { file = "agents.csv", key = "sales_agent", value = "manager" },      # agent → team
  { file = "managers.csv", key = "manager", value = "regional_office" }, # team → region
]
"""


def write_b2b_export(folder: Path, deals: int = 240, seed: int = 11) -> pd.DataFrame:
    """Write the four files and the two mappings to ``folder``; return the pipeline frame."""
    rng = random.Random(seed)
    rows = []
    for i in range(deals):
        stage = rng.choice(STAGES)
        engaged = date(2017, 1, 1) + timedelta(days=rng.randrange(300))
        closed = engaged + timedelta(days=rng.randrange(5, 120))
        no_engage_date = stage == "Prospecting" or (stage == "Won" and i % 9 == 0)
        rows.append(
            {
                "opportunity_id": f"OPP{i:05d}",
                "sales_agent": rng.choice(sorted(AGENTS)),
                "product": rng.choice(["GTX Basic", "MG Special", "GTXPro"]),
                "account": rng.choice(["Acme", "Betasoloin", "Cancity", "Dambase"]),
                "deal_stage": stage,
                "engage_date": "" if no_engage_date else engaged.isoformat(),
                "close_date": closed.isoformat() if stage in ("Won", "Lost") else "",
                "close_value": str(rng.randrange(40, 5000)) if stage != "Lost" else "0",
            }
        )
    pipeline = pd.DataFrame(rows)
    pipeline.to_csv(folder / "sales_pipeline.csv", index=False)
    teams = pd.DataFrame(
        [(a, m, r) for a, (m, r) in AGENTS.items()],
        columns=["sales_agent", "manager", "regional_office"],
    )
    teams.to_csv(folder / "sales_teams.csv", index=False)
    teams[["sales_agent", "manager"]].to_csv(folder / "agents.csv", index=False)
    managers = teams[["manager", "regional_office"]].drop_duplicates()
    managers.to_csv(folder / "managers.csv", index=False)
    (folder / "deals.toml").write_text(DEALS_MAPPING, encoding="utf-8")
    (folder / "teams.toml").write_text(TEAMS_MAPPING, encoding="utf-8")
    (folder / "agents.toml").write_text(AGENTS_MAPPING, encoding="utf-8")
    (folder / "chain.toml").write_text(CHAIN_MAPPING, encoding="utf-8")
    teams[["sales_agent"]].to_csv(folder / "agent_ids.csv", index=False)
    return pipeline
