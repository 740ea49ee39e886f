"""Oracle tests of the funnel, stage KPIs and the forecast on the seven-deal company of
``test_sales`` (see its module docstring for the deals and their stage history).

Reach (highest open position; won = past the last open stage, 3; lost stages never count):
d1 3, d2 3, d3 0, d4 3, d5 1 (qual), d6 2 (prop, skipped qual), d7 1.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from crmroi import Workspace
from crmroi.metrics import Grain, MetricQuery, query
from crmroi.metrics import forecast as fc
from crmroi.metrics import funnel as fn

from .test_sales import fill_sales


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    fill_sales(workspace)
    return workspace


def by_stage(ws: Workspace, kpi: str, **kw: object) -> dict[str, float]:
    df = query(ws, MetricQuery(kpis=(kpi,), dimensions=("stage",), **kw))  # type: ignore[arg-type]
    return dict(zip(df["stage"], df["value"], strict=True))


def test_stage_conversion_rate(ws: Workspace) -> None:
    """Entries into open stages and whether the deal got further (reach > position):
    new: 7 entries, all but d3 passed → 6/7; qual: d2 d4 passed, d5 d7 not → 2/4;
    prop: d4 passed (won), d6 not → 1/2; pooled 9/13. January only: new d1 d2 d3 d4 d5 (4/5),
    qual d2 d4 d5 (2/3), prop d4 (1/1) → 7/9."""
    assert by_stage(ws, "stage_conversion_rate") == pytest.approx(
        {"new": 6 / 7, "qual": 0.5, "prop": 0.5}
    )
    df = query(ws, MetricQuery(kpis=("stage_conversion_rate",)))
    assert df["value"].iloc[0] == pytest.approx(9 / 13)
    df = query(
        ws,
        MetricQuery(
            kpis=("stage_conversion_rate",),
            grain="month",
            start=date(2024, 1, 1),
            end=date(2024, 1, 31),
        ),
    )
    assert df["value"].iloc[0] == pytest.approx(7 / 9)


def test_time_in_stage(ws: Workspace) -> None:
    """Days to the next entry (or close): new d1 10, d2 5, d3 10, d4 14, d5 5, d6 5, d7 4 →
    53/7; qual d2 15, d4 5, d7 10 → 10 (d5 still there); prop d4 21 (d6 still there);
    pooled 104/11."""
    assert by_stage(ws, "time_in_stage_days") == pytest.approx(
        {"new": 53 / 7, "qual": 10.0, "prop": 21.0}
    )
    df = query(ws, MetricQuery(kpis=("time_in_stage_days",)))
    assert df["value"].iloc[0] == pytest.approx(104 / 11)


def test_funnel_counts_skipped_stages_as_passed(ws: Workspace) -> None:
    """Reached new: 7; qual: all with reach ≥ 1 = 6 (d6 skipped qual but counts); prop:
    reach ≥ 2 = d1 d2 d4 d6 = 4; won (reach 3, the last step): d1 d2 d4 = 3. Adjacent 6/7,
    4/6, 3/4; cumulative 1, 6/7, 4/7, 3/7; drop-off 1, 2, 1. Mean days in new 53/7."""
    df = fn.funnel(ws).set_index("stage")
    assert list(df.index) == ["new", "qual", "prop", "won"]
    assert list(df["reached"]) == [7, 6, 4, 3]
    assert list(df["position"]) == [0, 1, 2, 3]
    assert df.loc["new", "adjacent_conversion"] == pytest.approx(6 / 7)
    assert df.loc["qual", "adjacent_conversion"] == pytest.approx(4 / 6)
    assert df.loc["prop", "adjacent_conversion"] == pytest.approx(3 / 4)
    assert list(df["cumulative_conversion"]) == pytest.approx([1, 6 / 7, 4 / 7, 3 / 7])
    assert list(df["drop_off"].iloc[:3]) == [1, 2, 1]
    assert df.loc["new", "mean_days"] == pytest.approx(53 / 7)


def test_lost_reasons(ws: Workspace) -> None:
    """Two lost deals without a reason: one row '(none)', 2 deals, 1,200, share 1."""
    df = fn.lost_reasons(ws)
    assert df.to_dict("records") == [
        {"reason": "(none)", "deals": 2, "amount": 1200.0, "share": 1.0}
    ]


def test_stage_probabilities_are_empirical(ws: Workspace) -> None:
    """Closed deals that entered each stage: new 3 won of 5, qual 2 of 3, prop 1 of 1."""
    df = fc.stage_probabilities(ws).execute().set_index("stage")
    assert df.loc["new", "probability"] == pytest.approx(0.6)
    assert df.loc["qual", "probability"] == pytest.approx(2 / 3)
    assert df.loc["prop", "probability"] == 1.0


def test_period_win_rates_know_timing(ws: Workspace) -> None:
    """As of Mar 1, over the months that ended by then: open at Jan 1, nothing; open at Feb 1,
    d4 in prop (won Feb 10) and d5 in qual (still open) → q(prop) = 1/1, q(qual) = 0/1."""
    df = fc.period_win_rates(ws, Grain.month, datetime(2024, 3, 1)).execute()
    q = dict(zip(df["stage"], df["q"], strict=True))
    assert q == {"prop": 1.0, "qual": 0.0}


def test_forecast_current_period(ws: Workspace) -> None:
    """As of Feb 15: won so far in February d4 2,000. Win rates from the 12 months that ended
    by Feb 1: nobody was open at a month start, so every q is 0 and the open deals add 0. New
    business: deals created and won in the same month, d1 + d2 in January = 4,000 over 12
    months = 333.33. Share of February left 15/29. Forecast 2,000 + 15/29 × 333.33 = 2,172.41
    against quota 2,500."""
    out = fc.forecast(ws, as_of=datetime(2024, 2, 15))
    assert out["won_to_date"] == 2000.0
    assert out["weighted_open"] == 0.0
    assert out["new_business"] == pytest.approx(4000 / 12)
    assert out["forecast"] == pytest.approx(2000 + 15 / 29 * 4000 / 12)
    assert out["quota"] == 2500.0
    assert out["forecast_attainment"] == pytest.approx((2000 + 15 / 29 * 4000 / 12) / 2500)


def test_forecast_at_a_period_start(ws: Workspace) -> None:
    """As of Mar 1: open d5 (qual, q 0) and d6 (prop, q 1) → 1,000; new business 4,000/12."""
    out = fc.forecast(ws, as_of=datetime(2024, 3, 1))
    assert out["weighted_open"] == 1000.0
    assert out["forecast"] == pytest.approx(1000 + 4000 / 12)


def test_forecast_accuracy_uses_only_the_past(ws: Workspace) -> None:
    """January, forecast at Jan 1: no history, nothing open → 0 vs actual 4,000 (accuracy 0).
    February, at Feb 1: q all 0 (nobody open at Jan 1); new business 4,000/12 = 333.33 vs actual
    2,000: error −1,666.67, accuracy 1 − 1,666.67/2,000 = 0.1667."""
    df = fc.accuracy(ws, count=2, as_of=datetime(2024, 3, 5))
    assert list(df["forecast"]) == pytest.approx([0.0, 4000 / 12])
    assert list(df["actual"]) == [4000.0, 2000.0]
    assert list(df["accuracy"]) == pytest.approx([0.0, 1 - (2000 - 4000 / 12) / 2000])
