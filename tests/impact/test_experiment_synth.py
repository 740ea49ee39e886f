"""`crmroi experiments` on the simulated company's planted e-mail test (``--experiment``).

Medium company, seed 0: the small one (830 members per arm) gives a tight visit interval but a
spend interval of about ±80 around a lift of 72, which cannot tell the lift from none; medium
(about 20,900 per arm) narrows it to about ±32. The estimates are checked against the truth
(95 % interval covers the true lift) and against pandas on the generated tables (point
estimates, members, values per arm).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crmroi import open_workspace
from crmroi.schema import TABLES_BY_NAME
from crmroi.synth import SyntheticCompany, generate
from tests.realdata.cli import crmroi

pytestmark = pytest.mark.slow  # a medium company: ~3 s to generate, ~5 s to load
TRUE_LIFT = {"visits": "visit_rate_lift", "spend": "spend_per_member_lift"}


@pytest.fixture(scope="module")
def company() -> SyntheticCompany:
    return generate("medium", seed=0, experiment=True)


@pytest.fixture(scope="module")
def planted(company: SyntheticCompany) -> dict[str, Any]:
    found = company.truth["experiment"]
    assert isinstance(found, dict)
    return found


@pytest.fixture(scope="module")
def workspace(company: SyntheticCompany, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("experiment") / "ws.duckdb"
    ws = open_workspace(path)
    for name, frame in company.tables.items():
        ws.con.insert(name, frame[list(TABLES_BY_NAME[name].column_names)])
    ws.close()
    return path


def oracle(company: SyntheticCompany, planted: dict[str, Any], outcome: str) -> pd.Series:
    """Per member of the test, its outcome in the window, by pandas: indexed by is_control."""
    t = company.tables
    m = t["campaign_members"]
    m = m[m["campaign_id"] == planted["campaign_id"]]
    lo = m["added_at"].iloc[0]
    hi = lo + pd.Timedelta(days=planted["window_days"])
    assert (m["added_at"] == lo).all()
    if outcome == "visits":
        tp, s = t["touchpoints"], t["web_sessions"]
        seen = set(
            tp.loc[(tp["interaction"] == "visit") & tp["occurred_at"].between(lo, hi), "contact_id"]
        )
        seen |= set(s.loc[s["contact_id"].notna() & s["started_at"].between(lo, hi), "contact_id"])
        y = m["contact_id"].isin(seen).astype(float)
    else:
        o = t["orders"]
        spent = o[o["occurred_at"].between(lo, hi)].groupby("contact_id")["amount"].sum()
        y = m["contact_id"].map(spent).fillna(0.0).astype(float)
    return pd.Series(y.to_numpy(), index=m["is_control"].to_numpy())


@pytest.mark.parametrize("outcome", ["visits", "spend"])
def test_the_planted_lift_is_covered_and_the_estimate_is_pandas(
    workspace: Path, company: SyntheticCompany, planted: dict[str, Any], outcome: str
) -> None:
    window = str(planted["window_days"])
    run = crmroi(
        workspace, "experiments", "--outcome", outcome, "--window", window, "--format", "json"
    )
    (row,) = [r for r in run.assert_ok().json() if r["unit"] == planted["campaign_id"]]
    assert (row["treated"], row["control"], row["left_out"]) == (
        planted["treated"],
        planted["control"],
        0,
    )
    y = oracle(company, planted, outcome)
    treated, control = y[~y.index].mean(), y[y.index].mean()
    assert row["treated_value"] == pytest.approx(treated, rel=1e-9)
    assert row["control_value"] == pytest.approx(control, rel=1e-9)
    assert row["lift"] == pytest.approx(treated - control, rel=1e-9)
    assert 0 < row["low"] <= planted[TRUE_LIFT[outcome]] <= row["high"]
    if outcome == "spend":  # the population value too: 0.30 × 0.40 × 600
        assert row["low"] <= planted["spend_per_member_lift_planted"] <= row["high"]
