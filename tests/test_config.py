"""`[workspace]` in crmroi.toml: the engine's memory cap reaches the CLI's workspace."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crmroi import open_workspace
from crmroi.config import load_config
from crmroi.errors import ConfigError

CRMROI = str(Path(sys.executable).parent / "crmroi")


def memory_limit(path: Path, **options: object) -> str:
    ws = open_workspace(path, **options)  # type: ignore[arg-type]
    try:
        row = ws.con.con.execute("SELECT current_setting('memory_limit')").fetchone()
    finally:
        ws.close()
    assert row is not None
    return str(row[0])


def test_workspace_section_sets_the_cap(tmp_path: Path) -> None:
    config = tmp_path / "crmroi.toml"
    config.write_text('[workspace]\nmemory_limit = "256MiB"\n', encoding="utf-8")
    options = load_config(config).workspace.open_options()
    assert memory_limit(tmp_path / "a.duckdb", **options) == "256.0 MiB"
    config.write_text('[workspace]\nmemory_limit = "none"\n', encoding="utf-8")
    options = load_config(config).workspace.open_options()
    assert options["memory_limit"] is None
    assert memory_limit(tmp_path / "b.duckdb", **options) != "1.0 GiB"  # DuckDB's 80 % of RAM
    assert memory_limit(tmp_path / "c.duckdb") == "1.0 GiB"  # crmroi's default


def test_bad_cap_names_the_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "crmroi.toml"
    config.write_text('[workspace]\nmemory_limit = "lots"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"crmroi.toml: \[workspace\] memory_limit must be"):
        load_config(config)


def test_cli_reads_the_cap_from_the_current_folder(tmp_path: Path) -> None:
    """A typo in the cap stops every command with the file and key, before any work."""
    (tmp_path / "crmroi.toml").write_text('[workspace]\nmemory_limit = "2 gigs"\n')
    done = subprocess.run(
        [CRMROI, "init"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "[workspace] memory_limit must be a size" in done.stderr
    assert not (tmp_path / "crmroi.duckdb").exists()
    (tmp_path / "crmroi.toml").write_text('[workspace]\nmemory_limit = "300MB"\n')
    done = subprocess.run(
        [CRMROI, "init"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_readme_example_is_a_valid_config(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "crmroi.toml").write_text(block, encoding="utf-8")
    config = load_config(tmp_path / "crmroi.toml")
    assert config.company.lang == "de" and config.kpis.gross_margin == 0.7
    assert config.workspace.open_options() == {
        "memory_limit": "1GiB",
        "temp_directory": None,
        "lock_wait": 600.0,
    }
