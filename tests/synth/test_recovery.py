"""Known-truth recovery on the medium company (~50k contacts): tighter, slower checks.

Tolerances are ``TOL`` standard errors of the sample at hand, as in ``test_truth.py``; the
medium size makes those errors small enough that a wrong planted effect would fail.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmroi.synth import SyntheticCompany, generate, write
from tests.synth import test_truth as checks
from tests.synth.test_truth import _conversion_gap, _converted, _crm_windows, _se

pytestmark = pytest.mark.slow
TOL = 3.5


@pytest.fixture(scope="module")
def medium() -> SyntheticCompany:
    return generate("medium", seed=7)


@pytest.mark.parametrize(
    "check",
    [
        "test_win_rate_before_and_after_adoption",
        "test_low_adoption_reps_barely_log_in",
        "test_lead_response_time_improves_for_adopters",
        "test_workflow_holdouts_recover_the_planted_lift",
        "test_campaign_controls_recover_the_planted_lift",
        "test_cost_ledger_total",
        "test_churn_hazard_is_recoverable",
        "test_nps_and_duplicates",
        "test_declining_accounts_fade_before_churn",
    ],
)
def test_small_checks_hold_on_medium(medium: SyntheticCompany, check: str) -> None:
    getattr(checks, check)(medium.tables, medium.truth)


def test_win_rate_uplift_is_tight(medium: SyntheticCompany) -> None:
    before, after = _crm_windows(medium.tables, medium.truth)
    r0, r1 = (before["status"] == "won").mean(), (after["status"] == "won").mean()
    se = np.hypot(_se(r0, len(before)), _se(r1, len(after)))
    assert se < 0.025
    assert abs((r1 - r0) - 0.08) < TOL * se


def test_cycle_factor_per_pipeline(medium: SyntheticCompany) -> None:
    before, after = _crm_windows(medium.tables, medium.truth)

    def days(frame: pd.DataFrame) -> pd.Series:
        return (frame["closed_at"] - frame["created_at"]).dt.total_seconds() / 86_400

    for pipeline in ("sales", "enterprise"):
        b = days(before[before["pipeline"] == pipeline])
        a = days(after[after["pipeline"] == pipeline])
        ratio = a.mean() / b.mean()
        se = ratio * np.hypot(
            a.std() / a.mean() / np.sqrt(len(a)), b.std() / b.mean() / np.sqrt(len(b))
        )
        assert abs(ratio - medium.truth["crm_effect"]["cycle_factor_planted"]) < TOL * se


def test_churn_hazard_per_segment(medium: SyntheticCompany) -> None:
    t = medium.tables
    subs = t["orders"][t["orders"]["kind"] == "subscription"]
    per = (
        subs.assign(month=subs["occurred_at"].dt.to_period("M"))
        .groupby("deal_id")["month"]
        .agg(["count", "max"])
    )
    per["churned"] = per["max"] < pd.Period("2025-12", "M")
    per["exposure"] = np.where(per["churned"], per["count"], per["count"] - 1)
    product = t["deals"].set_index("deal_id").loc[per.index, "product"]
    planted = medium.truth["churn"]["monthly_hazard_planted"]
    for segment, name in [
        ("SMB", "Starter"),
        ("Mid-Market", "Professional"),
        ("Enterprise", "Enterprise Suite"),
    ]:
        rows = per[product == name]
        hazard = rows["churned"].sum() / rows["exposure"].sum()
        se = np.sqrt(planted[segment] / rows["exposure"].sum())
        assert abs(hazard - planted[segment]) < TOL * se, segment


def test_every_workflow_lift_is_close(medium: SyntheticCompany) -> None:
    converted = _converted(medium.tables)
    enrol = medium.tables["workflow_enrollments"]
    for wf in medium.truth["marketing"]["workflows"]:
        rows = enrol[
            (enrol["workflow_id"] == wf["workflow_id"]) & enrol["contact_id"].isin(converted.index)
        ]
        conv = rows["contact_id"].map(converted)
        gap, se = _conversion_gap(conv[~rows["holdout"]], conv[rows["holdout"]])
        assert se < 0.04
        assert abs(gap - wf["lift"]) < TOL * se, wf["name"]


def test_every_order_kind_occurs(medium: SyntheticCompany) -> None:
    kinds = set(medium.tables["orders"]["kind"])
    assert kinds == {"order", "subscription", "return", "cancellation"}


def test_seasonality_and_trend(medium: SyntheticCompany) -> None:
    created = medium.tables["contacts"]["created_at"]
    monthly = created.dt.to_period("M").value_counts().sort_index()
    for year in (2023, 2024, 2025):
        months = monthly[monthly.index.year == year]
        assert months.idxmin().month == 8, year
        q4 = months[months.index.month >= 10].sum()
        q2 = months[(months.index.month >= 4) & (months.index.month <= 6)].sum()
        assert q4 > 1.1 * q2
    yearly = created.dt.year.value_counts().sort_index()
    assert yearly[2023] < yearly[2024] < yearly[2025]


def test_medium_imports_cleanly_as_parquet(medium: SyntheticCompany, tmp_path: Path) -> None:
    from crmroi import open_workspace
    from crmroi.ingest.canonical import import_file

    write(medium, tmp_path, "parquet")
    with open_workspace(tmp_path / "ws.duckdb") as ws:
        for name, frame in medium.tables.items():
            result = import_file(ws, tmp_path / f"{name}.parquet")
            assert result.rows_quarantined == 0, name
            assert result.rows_loaded == len(frame), name
