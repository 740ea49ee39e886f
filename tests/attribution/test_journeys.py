"""Journeys from a tiny hand-made workspace: every rule worked out by hand."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from crmroi import Workspace
from crmroi.attribution import attribute
from crmroi.attribution.journeys import build_journeys, channel_journeys
from crmroi.attribution.paths import BASELINE, Journeys
from crmroi.errors import AnalysisError


def _paths(j: Journeys) -> dict[str, list[str]]:
    assert j.journey_ids is not None
    return {
        str(j.journey_ids[i]): [j.names[c] for c in j.codes[j.offsets[i] : j.offsets[i + 1]]]
        for i in range(j.n_journeys)
    }


def test_journeys_by_channel(tiny: Workspace) -> None:
    """D1 (account A1) collects C1's and C2's touches, oldest first:

    T1 email 1 Feb, W1 enrolment 20 Feb (C2's holdout enrolment is skipped), T2 paid_search
    10 Mar, the GA4 session google/cpc 15 Mar. T3 (24 Mar) is after the close, T4 (Oct 2023)
    beyond 90 days: both dropped. D2: T5 only. D3 (A2): nothing, kept as a non-converting
    journey. Lead C3 (no deal): T6.
    """
    j = build_journeys(tiny, level="channel", lookback_days=90)
    paths = _paths(j)
    assert paths == {
        "D1": ["email", "crm_workflow", "paid_search", "google/cpc"],
        "D2": ["email"],
        "D3": [],
        "lead:C3": ["social"],
    }
    assert j.journey_ids is not None
    ids = list(j.journey_ids)
    assert j.conversions[ids.index("D1")] == 1 and j.value[ids.index("D1")] == 1000.0
    assert j.conversions.sum() == 1 and j.nulls.sum() == 3
    assert j.value[ids.index("D2")] == 0.0


def test_milestones_and_days(tiny: Workspace) -> None:
    """Lead C1 created 1 Feb: last touch by then is T1 (position 0); D1 created 1 Mar: last
    touch by then is the W1 enrolment (position 1). T2 (10 Mar 09:00) is 9.625 days before the
    20 Mar 00:00 close."""
    j = build_journeys(tiny)
    assert j.journey_ids is not None and j.lead_pos is not None and j.opp_pos is not None
    d1 = list(j.journey_ids).index("D1")
    assert j.lead_pos[d1] == 0 and j.opp_pos[d1] == 1
    assert j.days is not None
    start = j.offsets[d1]
    assert j.days[start + 2] == pytest.approx(9.625)


def test_lookback_window(tiny: Workspace) -> None:
    """With 30 days, D1 keeps only touches since 19 Feb: W1, T2, the session."""
    j = build_journeys(tiny, lookback_days=30)
    assert _paths(j)["D1"] == ["crm_workflow", "paid_search", "google/cpc"]


def test_campaign_and_workflow_levels(tiny: Workspace) -> None:
    """The session's campaign name Spring resolves to K2; touches without one are (none)."""
    j = build_journeys(tiny, level="campaign")
    assert _paths(j)["D1"] == ["Newsletter", "(no campaign)", "Spring", "Spring"]
    assert "K2" in j.keys
    assert j.parents is not None
    k2 = {j.parents.keys[j.parents.code[i]] for i, k in enumerate(j.keys) if k == "K2"}
    assert k2 == {"paid_search", "google/cpc"}  # one key per channel it was reached on
    w = build_journeys(tiny, level="workflow")
    assert _paths(w)["D1"] == ["(no workflow)", "Nurture", "(no workflow)", "(no workflow)"]
    result = attribute(tiny, models=("linear",), level="workflow", bootstrap=0)
    parents = result.table("linear").set_index("channel")["parent"]
    assert parents["Nurture"] == "crm_workflow"  # enrolments have no campaign
    assert set(result.table("linear")["parent"].dropna()) == {
        "crm_workflow",
        "email > Newsletter",
        "paid_search > Spring",
        "google/cpc > Spring",
        "social",
    }


def test_attribute_end_to_end(tiny: Workspace) -> None:
    """Linear on D1's four touches: 250 each; credits sum to the deal amount."""
    result = attribute(tiny, models=("linear", "data_driven"), bootstrap=20)
    table = result.table("linear").set_index("channel")
    assert table.loc["email", "revenue"] == pytest.approx(250.0)
    assert table.loc[BASELINE, "revenue"] == 0.0
    assert table["share"].sum() == pytest.approx(1.0)
    for model in ("linear", "data_driven"):
        credits = result.credits(model)
        assert set(credits["deal_id"]) == {"D1"}
        assert credits["credit"].sum() == pytest.approx(1000.0)


def test_orders_and_errors(tiny: Workspace) -> None:
    with pytest.raises(AnalysisError, match="level"):
        build_journeys(tiny, level="planet")
    with pytest.raises(AnalysisError, match="lookback"):
        build_journeys(tiny, lookback_days=0)
    j = build_journeys(tiny, conversions="orders")
    assert j.conversions.sum() == 0  # no orders yet: every contact is a non-converting journey
    assert np.all(j.value == 0)


@pytest.mark.parametrize("level", ["campaign", "workflow"])
def test_channel_journeys_of_a_finer_level_are_the_channel_level(
    tiny: Workspace, level: str
) -> None:
    """Campaign- and workflow-level journeys recoded to their channels equal the journeys the
    engine builds at channel level, array for array (the report reuses ROI's journeys)."""
    fine = build_journeys(tiny, level=level)
    coarse = channel_journeys(fine)
    built = build_journeys(tiny, level="channel")
    assert coarse.keys == built.keys and coarse.names == built.names
    assert coarse.direct == built.direct and coarse.parents is None
    for name in ("offsets", "codes", "conversions", "nulls", "value", "days", "lead_pos"):
        assert np.array_equal(getattr(coarse, name), getattr(built, name)), name
    assert np.array_equal(coarse.opp_pos, built.opp_pos)
    assert np.array_equal(coarse.journey_ids, built.journey_ids)
    assert channel_journeys(built) is built


def test_the_report_compares_channels_on_the_roi_journeys(
    tiny: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's channel comparison reuses the campaign-level journeys of the ROI analysis
    (no second engine pass) and shows the tables the engine's own channel journeys give; with
    another lookback than the report's 90 days it asks the engine."""
    from crmroi.attribution import journeys as journeys_module
    from crmroi.config import Config
    from crmroi.report.build import ReportContext
    from crmroi.report.sections.impact import MODELS, _channel_attribution
    from crmroi.roi.settings import RoiSettings

    expected = attribute(tiny, models=MODELS, level="channel", bootstrap=100)
    calls: list[str] = []
    real = journeys_module._build

    def counted(ws: Workspace, level: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(level)
        return real(ws, level, *args, **kwargs)

    monkeypatch.setattr(journeys_module, "_build", counted)
    for lookback, engine_calls in ((90, []), (30, ["channel"])):
        roi = SimpleNamespace(
            journeys=build_journeys(tiny, level="campaign", lookback_days=lookback),
            settings=RoiSettings(attribution_lookback_days=lookback),
        )
        ctx = ReportContext(tiny, Config(), "en")
        ctx.__dict__["_roi_outcome"] = (roi, None)  # the ROI analysis, as if already run
        calls.clear()
        result = _channel_attribution(ctx)
        assert calls == engine_calls
        for model in MODELS:
            got, want = result.table(model), expected.table(model)
            assert list(got["channel"]) == list(want["channel"])
            for column in ("revenue", "share", "share_low", "share_high"):
                assert got[column].to_numpy() == pytest.approx(want[column].to_numpy())
