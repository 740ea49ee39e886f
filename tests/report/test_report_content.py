"""What the report shows on a small hand-made company: German throughout, outlier orders
flagged, unobserved cohort quarters blank, the header's data period (issue 11 points 9, 10)."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest

from crmroi import Workspace
from crmroi.config import CompanySettings, Config
from crmroi.report import Report, build_report
from crmroi.report.html import render_html
from tests.support import insert_rows

ADOPTION = date(2024, 3, 1)


def _orders() -> list[dict[str, Any]]:
    """A buys Jan–Apr, B Jan and Mar, C Feb and Apr (100 each); G orders 1,000,000 on 5 April
    and cancels it the same day; H orders 50,000 on 6 April."""
    rows = [
        ("A", "2024-01-10T00:00:00"), ("A", "2024-02-10T00:00:00"), ("A", "2024-03-10T00:00:00"),
        ("A", "2024-04-10T00:00:00"), ("B", "2024-01-15T00:00:00"), ("B", "2024-03-15T00:00:00"),
        ("C", "2024-02-20T00:00:00"), ("C", "2024-04-20T00:00:00"),
    ]  # fmt: skip
    orders = [
        {"order_id": f"O{i}", "account_id": who, "occurred_at": when, "amount": 100.0,
         "currency": "EUR", "kind": "order"}
        for i, (who, when) in enumerate(rows)
    ]  # fmt: skip
    return [
        *orders,
        {"order_id": "BIG", "account_id": "G", "occurred_at": "2024-04-05T10:00:00",
         "amount": 1_000_000.0, "currency": "EUR", "kind": "order"},
        {"order_id": "BIG-C", "account_id": "G", "occurred_at": "2024-04-05T10:20:00",
         "amount": -1_000_000.0, "currency": "EUR", "kind": "cancellation"},
        {"order_id": "H1", "account_id": "H", "occurred_at": "2024-04-06T00:00:00",
         "amount": 50_000.0, "currency": "EUR", "kind": "order"},
    ]  # fmt: skip


DEALS = [
    ("D1", "won", 1000.0, "2024-01-01", "2024-02-01"),
    ("D2", "lost", 500.0, "2024-01-05", "2024-02-15"),
    ("D3", "won", 3000.0, "2024-03-05", "2024-04-01"),
    ("D4", "won", 2000.0, "2024-03-10", "2024-05-01"),
    ("D5", "lost", 800.0, "2024-03-15", "2024-05-10"),
]
SURVEYS = [
    ("nps", 10, 10), ("nps", 9, 10), ("nps", 7, 10), ("nps", 3, 10),
    ("csat", 5, 5), ("csat", 4, 5), ("csat", 2, 5), ("ces", 6, 7), ("ces", 5, 7),
]  # fmt: skip


@pytest.fixture
def company(workspace: Workspace) -> Workspace:
    insert_rows(workspace, "orders", _orders())
    insert_rows(
        workspace,
        "deals",
        [
            {"deal_id": d, "status": s, "amount": a, "currency": "EUR", "created_at": c,
             "closed_at": x}
            for d, s, a, c, x in DEALS
        ],
    )  # fmt: skip
    insert_rows(
        workspace,
        "survey_responses",
        [
            {"response_id": f"R{i}", "account_id": "A", "survey": kind, "score": score,
             "scale_max": top, "answered_at": f"2024-02-{i + 1:02d}"}
            for i, (kind, score, top) in enumerate(SURVEYS)
        ],
    )  # fmt: skip
    insert_rows(
        workspace,
        "costs",
        [
            {"cost_id": "C1", "category": "licence", "amount": 100.0, "currency": "EUR",
             "incurred_at": "2024-03-01", "recurrence": "monthly"},
        ],
    )  # fmt: skip
    return workspace


def _report(ws: Workspace, lang: str) -> Report:
    return build_report(ws, Config(company=CompanySettings(adoption_date=ADOPTION)), lang=lang)


def _visible_text(page: str) -> str:
    """What a reader sees, less commands and config lines (<code>: the same in every language)."""
    body = page.split("<body>", 1)[1]
    for tag in ("script", "style", "code"):
        body = re.sub(rf"<{tag}\b.*?</{tag}>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


ENGLISH = (
    "Generated", "Data period", "ROI window", "Your company", "Missing", "add it with", "before",
    "range", "answers", "months", "days", "Paying customers", "churn", "retention", "mean of",
    "quarters since", "first purchase", "cohort", "retained", "large orders", "order",
    "customer", "cancelled", "same day", "median", "Won revenue", "Won deals", "Win rate",
    "deal size", "Sales", "month of close", "CRM live", "revenue", "table", "yes", "no",
    "Every figure", "each", "the", "and", "of", "with", "by", "Made with", "Mar", "May",
    "ledger", "Licences come from",
)  # fmt: skip
"""Words and phrases of the English report's own prose and labels (each checked to occur)."""


def test_the_german_report_has_no_english_words(company: Workspace) -> None:
    """Every listed word occurs in the English report (the list is real) and none in the German
    one, outside commands and data values (charts included, as drawn for the PDF).
    """

    def text(lang: str) -> str:
        return _visible_text(render_html(_report(company, lang), static=True))

    english, german = text("en"), text("de")

    def found(word: str, text: str) -> bool:
        return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None

    assert [w for w in ENGLISH if not found(w, english)] == []
    assert [w for w in ENGLISH if found(w, german)] == []


def test_huge_order_cancelled_the_same_day_is_flagged(company: Workspace) -> None:
    """Purchases: eight of 100, one of 1,000,000 (cancelled the same day), one of 50,000 →
    median 100; above 100 × 100 = 10,000 are BIG (10,000 × the median) and H1 (500 ×)."""
    customers = next(s for s in _report(company, "en").sections if s.id == "customers")
    (table,) = customers.tables
    assert table.rows == (
        ("BIG", "G", "2024-04-05", 1_000_000.0, 10_000.0, "yes"),
        ("H1", "H", "2024-04-06", 50_000.0, 500.0, "no"),
    )
    assert customers.notes[0].startswith(
        "2 order(s) exceed 100 × the median order; 1 of them were cancelled or returned the "
        "same day."
    )


def test_cohort_quarters_not_yet_observed_are_blank(company: Workspace) -> None:
    """Q1 cohort {A, B, C}: Q1 all buy (1), Q2 A and C (2/3). Q2 cohort {G, H}: Q2 both (1); the
    data end in April, so Q3 is not observed: no cell (it used to show 0 %)."""
    customers = next(s for s in _report(company, "en").sections if s.id == "customers")
    (chart,) = customers.charts
    (cells,) = [rows for rows in chart.spec["datasets"].values() if rows]
    got = {(c["cohort_label"], c["offset"]): round(c["share"], 4) for c in cells}
    assert got == {("2024 Q1", 0): 1.0, ("2024 Q1", 1): 0.6667, ("2024 Q2", 0): 1.0}


def test_header_period_spans_all_the_data_and_before_figures_compare(company: Workspace) -> None:
    """The data run from the first deal (2024-01-01) to the last close (2024-05-10); the ROI
    window, from the go-live month to the last month of data, is shown beside it, named as such.
    Sales since 2024-03-01: D3, D4 won (5,000), D5 lost → 2/3; before: D1 won
    (1,000), D2 lost → 1/2; the rise in win rate is coloured good."""
    report = _report(company, "en")
    assert (report.period_start, report.period_end) == (date(2024, 1, 1), date(2024, 5, 10))
    assert (report.window_start, report.window_end) == (date(2024, 3, 1), date(2024, 5, 31))
    page = render_html(report, inline_js=False)
    assert "Data period 2024-01-01 – 2024-05-10 · ROI window 2024-03-01 – 2024-05-31" in " ".join(
        page.split()
    )
    sales = next(s for s in report.sections if s.id == "sales")
    values = {m.id: (m.value, m.previous) for m in sales.metrics}
    assert values["won_revenue"] == (5000.0, 1000.0)
    assert values["win_rate"] == (pytest.approx(2 / 3), 0.5)
    assert re.search(r'id="metric-win_rate">.*?class="value good"', page, re.S)
