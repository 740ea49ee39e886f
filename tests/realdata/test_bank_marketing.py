"""UCI bank telemarketing through the CLI, against pandas and the README: bank-full.csv 45,211
calls, y = yes 5,289 (11.70 %); bank-additional-full.csv 41,188, 4,640 (11.27 %), cellular
14.74 %, telephone 5.23 %. Each call is a deal, won when the client subscribed; its channel is
the contact type (docs/examples/bank-marketing.toml).
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

FOLDER = Path("uci_bank_marketing")
FULL, ADDITIONAL = "bank-full.csv", "bank-additional-full.csv"


def _calls(shared_data: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(shared_data / FOLDER / name, sep=";")


@pytest.fixture(scope="module")
def loaded(shared_data: Path, examples: Path, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    """The additional file (the README's per-channel rates) is the module's workspace."""
    path = tmp_path_factory.mktemp("bank") / "ws.duckdb"
    return load(
        path, (shared_data / FOLDER / ADDITIONAL, "--map", examples / "bank-marketing.toml")
    )


@pytest.fixture(scope="module")
def full(shared_data: Path, examples: Path, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    path = tmp_path_factory.mktemp("bank-full") / "ws.duckdb"
    return load(path, (shared_data / FOLDER / FULL, "--map", examples / "bank-marketing.toml"))


@pytest.mark.parametrize(
    ("name", "rows", "yes"), [(FULL, 45_211, 5_289), (ADDITIONAL, 41_188, 4_640)]
)
def test_pandas_oracle_equals_readme(shared_data: Path, name: str, rows: int, yes: int) -> None:
    calls = _calls(shared_data, name)
    assert (len(calls), (calls["y"] == "yes").sum()) == (rows, yes)


def test_full_file_yes_rate_equals_pandas(full: Loaded, shared_data: Path) -> None:
    (f,) = full.files
    calls = _calls(shared_data, FULL)
    assert (f["rows_read"], f["rows_loaded"], f["rows_quarantined"]) == (len(calls), 45_211, 0)
    values = kpi_values(full.path, "-k", "won_deals", "-k", "win_rate")
    assert values[("won_deals",)] == (calls["y"] == "yes").sum()
    assert values[("win_rate",)] == pytest.approx((calls["y"] == "yes").mean())
    assert round(100 * values[("win_rate",)], 2) == 11.70


def test_yes_rate_by_channel_equals_pandas_and_readme(ws: Path, shared_data: Path) -> None:
    calls = _calls(shared_data, ADDITIONAL)
    want = (calls["y"] == "yes").groupby(calls["contact"]).agg(["sum", "mean"])
    values = kpi_values(ws, "-k", "won_deals", "-k", "win_rate", "--by", "channel")
    for channel, (won, rate) in want.iterrows():
        assert values[("won_deals", channel)] == won, channel
        assert values[("win_rate", channel)] == pytest.approx(rate), channel
    assert round(100 * values[("win_rate", "cellular")], 2) == 14.74
    assert round(100 * values[("win_rate", "telephone")], 2) == 5.23
    overall = kpi_values(ws, "-k", "win_rate")[("win_rate",)]
    assert overall == pytest.approx((calls["y"] == "yes").mean())
    assert round(100 * overall, 2) == 11.27


@pytest.mark.parametrize("lang", LANGS)
def test_report_sales_section_shows_won_deals(reports: dict, lang: str, shared_data: Path) -> None:
    """The sales section shows the won deals pandas counts (4,640), as the language writes it."""
    assert int((_calls(shared_data, ADDITIONAL)["y"] == "yes").sum()) == 4640
    assert count_text(4640, lang) in section(reports, lang, "sales").all_text


class TestWorkspaceContract(WorkspaceContract):
    """The checks every dataset's workspace passes (contract.py)."""
