"""MineThatData e-mail test through the CLI, against pandas and the README: Mens E-Mail 21,307
customers, visits 18.28 %, conversion 1.253 %, spend 30,311.69 (1.4226 per customer); Womens
E-Mail 21,387, 15.14 %, 0.884 %, 23,038.11; No E-Mail (control) 21,306, 10.62 %, 0.573 %,
13,908.33 (0.6528).

Each customer is a deal (won when they bought, amount = spend, channel = test group) and a
member of one e-mail campaign whose No E-Mail group is the control (docs/examples/hillstrom-*.toml);
`crmroi experiments` also reads a touchpoint per customer that says whether they visited.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from .cli import (
    Loaded,
    crmroi,
    imported,
    kpi_values,
    load,
)
from .contract import WorkspaceContract
from .reports import (
    LANGS,
    count_text,
    section,
)

FILE = Path("hillstrom_email_campaign") / "hillstrom.csv"
README_OUTCOMES = {  # visit rate, conversion rate, spend per customer
    "Mens E-Mail": (0.1828, 0.01253, 1.4226),
    "Womens E-Mail": (0.1514, 0.00884, 1.0772),
    "No E-Mail": (0.1062, 0.00573, 0.6528),
}
OUTCOMES = {"visits": "visit", "conversions": "conversion", "spend": "spend"}
"""`crmroi experiments --outcome` → the file's column it is measured on."""
CONTROL = "No E-Mail"
README = {
    "Mens E-Mail": (21_307, 0.01253, 30_311.69),
    "Womens E-Mail": (21_387, 0.00884, 23_038.11),
    "No E-Mail": (21_306, 0.00573, 13_908.33),
}


@pytest.fixture(scope="module")
def groups(shared_data: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared_data / FILE)
    return raw.groupby("segment").agg(
        customers=("conversion", "size"),
        conversions=("conversion", "sum"),
        rate=("conversion", "mean"),
        spend=("spend", "sum"),
        won_spend=("spend", lambda s: s[raw.loc[s.index, "conversion"] == 1].sum()),
    )


@pytest.fixture(scope="module")
def loaded(shared_data: Path, examples: Path, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    path = tmp_path_factory.mktemp("hillstrom") / "ws.duckdb"
    return load(
        path,
        (shared_data / FILE, "--map", examples / "hillstrom-deals.toml"),
        (shared_data / FILE, "--map", examples / "hillstrom-members.toml"),
    )


def test_pandas_oracle_equals_readme(groups: pd.DataFrame) -> None:
    for segment, (customers, rate, spend) in README.items():
        assert groups.loc[segment, "customers"] == customers, segment
        assert groups.loc[segment, "rate"] == pytest.approx(rate, abs=5e-6), segment
        assert groups.loc[segment, "spend"] == pytest.approx(spend, abs=0.005), segment


def test_import_loads_every_customer_twice(loaded: Loaded) -> None:
    """64,000 deals and 64,000 campaign members: one file under two mappings and tables."""
    deals, members = loaded.files
    assert (deals["table"], deals["rows_loaded"], deals["rows_quarantined"]) == ("deals", 64_000, 0)
    assert (members["table"], members["rows_loaded"], members["rows_quarantined"]) == (
        "campaign_members", 64_000, 0,
    )  # fmt: skip


def test_group_sizes_conversions_and_spend_equal_pandas(ws: Path, groups: pd.DataFrame) -> None:
    """Per test group: deals = customers, won deals = conversions, win rate = conversion rate,
    won revenue = spend of the converted (spend without a conversion is not revenue)."""
    values = kpi_values(
        ws, "-k", "won_deals", "-k", "lost_deals", "-k", "win_rate", "-k", "won_revenue",
        "--by", "channel",
    )  # fmt: skip
    for segment, g in groups.iterrows():
        won, lost = values[("won_deals", segment)], values[("lost_deals", segment)]
        assert (won, won + lost) == (g.conversions, g.customers), segment
        assert values[("win_rate", segment)] == pytest.approx(g.rate), segment
        assert values[("won_revenue", segment)] == pytest.approx(g.won_spend, abs=0.005), segment


@pytest.mark.parametrize("lang", LANGS)
def test_report_sales_section_shows_won_deals(
    reports: dict, lang: str, groups: pd.DataFrame
) -> None:
    """The sales section shows the won deals pandas counts (578), as the language writes it."""
    assert int(groups["conversions"].sum()) == 578
    assert count_text(578, lang) in section(reports, lang, "sales").all_text


@pytest.mark.parametrize("lang", LANGS)
def test_report_impact_section_compares_campaign_with_control(reports: dict, lang: str) -> None:
    """The e-mail campaign against its No E-Mail control group is the strongest evidence this
    data holds: the impact section lists it. The file has one date for everyone, so the default
    180-day conversion window leaves all 64,000 members out, and the note says so and which
    window keeps them (the test ran two weeks: 2008-03-01 … 03-15)."""
    text = section(reports, lang, "impact").all_text
    assert "hillstrom:email" in text
    assert {
        "en": "64,000 of 64,000 members left out",
        "de": "64.000 von 64.000 Mitgliedern ausgelassen",
    }[lang] in text
    assert "--window 14" in text


class TestWorkspaceContract(WorkspaceContract):
    """The checks every dataset's workspace passes (contract.py)."""


@pytest.fixture(scope="module")
def raw(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / FILE)


@pytest.fixture(scope="module")
def with_visits(
    loaded: Loaded, examples: Path, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A copy of the workspace with the visit touchpoints added (kept out of the reported one:
    attribution would credit the `no_visit` rows)."""
    path = tmp_path_factory.mktemp("hillstrom-visits") / "ws.duckdb"
    shutil.copy(loaded.path, path)
    (visits,) = imported(path, shared_data / FILE, "--map", examples / "hillstrom-visits.toml")
    assert (visits["table"], visits["rows_loaded"], visits["rows_quarantined"]) == (
        "touchpoints", 64_000, 0,
    )  # fmt: skip
    return path


def experiment_rows(path: Path, outcome: str, *args: str) -> dict[str, dict]:
    run = crmroi(path, "experiments", "--outcome", outcome, "--format", "json", *args)
    return {r["segment"]: r for r in run.assert_ok().json()}


def test_pandas_oracle_equals_readme_outcomes(raw: pd.DataFrame) -> None:
    means = raw.groupby("segment")[["visit", "conversion", "spend"]].mean()
    for segment, (visit, conversion, spend) in README_OUTCOMES.items():
        assert means.loc[segment, "visit"] == pytest.approx(visit, abs=5e-5), segment
        assert means.loc[segment, "conversion"] == pytest.approx(conversion, abs=5e-6), segment
        assert means.loc[segment, "spend"] == pytest.approx(spend, abs=5e-5), segment


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_experiments_reproduce_each_arm_against_control(
    with_visits: Path, raw: pd.DataFrame, outcome: str
) -> None:
    """Each e-mail arm against the No E-Mail group over the test's two weeks: the group figures
    equal pandas on the raw file; the lift's 95 % interval and p-value equal an independent
    computation (rates: Agresti–Caffo by hand, statsmodels' pooled z test; spend: SciPy's Welch
    t test)."""
    column = OUTCOMES[outcome]
    rows = experiment_rows(with_visits, outcome, "--segment", "arm", "--window", "14")
    assert set(rows) == {"Mens E-Mail", "Womens E-Mail"}
    y0 = raw.loc[raw["segment"] == CONTROL, column]
    for arm, row in rows.items():
        y1 = raw.loc[raw["segment"] == arm, column]
        assert (row["unit"], row["treated"], row["control"], row["left_out"]) == (
            "hillstrom:email", len(y1), len(y0), 0,
        )  # fmt: skip
        assert row["treated_value"] == pytest.approx(y1.mean(), rel=1e-12), arm
        assert row["control_value"] == pytest.approx(y0.mean(), rel=1e-12), arm
        assert row["treated_value"] == pytest.approx(
            README_OUTCOMES[arm][list(OUTCOMES).index(outcome)], abs=5e-5
        )
        assert row["lift"] == pytest.approx(y1.mean() - y0.mean(), rel=1e-12), arm
        if row["kind"] == "rate":
            low, high = agresti_caffo(int(y1.sum()), len(y1), int(y0.sum()), len(y0))
            _, p_value = proportions_ztest([y1.sum(), y0.sum()], [len(y1), len(y0)])
        else:
            welch = stats.ttest_ind(y1, y0, equal_var=False)
            low, high = welch.confidence_interval(0.95)
            p_value = welch.pvalue
        assert (row["low"], row["high"]) == pytest.approx((low, high), rel=1e-9), arm
        assert row["p_value"] == pytest.approx(p_value, rel=1e-6), arm
        assert row["low"] > 0, f"{arm}: the e-mail raised {outcome} beyond doubt"
        assert row["incremental"] == pytest.approx(row["lift"] * len(y1), rel=1e-12), arm


def agresti_caffo(x1: int, n1: int, x0: int, n0: int) -> tuple[float, float]:
    """Agresti & Caffo (2000): Wald after one success and one failure added to each group."""
    p1, p0 = (x1 + 1) / (n1 + 2), (x0 + 1) / (n0 + 2)
    se = math.sqrt(p1 * (1 - p1) / (n1 + 2) + p0 * (1 - p0) / (n0 + 2))
    z = stats.norm.ppf(0.975)
    return p1 - p0 - z * se, p1 - p0 + z * se


def test_experiment_on_all_treated_equals_pandas(with_visits: Path, raw: pd.DataFrame) -> None:
    """Without a segment the two e-mail arms are one treated group."""
    (row,) = experiment_rows(with_visits, "conversions", "--window", "14").values()
    treated = raw.loc[raw["segment"] != CONTROL, "conversion"]
    assert (row["segment"], row["treated"]) == ("all", len(treated))
    assert row["treated_value"] == pytest.approx(treated.mean(), rel=1e-12)


def test_window_longer_than_the_data_says_which_and_why(with_visits: Path) -> None:
    """The file ends with the test's two weeks: a 180-day window leaves every member out, and
    the row names the campaign, the window, the data's end and the window that keeps them."""
    (row,) = experiment_rows(with_visits, "spend", "--window", "180").values()
    assert (row["unit"], row["treated"], row["control"], row["left_out"]) == (
        "hillstrom:email", 0, 0, 64_000,
    )  # fmt: skip
    assert row["lift"] is None
    for part in ("180-day window", "2008-03-15", "--window 14"):
        assert part in row["reason"], part
