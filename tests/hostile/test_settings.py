"""Hostile and careless settings (issue 16.8, 16.10): each stops with the file, the key and a fix.

A typo in ``crmroi.toml`` used to leave the default in force without a word; an impossible value
(a memory cap of 1 KB, a go-live in 2099, Latin-1 bytes) used to surface as an internal error or
as a nonsense analysis. The CLI cases run the real ``crmroi`` executable in a folder of its own.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from crmroi.config import load_config, memory_bytes
from crmroi.errors import ConfigError

CRMROI = str(Path(sys.executable).parent / "crmroi")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "crmroi.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("section", "typo", "value", "suggestion"),
    [
        ("company", "nmae", '"Acme"', "name"),
        ("roi", "discount_rat", "0.1", "discount_rate"),
        ("kpis", "gros_margin", "0.5", "gross_margin"),
        ("workspace", "memory_limt", '"1GiB"', "memory_limit"),
    ],
)
def test_mistyped_key_names_file_key_and_closest_name(
    tmp_path: Path, section: str, typo: str, value: str, suggestion: str
) -> None:
    path = write(tmp_path, f"[{section}]\n{typo} = {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        f"{path}: [{section}] unknown key {typo!r} (did you mean {suggestion!r}?)"
    )


def test_key_with_no_close_name_lists_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, '[workspace]\nzzz = "1"\n')
    with pytest.raises(
        ConfigError,
        match=r"unknown key 'zzz' \(known: lock_wait_seconds, memory_limit, temp_directory\)",
    ):
        load_config(path)


def test_mistyped_section_and_scenario_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[compnay]\nname = "Acme"\n')
    with pytest.raises(ConfigError, match=r"unknown section \[compnay\] \(did you mean 'company'"):
        load_config(path)
    path = write(tmp_path, '[[roi.scenarios]]\nname = "a"\nbenfit_factor = 2\n')
    with pytest.raises(
        ConfigError,
        match=r"\[roi\] scenarios\[1\]: unknown key 'benfit_factor' \(did you mean 'benefit_f",
    ):
        load_config(path)


def test_correct_keys_still_load(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[company]\nname = "Acme"\nadoption_date = 2024-07-01\n'
        "[roi]\ndiscount_rate = 0.08\n"
        '[[roi.scenarios]]\nname = "double"\nbenefit_factor = 2.0\n',
    )
    config = load_config(path)
    assert config.company.adoption_date == date(2024, 7, 1)
    assert config.roi.discount_rate == 0.08
    assert [s.benefit_factor for s in config.roi.scenarios] == [2.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[company]\nadoption_date = 2099-01-01\n",
            "[company] adoption_date 2099-01-01 is in the future",
        ),
        (
            "[company]\nadoption_date = 1899-12-31\n",
            "[company] adoption_date 1899-12-31 is before 1980",
        ),
        ("[roi]\nadoption_date = 2099-01-01\n", "[roi] adoption_date 2099-01-01 is in the future"),
        ("[roi]\nstart = 2099-01-01\n", "[roi] start 2099-01-01 is in the future"),
    ],
)
def test_go_live_outside_any_data_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_go_live_today_is_accepted(tmp_path: Path) -> None:
    today = date.today()
    path = write(tmp_path, f"[company]\nadoption_date = {today.isoformat()}\n")
    assert load_config(path).company.adoption_date == today
    path = write(tmp_path, f"[company]\nadoption_date = {(today + timedelta(1)).isoformat()}\n")
    with pytest.raises(ConfigError, match="in the future"):
        load_config(path)


def test_memory_sizes_follow_duckdb_units() -> None:
    """KB = 1000 bytes, KiB = 1024 bytes, as DuckDB reads them."""
    assert memory_bytes("1KB") == 1000
    assert memory_bytes("64MiB") == 64 * 1024 * 1024
    assert memory_bytes("1.5 GB") == 1_500_000_000
    assert memory_bytes("4gib") == 4 * 1024**3


@pytest.mark.parametrize("limit", ["1KB", "32MB", "63MiB"])
def test_memory_cap_too_small_for_duckdb_is_refused(tmp_path: Path, limit: str) -> None:
    path = write(tmp_path, f'[workspace]\nmemory_limit = "{limit}"\n')
    with pytest.raises(ConfigError, match=rf"\[workspace\] memory_limit '{limit}' is too small"):
        load_config(path)


def test_non_utf8_config_names_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "crmroi.toml"
    path.write_bytes('[company]\nname = "Müller"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        f"{path}: not UTF-8 text (byte 0xfc at offset 19); save it as UTF-8"
    )


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CRMROI, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (b"[roi]\ndiscount_rat = 0.1\n", "unknown key 'discount_rat' (did you mean"),
        (b'[workspace]\nmemory_limit = "1KB"\n', "memory_limit '1KB' is too small"),
        ('[company]\nname = "Müller"\n'.encode("cp1252"), "not UTF-8 text (byte 0xfc"),
        (b"[company]\nadoption_date = 2099-01-01\n", "2099-01-01 is in the future"),
    ],
)
def test_cli_stops_with_one_line_before_any_work(
    tmp_path: Path, toml: bytes, expected: str
) -> None:
    (tmp_path / "crmroi.toml").write_bytes(toml)
    done = run(tmp_path, "kpis")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: crmroi.toml: ")
    assert expected in lines[0]
    assert "internal error" not in done.stderr
    assert not (tmp_path / "crmroi.duckdb").exists()


@pytest.mark.parametrize("out", ["", ".", "folder"])
def test_report_out_without_a_file_name_is_a_clear_error(tmp_path: Path, out: str) -> None:
    (tmp_path / "folder").mkdir()
    assert run(tmp_path, "init").returncode == 0
    done = run(tmp_path, "report", "--out", out)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: --out needs a file name such as report.html")
    assert len(done.stderr.strip().splitlines()) == 1
