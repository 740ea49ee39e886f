"""Run `crmroi import` in-process on a generated file and read back what it did.

Shared by ``tests/hostile/test_ingest_*.py``: each case writes a small hostile file, imports it
through the real CLI (Typer's runner, a real DuckDB workspace) and checks the message or the
quarantine reasons, and that every row read was either loaded or quarantined.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from typer.testing import CliRunner

from crmroi.cli.app import app

runner = CliRunner()


@dataclass
class Imported:
    """What one `crmroi import --format json` run reported, and the workspace it wrote."""

    exit_code: int
    files: list[dict[str, Any]]
    errors: list[str]
    workspace: Path
    output: str
    quarantine: list[dict[str, Any]] = field(default_factory=list)

    def result(self, name: str) -> dict[str, Any]:
        """The one result of the file called ``name``."""
        (found,) = [f for f in self.files if Path(f["file"]).name == name]
        return found

    def error(self, name: str) -> str:
        """The error of the file called ``name``, whitespace normalised."""
        (found,) = [e for e in self.errors if f"{name}: " in e]
        assert not any(Path(f["file"]).name == name for f in self.files), name
        return re.sub(r"\s+", " ", found)

    def reasons(self, name: str) -> dict[int, str]:
        """Quarantine reason by row number, for the file called ``name``."""
        return {
            int(q["row_number"]): str(q["reason"])
            for q in self.quarantine
            if Path(q["file"]).name == name
        }

    def rows(self, table: str, *columns: str, where: str = "TRUE") -> list[tuple[Any, ...]]:
        """``columns`` of the rows of ``table`` (``where`` holds), ordered by the first."""
        with duckdb.connect(str(self.workspace), read_only=True) as con:
            query = f"SELECT {', '.join(columns)} FROM {table} WHERE {where} ORDER BY 1"
            return con.sql(query).fetchall()


def crmroi_import(folder: Path, *files: Path, args: tuple[str, ...] = ()) -> Imported:
    """`crmroi -w FOLDER/w.duckdb import FILES --format json ARGS`; never an internal error."""
    workspace = folder / "w.duckdb"
    done = runner.invoke(
        app, ["-w", str(workspace), "import", *map(str, files), "--format", "json", *args]
    )
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        raise done.exception  # an internal error: the test fails with its traceback
    payload: dict[str, Any] = {}
    if done.stdout.lstrip().startswith("{"):
        payload, _ = json.JSONDecoder().raw_decode(done.stdout.lstrip())
    errors = [str(e) for e in payload.get("errors") or []]
    result = Imported(done.exit_code, payload.get("files", []), errors, workspace, done.output)
    if result.files:
        shown = runner.invoke(app, ["-w", str(workspace), "quarantine", "--format", "json"])
        assert shown.exit_code == 0, shown.output
        result.quarantine = json.loads(shown.stdout)
    return result


def reconciled(imported: Imported, name: str, *, read: int, loaded: int) -> dict[str, Any]:
    """Assert one file's counts: read = loaded + quarantined, as the quarantine holds them."""
    only = imported.result(name)
    assert (only["rows_read"], only["rows_loaded"]) == (read, loaded), only
    assert only["rows_read"] == only["rows_loaded"] + only["rows_quarantined"]
    assert len(imported.reasons(name)) == only["rows_quarantined"], imported.reasons(name)
    return only
