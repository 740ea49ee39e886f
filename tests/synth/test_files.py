"""Files: determinism, the canonical CSV contract, and a round trip through the real importer."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from crmroi import open_workspace
from crmroi.ingest.canonical import import_file
from crmroi.schema import TABLES_BY_NAME, USER_TABLES
from crmroi.synth import SyntheticCompany, generate, write

SYNTH_TABLES = [t for t in USER_TABLES if t != "targets"]


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_gives_identical_bytes(csv_dir: Path, tmp_path: Path) -> None:
    write(generate("small", seed=0), tmp_path, "csv")
    assert _digests(tmp_path) == _digests(csv_dir)


def test_same_seed_gives_identical_parquet(company: SyntheticCompany, tmp_path: Path) -> None:
    write(company, tmp_path / "a", "parquet")
    write(generate("small", seed=0), tmp_path / "b", "parquet")
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")


def test_different_seed_gives_different_data(company: SyntheticCompany) -> None:
    other = generate("small", seed=1)
    assert not other.tables["deals"].equals(company.tables["deals"])
    assert not other.tables["touchpoints"].equals(company.tables["touchpoints"])
    assert other.truth["seed"] == 1


def test_writes_every_table_and_truth(csv_dir: Path, truth: dict[str, object]) -> None:
    names = {p.name for p in csv_dir.iterdir()}
    assert names == {f"{t}.csv" for t in SYNTH_TABLES} | {"truth.json"}
    assert json.loads((csv_dir / "truth.json").read_text("utf-8")) == truth


@pytest.mark.parametrize("name", SYNTH_TABLES)
def test_csv_header_is_the_schema_in_order(csv_dir: Path, name: str) -> None:
    with (csv_dir / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == TABLES_BY_NAME[name].column_names


def test_csv_value_formats(csv_dir: Path) -> None:
    """Timestamps `YYYY-MM-DD HH:MM:SS`, booleans true/false, `.` decimals, empty for null."""
    deals = pd.read_csv(csv_dir / "deals.csv", dtype=str, keep_default_na=False)
    assert deals["created_at"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    open_ = deals["status"] == "open"
    assert (deals.loc[open_, "closed_at"] == "").all()
    assert (deals.loc[~open_, "expected_close_at"] == "").all()
    assert deals["amount"].str.fullmatch(r"-?\d+(\.\d+)?").all()
    enrol = pd.read_csv(csv_dir / "workflow_enrollments.csv", dtype=str, keep_default_na=False)
    assert set(enrol["holdout"]) == {"true", "false"}
    assert (
        enrol["enrollment_key"]
        .str.fullmatch(r"WF-\d\d\|CON-\d{7}\|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        .all()
    )
    orders = pd.read_csv(csv_dir / "orders.csv", dtype=str, keep_default_na=False)
    assert orders["amount"].str.fullmatch(r"-?\d+(\.\d{1,2})?").all()


def _import_all(csv_dir: Path, tmp_path: Path, names: list[str]) -> None:
    with open_workspace(tmp_path / "ws.duckdb") as ws:
        for name in names:
            result = import_file(ws, csv_dir / f"{name}.csv")
            assert result.table == name
            assert result.rows_quarantined == 0, name
            assert (
                result.rows_loaded == result.rows_read == len(pd.read_csv(csv_dir / f"{name}.csv"))
            )


def test_files_import_without_quarantine(csv_dir: Path, tmp_path: Path) -> None:
    """The real canonical importer loads every row: types cast, required fields, unique keys.

    These two tables hold every kind of value (null timestamps, floats, booleans, a derived key);
    the slow test below imports all sixteen.
    """
    _import_all(csv_dir, tmp_path, ["users", "workflow_enrollments"])


@pytest.mark.slow
def test_every_file_imports_without_quarantine(csv_dir: Path, tmp_path: Path) -> None:
    _import_all(csv_dir, tmp_path, SYNTH_TABLES)


@pytest.mark.slow
def test_parquet_imports_without_quarantine(company: SyntheticCompany, tmp_path: Path) -> None:
    write(company, tmp_path, "parquet")
    with open_workspace(tmp_path / "ws.duckdb") as ws:
        for name in ("deals", "workflow_enrollments", "costs"):
            result = import_file(ws, tmp_path / f"{name}.parquet")
            assert result.rows_quarantined == 0, name
            assert result.rows_loaded == len(company.tables[name])


def test_unknown_size_and_format_are_input_errors(
    company: SyntheticCompany, tmp_path: Path
) -> None:
    from crmroi.errors import InputError

    with pytest.raises(InputError, match="unknown size"):
        generate("huge")
    with pytest.raises(InputError, match="unknown format"):
        write(company, tmp_path, "xlsx")  # type: ignore[arg-type]


def test_web_traffic_sums_the_sessions(company: SyntheticCompany) -> None:
    """The daily aggregates agree with the sessions they summarise (the GA4 UI view)."""
    traffic, sessions = company.tables["web_traffic"], company.tables["web_sessions"]
    assert traffic["sessions"].sum() == len(sessions)
    assert traffic["engaged_sessions"].sum() == sessions["engaged"].sum()
    assert traffic["key_events"].sum() == sessions["conversions"].sum()
    assert traffic["new_users"].sum() == sessions["user_pseudo_id"].nunique()
    by_day = sessions.groupby(sessions["started_at"].dt.floor("D")).size()
    assert traffic.groupby("period_start")["sessions"].sum().to_dict() == by_day.to_dict()
    assert traffic["traffic_key"].is_unique
