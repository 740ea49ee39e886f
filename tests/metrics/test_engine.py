"""The engine around the KPIs: periods, comparisons, targets, errors, explain, the registry."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmroi import AnalysisError, Workspace
from crmroi.metrics import REGISTRY, Grain, KpiSettings, MetricQuery, explain, periods, query
from crmroi.metrics.reference import render

from .test_sales import fill_sales

REQUIRED = (
    "won_revenue",
    "won_deals",
    "lost_deals",
    "win_rate",
    "avg_deal_size",
    "sales_cycle_days",
    "sales_cycle_days_median",
    "open_pipeline_value",
    "weighted_pipeline_value",
    "pipeline_velocity",
    "pipeline_coverage",
    "quota_attainment",
    "new_leads",
    "lead_conversion_rate",
    "stage_conversion_rate",
    "time_in_stage_days",
    "activities_per_rep",
    "lead_response_time_hours",
    "lead_response_time_hours_p95",
    "neglected_deals",
    "new_customers",
    "cac",
    "customer_churn_rate",
    "revenue_churn_rate",
    "nrr",
    "grr",
    "avg_revenue_per_account",
    "ltv_simple",
    "ltv_to_cac",
    "nps",
    "csat",
    "ces",
    "email_open_rate",
    "email_click_rate",
    "campaign_cost",
    "cost_per_lead",
    "crm_adoption_rate",
    "records_updated_per_user",
    "data_completeness",
    "duplicate_contact_rate",
)


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    fill_sales(workspace)
    return workspace


def test_registry_has_every_required_kpi_with_docs() -> None:
    assert set(REQUIRED) <= set(REGISTRY.ids())
    for m in REGISTRY:
        assert m.doc and m.label_de and m.date, m.id
        assert "Source" in m.doc or "REFERENCE" in m.doc, f"{m.id}: name the formula's source"
        assert all(c in REGISTRY for c in m.components), m.id


def test_kpi_reference_is_generated_from_the_registry() -> None:
    """docs/kpis.md must equal render(): regenerate with
    `python -m crmroi.metrics.reference > docs/kpis.md`."""
    path = Path(__file__).resolve().parents[2] / "docs" / "kpis.md"
    assert path.read_text(encoding="utf-8") == render()


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    st.sampled_from(list(Grain)),
    st.integers(1, 12),
)
@settings(max_examples=40, deadline=None)
def test_python_and_engine_periods_agree(day: date, grain: Grain, fiscal: int) -> None:
    """The Python period start and the Ibis bucket agree for every grain and fiscal start."""
    ts = ibis.literal(datetime(day.year, day.month, day.day, 13, 5), type="timestamp")
    engine = ibis.duckdb.connect().execute(periods.bucket(ts, grain, fiscal))
    assert pd.Timestamp(engine).date() == periods.period_start(day, grain, fiscal)


def test_fiscal_quarters(ws: Workspace) -> None:
    """Fiscal year from February: Q = Nov–Jan, Feb–Apr. Won: January 4,000 (d1, d2) in the
    quarter starting 2023-11-01, February 2,000 (d4) in the one starting 2024-02-01."""
    q = MetricQuery(
        kpis=("won_revenue",),
        grain="quarter",
        start=date(2024, 1, 1),
        end=date(2024, 2, 29),
        settings=KpiSettings(fiscal_year_start_month=2),
    )
    df = query(ws, q)
    assert list(df["period_start"]) == [date(2023, 11, 1), date(2024, 2, 1)]
    assert list(df["period_end"]) == [date(2024, 1, 31), date(2024, 4, 30)]
    assert list(df["value"]) == [4000.0, 2000.0]


def test_previous_period_and_year(ws: Workspace) -> None:
    """February's previous is January (4,000); January's previous is December (nothing won:
    0). A year back there is no data: 0 for both."""
    q = MetricQuery(
        kpis=("won_revenue",),
        grain="month",
        start=date(2024, 1, 1),
        end=date(2024, 2, 29),
        compare="previous",
    )
    assert list(query(ws, q)["previous"]) == [0.0, 4000.0]
    q = MetricQuery(
        kpis=("won_revenue",),
        grain="month",
        start=date(2024, 1, 1),
        end=date(2024, 2, 29),
        compare="year",
    )
    assert list(query(ws, q)["previous"]) == [0.0, 0.0]
    q = MetricQuery(
        kpis=("won_revenue",), start=date(2024, 2, 1), end=date(2024, 2, 29), compare="previous"
    )
    assert list(query(ws, q)["previous"]) == [4000.0]  # Jan 3 – Jan 31 (29 days before)


def test_previous_period_of_a_snapshot_kpi(ws: Workspace) -> None:
    """Open deals at the end of December 2023: none (0); of January: d4, d5 (2). So January's
    previous is 0 and February's is 2."""
    q = MetricQuery(
        kpis=("open_deals",),
        grain="month",
        start=date(2024, 1, 1),
        end=date(2024, 2, 29),
        compare="previous",
    )
    assert list(query(ws, q)["previous"]) == [0.0, 2.0]


def test_targets_attainment_and_status(ws: Workspace) -> None:
    """won_revenue targets 5,000 (January) and 2,500 (February): attainment 0.8 each. Both
    months are over (now = March): 0.8 < 0.9 → off track. Queried on Feb 15, February is half
    done (14 of 29 days): paced 0.8 ÷ (14/29) = 1.66 → on track. Lower-is-better KPIs invert:
    a lost_deals target of 2 with 1 lost → attainment 2."""
    q = MetricQuery(
        kpis=("won_revenue",), grain="month", start=date(2024, 1, 1), end=date(2024, 2, 29)
    )
    df = query(ws, q, now=datetime(2024, 3, 10))
    assert list(df["target"]) == [5000.0, 2500.0]
    assert list(df["attainment"]) == pytest.approx([0.8, 0.8])
    assert list(df["status"]) == ["off track", "off track"]
    df = query(ws, q, now=datetime(2024, 2, 15))
    assert list(df["status"]) == ["off track", "on track"]
    whole = MetricQuery(kpis=("won_revenue",), start=date(2024, 1, 1), end=date(2024, 2, 29))
    assert query(ws, whole)["target"].iloc[0] == 7500.0
    from .kit import put

    put(
        ws,
        "targets",
        {"kpi": "lost_deals", "grain": "month", "period_start": "2024-01-01", "value": 2.0},
    )
    q = MetricQuery(
        kpis=("lost_deals",), grain="month", start=date(2024, 1, 1), end=date(2024, 1, 31)
    )
    assert query(ws, q)["attainment"].iloc[0] == 2.0


def test_owner_targets(ws: Workspace) -> None:
    """A target for owner u1 in January (3,000) meets u1's row only: attainment 4,000/3,000."""
    from .kit import put

    put(
        ws,
        "targets",
        {
            "kpi": "won_revenue",
            "grain": "month",
            "period_start": "2024-01-01",
            "dimension": "owner",
            "dimension_value": "u1",
            "value": 3000.0,
        },
    )
    q = MetricQuery(
        kpis=("won_revenue",),
        grain="month",
        dimensions=("owner",),
        start=date(2024, 1, 1),
        end=date(2024, 1, 31),
    )
    df = query(ws, q).set_index("owner")
    assert df.loc["u1", "attainment"] == pytest.approx(4000 / 3000)
    assert pd.isna(df.loc["u2", "target"])


def test_filters(ws: Workspace) -> None:
    """Only owner u2: won d4 2,000."""
    q = MetricQuery(kpis=("won_revenue",), filters={"owner": "u2"})
    assert query(ws, q)["value"].iloc[0] == 2000.0


def test_unsliceable_dimension_is_an_error(ws: Workspace) -> None:
    with pytest.raises(AnalysisError, match="'nps' cannot be sliced by pipeline"):
        query(ws, MetricQuery(kpis=("nps",), dimensions=("pipeline",)))
    with pytest.raises(AnalysisError, match="unknown dimension"):
        MetricQuery(kpis=("nps",), dimensions=("colour",))
    with pytest.raises(AnalysisError, match="unknown KPI"):
        query(ws, MetricQuery(kpis=("nope",)))


def test_empty_workspace_is_a_clear_error(workspace: Workspace) -> None:
    with pytest.raises(AnalysisError, match="no dated records"):
        query(workspace, MetricQuery(kpis=("won_revenue",)))


def test_explain_shows_sql(ws: Workspace) -> None:
    sql = explain(ws, MetricQuery(kpis=("won_revenue", "win_rate"), grain="month"))
    assert "SELECT" in sql
    assert "DATE_TRUNC" in sql.upper()


def test_all_kpis_in_one_query(ws: Workspace) -> None:
    """Every KPI runs on this workspace in one query; one row per KPI without a grain."""
    df = query(ws, MetricQuery(kpis=REGISTRY.ids()))
    assert list(df["kpi"]) == list(REGISTRY.ids())
    assert list(df.columns) == [
        "kpi",
        "period_start",
        "period_end",
        "value",
        "unit",
        "previous",
        "target",
        "attainment",
        "status",
    ]
