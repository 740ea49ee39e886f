"""Every KPI by month (and owner, where it can be sliced so) against an independent pandas
computation (``oracle.py``) on the synthetic company; and the planted CRM effects.

The synthetic company (``crmroi.synth``) switches the CRM on 2024-07-01 and plants a win-rate
uplift and a shorter sales cycle for the reps who adopt it; two reps barely use it
(``truth["low_adoption_user_ids"]``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmroi import Workspace, open_workspace
from crmroi.metrics import REGISTRY, MetricQuery, query

from .kit import load
from .oracle import Oracle

synth = pytest.importorskip("crmroi.synth")


def _company(size: str, tmp: Path) -> tuple[Workspace, Oracle, dict[str, object]]:
    company = synth.generate(size, 0)
    ws = open_workspace(tmp / f"{size}.duckdb")
    load(ws, company.tables)
    return ws, Oracle(company.tables), company.truth


@pytest.fixture(scope="module")
def small(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Workspace, Oracle, dict[str, object]]]:
    ws, oracle, truth = _company("small", tmp_path_factory.mktemp("synth"))
    yield ws, oracle, truth
    ws.close()


def compare(ws: Workspace, oracle: Oracle, kpi: str) -> None:
    metric = REGISTRY.get(kpi)
    dims = ("owner",) if "owner" in metric.dimensions else ()
    q = MetricQuery(
        kpis=(kpi,), grain="month", dimensions=dims, start=date(2023, 1, 1), end=date(2025, 12, 31)
    )
    got = query(ws, q)
    keys = ["period_start", *dims]
    got = got.set_index(keys)["value"].astype(float)
    got.index = got.index.set_names(keys)
    want = getattr(oracle, kpi)("owner_id" if dims else None).astype(float)
    if want.empty:  # no targets in the synthetic company: the engine has no value either
        assert got.isna().all(), kpi
        return
    want.index = want.index.set_names(keys)
    if isinstance(want.index, pd.MultiIndex):
        want.index = want.index.set_levels(
            [pd.Index([x.date() for x in want.index.levels[0]]), *want.index.levels[1:]]
        )
    else:
        want.index = pd.Index([x.date() for x in want.index], name="period_start")
    both = pd.concat([got.rename("engine"), want.rename("pandas")], axis=1, join="outer")
    if metric.empty_is_zero:
        both = both.fillna(0.0)
    both = both.dropna(how="all")
    bad = both[~np.isclose(both["engine"], both["pandas"], rtol=1e-9, atol=1e-9, equal_nan=True)]
    assert bad.empty, f"{kpi}: {len(bad)} of {len(both)} cells differ\n{bad.head(10)}"
    assert both["engine"].notna().sum() >= 3, f"{kpi}: too few values to compare"


@pytest.mark.parametrize("kpi", REGISTRY.ids())
def test_kpi_matches_pandas_on_small_company(
    small: tuple[Workspace, Oracle, dict[str, object]], kpi: str
) -> None:
    ws, oracle, _ = small
    compare(ws, oracle, kpi)


def _reps(ws: Workspace) -> list[str]:
    users = ws.table("users").execute()
    return sorted(users.loc[users["role"] == "rep", "user_id"])


def _lowest_adopters(ws: Workspace, n: int) -> set[str]:
    """The n reps with the lowest crm_adoption_rate after the CRM went live."""
    q = MetricQuery(
        kpis=("crm_adoption_rate",),
        dimensions=("owner",),
        start=date(2024, 7, 1),
        end=date(2025, 12, 31),
        filters={"owner": _reps(ws)},
    )
    df = query(ws, q).sort_values("value")
    return set(df["owner"].head(n))


def test_low_adoption_reps_are_found(small: tuple[Workspace, Oracle, dict[str, object]]) -> None:
    """The reps planted as low adopters are exactly the ones with the lowest adoption rate."""
    ws, _, truth = small
    low = set(truth["low_adoption_user_ids"])  # type: ignore[call-overload]
    assert _lowest_adopters(ws, len(low)) == low


# Before/after windows by close date (the KPIs' period date). Cycles are capped at 180 days, so
# deals closed from 2024-12-28 on were all created after the CRM went live (2024-07-01); the
# "before" window starts six months into the history, so that its deals are not cut short by
# the start of the data.
BEFORE = (date(2023, 7, 1), date(2024, 6, 30))
AFTER = (date(2024, 12, 28), date(2025, 7, 4))
WIN_RATE_TOLERANCE = 0.03
"""Absolute tolerance on the win-rate uplift (medium company: ~1,200 and ~900 closed deals,
standard error of the difference ≈ 0.02)."""
CYCLE_RATIO_TOLERANCE = 0.06
"""Absolute tolerance on the after ÷ before ratio of the mean sales cycle."""


def _window(ws: Workspace, reps: list[str], window: tuple[date, date]) -> dict[str, float]:
    q = MetricQuery(
        kpis=("win_rate", "sales_cycle_days"),
        start=window[0],
        end=window[1],
        filters={"owner": reps},
    )
    df = query(ws, q)
    return dict(zip(df["kpi"], df["value"], strict=True))


@pytest.mark.slow
def test_planted_crm_effects_medium(tmp_path: Path) -> None:
    """Adopting reps: the win rate rises by the planted uplift (0.08; truth also gives the
    realised before/after rates of this dataset) and the mean cycle shrinks by the planted
    factor (0.75), each within the tolerances above; the low adopters are the lowest adopters."""
    ws, _, truth = _company("medium", tmp_path)
    effect = truth["crm_effect"]
    assert isinstance(effect, dict)
    low = set(truth["low_adoption_user_ids"])  # type: ignore[call-overload]
    adopters = [r for r in _reps(ws) if r not in low]
    before, after = _window(ws, adopters, BEFORE), _window(ws, adopters, AFTER)
    uplift = after["win_rate"] - before["win_rate"]
    assert uplift == pytest.approx(effect["win_rate_uplift_planted"], abs=WIN_RATE_TOLERANCE)
    realised = effect["win_rate_after"] - effect["win_rate_before"]
    assert uplift == pytest.approx(realised, abs=WIN_RATE_TOLERANCE)
    ratio = after["sales_cycle_days"] / before["sales_cycle_days"]
    assert ratio == pytest.approx(effect["cycle_factor_planted"], abs=CYCLE_RATIO_TOLERANCE)
    assert _lowest_adopters(ws, len(low)) == low
    ws.close()


@pytest.mark.slow
@pytest.mark.parametrize("kpi", REGISTRY.ids())
def test_kpi_matches_pandas_on_medium_company(
    medium: tuple[Workspace, Oracle, dict[str, object]], kpi: str
) -> None:
    ws, oracle, _ = medium
    compare(ws, oracle, kpi)


@pytest.fixture(scope="module")
def medium(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Workspace, Oracle, dict[str, object]]]:
    ws, oracle, truth = _company("medium", tmp_path_factory.mktemp("synth_medium"))
    yield ws, oracle, truth
    ws.close()
