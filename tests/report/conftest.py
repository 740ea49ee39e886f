"""Fixtures for report tests: a small hand-made report and a real headless Chromium."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from crmroi.report.charts import monthly_bars
from crmroi.report.model import Chart, DataTable, Metric, Report, Section, Unit


@pytest.fixture
def small_report() -> Report:
    """Two sections, three metrics, a chart and a table with known values."""
    months = pd.date_range("2024-01-01", periods=6, freq="MS")
    revenue = pd.DataFrame({"month": months, "revenue": [10.0, 20, 30, 40, 50, 60]})
    return Report(
        title="Does the CRM pay for itself?",
        subtitle="Testfirma GmbH",
        lang="en",
        currency="EUR",
        generated_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        period_start=date(2024, 1, 1),
        period_end=date(2024, 6, 30),
        sections=(
            Section(
                id="roi",
                title="Return on investment",
                summary="ROI = (revenue − cost) / cost × 100.",
                metrics=(
                    Metric("roi_pct", "ROI", 150.0, Unit.percent, low=120.0, high=180.0),
                    Metric("revenue", "Revenue through the CRM", 1234567.891, Unit.currency),
                    Metric("win_rate", "Win rate", 0.25, Unit.ratio, previous=0.2),
                ),
            ),
            Section(
                id="sales",
                title="Sales",
                charts=(
                    Chart(
                        "revenue",
                        "Won revenue by month",
                        monthly_bars(
                            revenue,
                            x="month",
                            y="revenue",
                            x_title="Month",
                            y_title="EUR",
                            marker=(date(2024, 4, 1), "CRM live"),
                        ),
                    ),
                ),
                tables=(
                    DataTable(
                        "cost",
                        "Cost by category",
                        ("category", "cost"),
                        (("licence", 1000.0), ("training", 250.5)),
                        (Unit.text, Unit.currency),
                    ),
                ),
            ),
        ),
        sources=(("deals", 1200),),
    )
