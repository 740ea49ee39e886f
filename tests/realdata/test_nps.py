"""BT broadband NPS answers, from the raw file through the CLI, against pandas and the README.

README: 2,353 scored answers of 2,385: 690 promoters, 392 passives, 1,271 detractors, NPS −24.69;
by stage Order −9.98, First Payment −29.29, Equipment Received −56.71, Service in Use −76.67;
dates day-first; 32 rows without a score.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from .cli import (
    Loaded,
    crmroi,
    kpi_values,
    load,
)
from .contract import WorkspaceContract
from .reports import (
    LANGS,
    section,
)

FILE = Path("nps_bt_verbatims") / "nps_verbatims.csv"


@pytest.fixture(scope="module")
def raw(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / FILE)


@pytest.fixture(scope="module")
def oracle(raw: pd.DataFrame) -> pd.DataFrame:
    """Promoters (9–10), passives (7–8), detractors (0–6) and NPS, overall ('') and per stage."""
    scored = raw.dropna(subset=["NPS_SCORE"])

    def bands(g: pd.DataFrame) -> pd.Series:
        s = g["NPS_SCORE"]
        p, d = int((s >= 9).sum()), int((s <= 6).sum())
        return pd.Series(
            {"promoters": p, "passives": int(s.between(7, 8).sum()), "detractors": d,
             "answered": len(s), "nps": 100 * (p - d) / len(s)}
        )  # fmt: skip

    per_stage = scored.groupby("SURVEY_SUB_TYPE").apply(bands, include_groups=False)
    return pd.concat([bands(scored).to_frame("").T, per_stage])


@pytest.fixture(scope="module")
def loaded(shared_data: Path, examples: Path, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    path = tmp_path_factory.mktemp("nps") / "ws.duckdb"
    return load(path, (shared_data / FILE, "--map", examples / "nps-verbatims.toml"))


def test_import_keeps_every_answer(loaded: Loaded) -> None:
    """2,385 rows read, all loaded (the 32 without a score too), none quarantined."""
    (f,) = loaded.files
    assert (f["rows_read"], f["rows_loaded"], f["rows_quarantined"]) == (2385, 2385, 0)
    assert f["table"] == "survey_responses"


def test_surveys_nps_equals_pandas_and_readme(ws: Path, oracle: pd.DataFrame) -> None:
    (row,) = crmroi(ws, "surveys", "--format", "json").assert_ok().json()["nps"]
    want = oracle.loc[""]
    assert (row["promoters"], row["passives"], row["detractors"], row["answered"]) == (
        want.promoters, want.passives, want.detractors, want.answered,
    ) == (690, 392, 1271, 2353)  # fmt: skip
    assert (row["responses"], row["missing"]) == (2385, 32)
    assert row["nps"] == pytest.approx(want.nps) == pytest.approx(-24.69, abs=0.005)
    assert row["nps_low"] < row["nps"] < row["nps_high"]


def test_surveys_by_stage_equals_pandas_and_readme(ws: Path, oracle: pd.DataFrame) -> None:
    rows = crmroi(ws, "surveys", "--by", "stage", "--format", "json").assert_ok().json()["nps"]
    got = {r["stage"]: r for r in rows}
    stages = [s for s in oracle.index if s]
    assert sorted(got) == sorted(stages)
    for stage in stages:
        assert got[stage]["answered"] == oracle.loc[stage, "answered"], stage
        assert got[stage]["nps"] == pytest.approx(oracle.loc[stage, "nps"]), stage
    readme = {"Order": -9.98, "First Payment": -29.29, "Equipment Received": -56.71,
              "Service in Use": -76.67}  # fmt: skip
    for stage, nps in readme.items():
        assert got[stage]["nps"] == pytest.approx(nps, abs=0.005), stage


def test_surveys_by_month_reads_dates_day_first(ws: Path, raw: pd.DataFrame) -> None:
    """'11/04/2018 20:09' is 11 April: answers per month equal pandas' dayfirst parse."""
    rows = crmroi(ws, "surveys", "--by", "month", "--format", "json").assert_ok().json()["nps"]
    months = pd.to_datetime(raw["CUSTOMER_RESPONSE_DATE"], dayfirst=True).dt.strftime("%Y-%m")
    want = months.value_counts().sort_index()
    got = {str(r["month"])[:7]: r["responses"] for r in rows}
    assert got == want.to_dict()


def test_kpi_nps_equals_pandas(ws: Path, oracle: pd.DataFrame) -> None:
    values = kpi_values(ws, "-k", "nps")
    assert values[("nps",)] == pytest.approx(oracle.loc["", "nps"])


@pytest.mark.parametrize("lang", LANGS)
def test_report_customers_section_shows_the_nps(
    reports: dict, lang: str, oracle: pd.DataFrame
) -> None:
    """Pandas' NPS (−24.6919…) shown to two decimals, as the language writes them (−24.69 in
    English, −24,69 in German), with either minus sign."""
    nps = float(oracle["nps"].loc[""])
    assert round(nps, 2) == -24.69
    shown = f"{abs(nps):.2f}".replace(".", "," if lang == "de" else ".")
    text = section(reports, lang, "customers").all_text
    assert re.search(rf"[−-]\s?{re.escape(shown)}(?!\d)", text), text[:500]


class TestWorkspaceContract(WorkspaceContract):
    """The checks every dataset's workspace passes (contract.py)."""
