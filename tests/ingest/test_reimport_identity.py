"""Re-imports: what decides whether a file loads again, and what the result says about it.

An import's identity is the file's content, the target table, the mapping's content and the data
its lookups resolve to. Each test imports through the real `crmroi import` on a real DuckDB file
and reads back what the workspace holds.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import ibis
from typer.testing import CliRunner

from crmroi.cli.app import app
from crmroi.schema import SCHEMA_VERSION
from crmroi.workspace import META_TABLE, open_workspace

runner = CliRunner()

EXPORT = """Nr,Phase,Wert,Angelegt
A-1,Closed Won,1200,2024-01-03
A-2,In Verhandlung,800,2024-01-04
A-3,Closed Lost,1000,2024-01-05
"""
MAPPING = """
name = "my-crm-deals"
table = "deals"
[fields.deal_id]
column = "Nr"
[fields.status]
column = "Phase"
values = {{ {values} }}
other = "open"
[fields.amount]
column = "Wert"
[fields.created_at]
column = "Angelegt"
"""
FIRST = MAPPING.format(values='"Won" = "won", "Lost" = "lost"')  # misses "Closed Won/Lost"
CORRECTED = MAPPING.format(values='"Closed Won" = "won", "Closed Lost" = "lost"')


def run_import(ws: Path, *args: str) -> dict[str, object]:
    """`crmroi import … --format json`: the one file's result."""
    done = runner.invoke(app, ["-w", str(ws), "import", *args, "--format", "json"])
    assert done.exit_code == 0, done.output
    (result,) = json.loads(done.stdout)["files"]
    assert isinstance(result, dict)
    return result


def statuses(ws: Path) -> dict[str, str]:
    with open_workspace(ws) as opened:
        deals = opened.table("deals").execute()
    return dict(zip(deals.deal_id, deals.status, strict=True))


def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    export = tmp_path / "deals-export.csv"
    export.write_text(EXPORT, encoding="utf-8")
    mapping = tmp_path / "my-crm.toml"
    mapping.write_text(FIRST, encoding="utf-8")
    return tmp_path / "w.duckdb", export, mapping


def test_the_same_file_with_the_same_mapping_is_unchanged(tmp_path: Path) -> None:
    """Nothing that matters changed: nothing loads, and the earlier run's counts come back."""
    ws, export, mapping = setup(tmp_path)
    first = run_import(ws, str(export), "--map", str(mapping))
    again = run_import(ws, str(export), "--map", str(mapping))
    assert (first["unchanged"], again["unchanged"]) == (False, True)
    assert (again["rows_read"], again["rows_loaded"], again["same_as"]) == (3, 3, None)


def test_a_corrected_mapping_reloads_and_says_what_it_replaced(tmp_path: Path) -> None:
    """The first mapping knew only "Won"/"Lost": every deal loaded as open. Corrected, the same
    file loads again, the three deals are replaced (A-1 won, A-2 open, A-3 lost), and the result
    says why it re-loaded and how many rows it replaced."""
    ws, export, mapping = setup(tmp_path)
    run_import(ws, str(export), "--map", str(mapping))
    assert statuses(ws) == {"A-1": "open", "A-2": "open", "A-3": "open"}
    mapping.write_text(CORRECTED, encoding="utf-8")
    fixed = run_import(ws, str(export), "--map", str(mapping))
    assert fixed["unchanged"] is False
    assert (fixed["rows_loaded"], fixed["rows_replaced"]) == (3, 3)
    assert fixed["reloaded"] == "the mapping or its lookups changed"
    assert statuses(ws) == {"A-1": "won", "A-2": "open", "A-3": "lost"}
    table = runner.invoke(app, ["-w", str(ws), "import", str(export), "--map", str(mapping)])
    assert "unchanged" in table.output  # and now it is the same again


def test_a_comment_or_a_new_name_in_the_mapping_changes_nothing(tmp_path: Path) -> None:
    """Only what changes values counts: a renamed mapping with a comment is the same recipe."""
    ws, export, mapping = setup(tmp_path)
    run_import(ws, str(export), "--map", str(mapping))
    renamed = FIRST.replace('name = "my-crm-deals"', 'name = "renamed"\ntitle = "x"  # note')
    mapping.write_text(renamed, encoding="utf-8")
    assert run_import(ws, str(export), "--map", str(mapping))["unchanged"] is True


def test_the_same_file_into_another_table_loads(tmp_path: Path) -> None:
    """The table is part of the identity: one file of ids and names feeds accounts and users."""
    ws = tmp_path / "w.duckdb"
    people = tmp_path / "ids.csv"
    people.write_text("id,name\nx1,Acme\nx2,Beta\n", encoding="utf-8")
    for table, key in (("accounts", "account_id"), ("users", "user_id")):
        toml = tmp_path / f"{table}.toml"
        toml.write_text(
            f'name = "ids"\ntable = "{table}"\n[fields.{key}]\ncolumn = "id"\n'
            '[fields.name]\ncolumn = "name"\n',
            encoding="utf-8",
        )
        result = run_import(ws, str(people), "--map", str(toml))
        assert (result["table"], result["unchanged"], result["rows_loaded"]) == (table, False, 2)
    with open_workspace(ws) as opened:
        assert opened.count("accounts") == 2 and opened.count("users") == 2


def test_the_same_content_under_a_new_name_is_recognised_and_named(tmp_path: Path) -> None:
    """A copy of an imported file (a re-download, a renamed export) is not loaded twice, and the
    result names the file it was loaded as."""
    ws, export, mapping = setup(tmp_path)
    run_import(ws, str(export), "--map", str(mapping))
    copy = tmp_path / "deals-export (1).csv"
    shutil.copy(export, copy)
    result = run_import(ws, str(copy), "--map", str(mapping))
    assert result["unchanged"] is True
    assert result["file"] == str(copy) and result["same_as"] == str(export)
    table = runner.invoke(app, ["-w", str(ws), "import", str(copy), "--map", str(mapping)])
    assert "deals-export.csv" in table.output and "same content" in " ".join(table.output.split())


def test_force_reloads_an_unchanged_file(tmp_path: Path) -> None:
    """`--force` loads anyway: every row replaces itself, and the result says it was forced."""
    ws, export, mapping = setup(tmp_path)
    run_import(ws, str(export), "--map", str(mapping))
    forced = run_import(ws, str(export), "--map", str(mapping), "--force")
    assert (forced["unchanged"], forced["reloaded"], forced["rows_replaced"]) == (
        False,
        "forced",
        3,
    )
    with open_workspace(ws) as opened:
        assert opened.count("imports") == 2 and opened.count("deals") == 3


def test_force_reloads_a_canonical_file(tmp_path: Path) -> None:
    ws = tmp_path / "w.duckdb"
    users = tmp_path / "users.csv"
    users.write_text("user_id,name,region\nu1,Ann,West\n", encoding="utf-8")
    assert run_import(ws, str(users))["unchanged"] is False
    assert run_import(ws, str(users))["unchanged"] is True
    assert run_import(ws, str(users), "--force")["reloaded"] == "forced"


def test_a_corrected_lookup_file_reloads_the_rows_that_use_it(tmp_path: Path) -> None:
    """The lookup's data is part of the identity: fixing the lookup file re-loads the users."""
    ws = tmp_path / "w.duckdb"
    (tmp_path / "agents.csv").write_text("agent,team\nann,T1\nbob,T2\n", encoding="utf-8")
    teams = tmp_path / "teams.csv"
    teams.write_text("team,region\nT1,East\nT2,East\n", encoding="utf-8")
    toml = tmp_path / "agents.toml"
    toml.write_text(
        'name = "agents"\ntable = "users"\n[fields.user_id]\ncolumn = "agent"\n'
        '[fields.team]\ncolumn = "team"\n[fields.region]\ncolumn = "team"\n'
        'lookup = { file = "teams.csv", key = "team", value = "region" }\n',
        encoding="utf-8",
    )
    args = (str(tmp_path / "agents.csv"), "--map", str(toml))
    run_import(ws, *args)
    assert run_import(ws, *args)["unchanged"] is True
    teams.write_text("team,region\nT1,East\nT2,West\n", encoding="utf-8")
    again = run_import(ws, *args)
    assert (again["unchanged"], again["rows_replaced"]) == (False, 2)
    with open_workspace(ws) as opened:
        users = opened.table("users").execute()
    assert dict(zip(users.user_id, users.region, strict=True)) == {"ann": "East", "bob": "West"}


def test_a_version_1_workspace_gains_the_new_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    """Workspaces written before identities existed open, upgraded: imports.identity and
    users.region are added (empty), rows stay; a file loaded then loads once more."""
    path = tmp_path / "old.duckdb"
    users = tmp_path / "users.csv"
    users.write_text("user_id,name\nu1,Ann\n", encoding="utf-8")
    run_import(path, str(users))
    with open_workspace(path) as ws:  # make it look like a version-1 workspace
        ws.con.raw_sql("ALTER TABLE imports DROP COLUMN identity")
        ws.con.raw_sql("ALTER TABLE users DROP COLUMN region")
        meta = ibis.memtable({"key": ["schema_version"], "value": ["1"]})
        ws.con.create_table(META_TABLE, meta, overwrite=True)
    with open_workspace(path) as ws:
        assert ws.schema_version() == SCHEMA_VERSION
        assert "identity" in ws.table("imports").columns and "region" in ws.table("users").columns
        assert ws.count("users") == 1 and ws.count("imports") == 1
    again = run_import(path, str(users))
    assert again["unchanged"] is False
    assert again["reloaded"] == "loaded before by a crmroi that did not record how"
