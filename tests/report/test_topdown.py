"""The report read top-down (issue 12 point 3), on a small hand-made company with known answers.

Two reps sell in the second quarter of 2024 (the data end on 2024-06-30, so that quarter is the
last full one):

=====  ======  ======  ====  ==========  ==========  ======================
deal   status  amount  rep   created     closed      stages entered
=====  ======  ======  ====  ==========  ==========  ======================
D1     won     1,000   Anna  2024-04-01  2024-04-20  Lead 04-01, Offer 04-10
D2     won     3,000   Anna  2024-04-05  2024-05-10  Lead 04-05, Offer 04-25
D3     lost      500   Ben   2024-04-10  2024-05-15  Lead 04-10
D4     won     2,000   Ben   2024-05-01  2024-06-30  Lead 05-01, Offer 05-11
D5     lost      800   Anna  2024-05-02  2024-06-10  Lead 05-02, Offer 05-12
=====  ======  ======  ====  ==========  ==========  ======================

Anna (team North) wins 4,000 in Q2, 2 of 3 closed; Ben (South) 2,000, 1 of 2. Targets: 1,000
won revenue a month each (3,000 a quarter), and 4,000 for the company in June, 5,000 in July.
Costs: a licence of 100 a month and a one-off implementation of 1,200, both from the go-live
2024-01-01.
The findings come from detectors planted for the test (the report consumes whatever the
findings runner returns), one of them with a subject that is an Excel formula and markup.
"""

from __future__ import annotations

import subprocess
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crmroi import Workspace
from crmroi.config import CompanySettings, Config
from crmroi.insights import Finding, run
from crmroi.report import Report, build_report, write_report
from crmroi.report.html import render_html, write_html
from crmroi.report.sections.findings import evidence_text
from tests.support import insert_rows

ORDER = [
    "summary", "findings", "kpis", "sales", "funnel", "customers", "impact", "overview",
    "costs", "quality", "methods",
]  # fmt: skip
HOSTILE = '=HYPERLINK("http://evil.example","x")<script>alert(1)</script>'
PLANTED = [
    # (kind, subject, money at stake, confidence): expected money 9,000 … 100
    ("neglected_deals", "Anna", 10_000.0, 0.9),
    ("adoption", "Ben", 8_000.0, 1.0),
    ("data_quality", "deals.source", 7_000.0, 1.0),
    ("unused_seats", HOSTILE, 6_000.0, 1.0),
    ("campaign_roi", "Spring mailing", 5_000.0, 1.0),
    ("stage", "Offer", 4_000.0, 0.5),
    ("target_gap", "South", 100.0, 1.0),
]


def _planted(ctx: Any) -> list[Finding]:
    return [
        Finding(
            kind=kind,
            subject=subject,
            money_at_stake=money,
            currency="EUR",
            confidence=sure,
            evidence={"deals": 2, "share_missing": 0.25, "idle_days": 40.0, "new_figure": 3},
            action=f"Act on {subject}.",
            title=f"Weak spot {subject}",
        )
        for kind, subject, money, sure in PLANTED
    ]


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the planted detector runs (the real ones have their own tests)."""
    monkeypatch.setattr(run, "DETECTORS", {"planted": _planted})


@pytest.fixture
def company(workspace: Workspace, planted: None) -> Workspace:
    insert_rows(
        workspace,
        "users",
        [
            {"user_id": "U1", "name": "Anna", "team": "North", "active_from": "2024-01-01"},
            {"user_id": "U2", "name": "Ben", "team": "South", "active_from": "2024-01-01"},
        ],
    )
    deals = [
        ("D1", "won", 1000.0, "U1", "2024-04-01", "2024-04-20"),
        ("D2", "won", 3000.0, "U1", "2024-04-05", "2024-05-10"),
        ("D3", "lost", 500.0, "U2", "2024-04-10", "2024-05-15"),
        ("D4", "won", 2000.0, "U2", "2024-05-01", "2024-06-30"),
        ("D5", "lost", 800.0, "U1", "2024-05-02", "2024-06-10"),
    ]
    insert_rows(
        workspace,
        "deals",
        [
            {"deal_id": d, "status": s, "amount": a, "currency": "EUR", "owner_id": o,
             "pipeline": "p", "created_at": c, "closed_at": x}
            for d, s, a, o, c, x in deals
        ],
    )  # fmt: skip
    insert_rows(
        workspace,
        "stages",
        [
            {"pipeline": "p", "stage": "Lead", "position": 0, "is_closed": False, "is_won": False},
            {"pipeline": "p", "stage": "Offer", "position": 1, "is_closed": False, "is_won": False},
            {"pipeline": "p", "stage": "Won", "position": 2, "is_closed": True, "is_won": True},
            {"pipeline": "p", "stage": "Lost", "position": 3, "is_closed": True, "is_won": False},
        ],
    )
    history = [
        ("D1", "Lead", "2024-04-01"), ("D1", "Offer", "2024-04-10"),
        ("D2", "Lead", "2024-04-05"), ("D2", "Offer", "2024-04-25"),
        ("D3", "Lead", "2024-04-10"),
        ("D4", "Lead", "2024-05-01"), ("D4", "Offer", "2024-05-11"),
        ("D5", "Lead", "2024-05-02"), ("D5", "Offer", "2024-05-12"),
    ]  # fmt: skip
    insert_rows(
        workspace,
        "deal_stage_history",
        [{"deal_id": d, "pipeline": "p", "stage": s, "entered_at": at} for d, s, at in history],
    )
    targets = [
        {"kpi": "won_revenue", "grain": "month", "period_start": f"2024-0{m}-01",
         "dimension": "owner", "dimension_value": owner, "value": 1000.0}
        for m in (4, 5, 6) for owner in ("U1", "U2")
    ]  # fmt: skip
    targets += [
        {"kpi": "won_revenue", "grain": "month", "period_start": f"2024-0{m}-01", "value": v}
        for m, v in ((6, 4000.0), (7, 5000.0))
    ]
    insert_rows(workspace, "targets", [{"target_key": str(i), **t} for i, t in enumerate(targets)])
    insert_rows(
        workspace,
        "costs",
        [
            {"cost_id": "C1", "category": "licence", "amount": 100.0, "currency": "EUR",
             "incurred_at": "2024-01-01", "recurrence": "monthly"},
            {"cost_id": "C2", "category": "implementation", "amount": 1200.0, "currency": "EUR",
             "incurred_at": "2024-01-01"},
        ],
    )  # fmt: skip
    return workspace


def _report(ws: Workspace, lang: str = "en") -> Report:
    config = Config(company=CompanySettings(adoption_date=date(2024, 1, 1)))
    return build_report(ws, config, lang=lang)


def _section(report: Report, section_id: str) -> Any:
    return next(s for s in report.sections if s.id == section_id)


def _table(report: Report, table_id: str) -> Any:
    return next(t for s in report.sections for t in s.tables if t.id == table_id)


def test_sections_come_in_reading_order_each_with_figures(company: Workspace) -> None:
    report = _report(company)
    assert [s.id for s in report.sections] == ORDER
    assert [s.id for s in report.sections if not s.has_figures] == ["customers", "impact"]
    assert all(s.missing for s in report.sections if not s.has_figures)  # no orders, no touches


def test_summary_answers_and_lists_the_five_findings_worth_most(company: Workspace) -> None:
    """Expected money: Anna 9,000, Ben 8,000, deals.source 7,000, the hostile 6,000, the
    mailing 5,000, Offer 2,000, South 100. TCO over January–June: 6 × 100 + 1,200 = 1,800."""
    report = _report(company)
    summary = _section(report, "summary")
    assert report.sections[0] is summary
    top = _table(report, "top-findings")
    assert [row[2] for row in top.rows] == [
        "Anna", "Ben", "deals.source", HOSTILE, "Spring mailing",
    ]  # fmt: skip
    assert [row[0] for row in top.rows] == [1, 2, 3, 4, 5]
    metrics = {m.id: m.value for m in summary.metrics}
    assert metrics["summary_tco"] == pytest.approx(1800.0)
    assert metrics["summary_money_at_stake"] == pytest.approx(40_100.0)
    overview = {m.id: m.value for m in _section(report, "overview").metrics}
    assert metrics["summary_roi_pct"] == overview["roi_pct"]
    assert metrics["summary_payback"] == overview["payback_months"]
    assert summary.summary.startswith(("Yes: ", "Not yet: "))


def test_findings_section_lists_every_finding_with_evidence_and_action(
    company: Workspace,
) -> None:
    table = _table(_report(company), "findings")
    assert [row[2] for row in table.rows] == [p[1] for p in PLANTED[:5]] + ["Offer", "South"]
    first = table.rows[0]
    assert first[1] == "Weak spot Anna"
    assert first[3] == "neglected deals"
    assert (first[4], first[5]) == (10_000.0, 0.9)
    # known keys labelled and formatted by their meaning; a new key shown by its JSON name
    assert first[6] == "deals: 2; share missing: 25.0%; idle: 40.0 days; new_figure: 3"
    assert first[7] == "Act on Anna."


def test_kpis_against_targets_by_month_owner_and_team(company: Workspace) -> None:
    """Q2 per owner: Anna 4,000 of 3,000 (133 %, on track), 2 won, 2/3; Ben 2,000 of 3,000
    (67 %, below the 90 % at-risk line: off track), 1 won, 1/2. June for the company: 2,000
    of 4,000 (50 %)."""
    report = _report(company)
    owners = _table(report, "kpi-owners")
    assert owners.title == "By owner, 2024-04-01 to 2024-06-30"
    got = [row[:7] for row in owners.rows]
    assert got == [
        ("Anna", 4000.0, 3000.0, pytest.approx(4 / 3), "on track", 2.0, pytest.approx(2 / 3)),
        ("Ben", 2000.0, 3000.0, pytest.approx(2 / 3), "off track", 1.0, 0.5),
    ]
    anna_trend = owners.rows[0][7]
    assert anna_trend[-3:] == (1000.0, 3000.0, 0.0)
    teams = _table(report, "kpi-teams")
    assert [row[:2] for row in teams.rows] == [("North", 4000.0), ("South", 2000.0)]
    months = _table(report, "kpi-months")
    june = next(row for row in months.rows if row[0] == "2024-06")
    assert june[1:5] == (2000.0, 4000.0, 0.5, "off track")
    card = next(m for m in _section(report, "kpis").metrics if m.id == "kpi_won_revenue")
    assert (card.value, card.previous) == (2000.0, 3000.0)
    assert len(card.trend) == 12 and card.trend[-3:] == (1000.0, 3000.0, 2000.0)


def test_funnel_drop_off_and_time_in_stage(company: Workspace) -> None:
    """Lead: all 5 reach it, 4 reach Offer (drop 1); Offer: 4, 3 won (drop 1). Days in Lead:
    9, 20, 35 (D3 to its close), 10, 10 → median 10."""
    report = _report(company)
    funnel = _table(report, "funnel")
    rows = {row[1]: row for row in funnel.rows}
    assert rows["Lead"][2:5] == (5.0, 0.8, 1.0)
    assert rows["Offer"][2:5] == (4.0, 0.75, 1.0)
    assert rows["Lead"][5] == pytest.approx(10.0)
    # the data end at midnight after 2024-06-30: the period forecast is July, target 5,000
    forecast = {m.id: m.value for m in _section(report, "funnel").metrics}
    assert forecast["forecast_target"] == 5000.0


def test_cost_waterfall_steps_add_up_to_the_total(company: Workspace) -> None:
    chart = next(c for c in _section(_report(company), "costs").charts if c.id == "cost-waterfall")
    (rows,) = [r for r in chart.spec["datasets"].values() if r]
    got = [(r["step"], r["start"], r["end"]) for r in rows]
    assert got == [
        ("implementation", 0.0, 1200.0),
        ("licence", 1200.0, 1800.0),
        ("total", 0.0, 1800.0),
    ]


def test_german_report_formats_the_new_sections(company: Workspace) -> None:
    report = _report(company, "de")
    owners = _table(report, "kpi-owners")
    assert [row[4] for row in owners.rows] == ["im Plan", "verfehlt"]
    findings = _table(report, "findings")
    assert findings.rows[0][6] == (
        "Deals: 2; Anteil fehlend: 25,0\xa0%; ruht seit: 40,0 Tage; new_figure: 3"
    )
    page = render_html(report, inline_js=False)
    assert "4.000\xa0€" in page and "133,3\xa0%" in page
    assert [s.title for s in report.sections][:3] == [
        "Zusammenfassung", "Was zuerst zu beheben ist", "Kennzahlen gegen Ziele",
    ]  # fmt: skip


def test_user_data_is_escaped_in_html_and_text_in_xlsx(company: Workspace, tmp_path: Path) -> None:
    import openpyxl

    report = _report(company)
    page = render_html(report, inline_js=False)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    written = write_report(report, tmp_path / "r", formats=("xlsx",))
    with zipfile.ZipFile(written["xlsx"]) as book:
        xml = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in text for text in xml)
    cells = [
        c for sheet in openpyxl.load_workbook(written["xlsx"]).worksheets
        for row in sheet.iter_rows() for c in row if c.value == HOSTILE
    ]  # fmt: skip
    assert len(cells) >= 2 and {c.data_type for c in cells} == {"s"}


def test_xlsx_holds_the_same_figures_and_sparklines(company: Workspace, tmp_path: Path) -> None:
    import openpyxl

    report = _report(company)
    written = write_report(report, tmp_path / "r", formats=("xlsx",))
    book = openpyxl.load_workbook(written["xlsx"])
    owners = book["By owner"]
    values = [[c.value for c in row] for row in owners.iter_rows(min_row=2, max_col=7)]
    assert values[0][:5] == ["Anna", 4000, 3000, pytest.approx(4 / 3), "on track"]
    assert values[1][:5] == ["Ben", 2000, 3000, pytest.approx(2 / 3), "off track"]
    twelve = [c.value for c in next(owners.iter_rows(min_row=2, max_row=2, min_col=9))]
    assert twelve[-3:] == [1000, 3000, 0]
    summary = [row[0] for row in book.worksheets[0].iter_rows(values_only=True) if row and row[0]]
    positions = [summary.index(s.title) for s in report.sections]
    assert positions == sorted(positions)
    with zipfile.ZipFile(written["xlsx"]) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if "worksheets/sheet" in n]
    assert sum(text.count("<x14:sparkline>") for text in sheets) == 2 + 2  # owners, teams


def test_pdf_pages_hold_every_section_in_order(company: Workspace, tmp_path: Path) -> None:
    report = _report(company)
    written = write_report(report, tmp_path / "r", formats=("pdf",))
    text = subprocess.run(
        ["pdftotext", str(written["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    positions = [flat.find(s.title) for s in report.sections]
    assert -1 not in positions and positions == sorted(positions)
    pages = text.count("\f")
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(written["pdf"]), str(tmp_path / "p")])
    assert len(list(tmp_path.glob("p-*.png"))) == pages >= 4
    assert "Weak spot Anna" in flat and "By owner, 2024-04-01 to 2024-06-30" in flat


@pytest.mark.browser
def test_every_chart_and_sparkline_is_drawn_offline(
    company: Workspace, browser: Any, tmp_path: Path, coloured_share: Any
) -> None:
    report = _report(company)
    path = write_html(report, tmp_path / "report.html")
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-charts-ready=true]", timeout=60_000)
    charts = [c.id for s in report.sections for c in s.charts]
    assert {"funnel", "cost-waterfall", "tornado", "cumulative"} <= set(charts)
    for chart_id in charts:
        box = page.locator(f"#chart-{chart_id}")
        assert box.get_attribute("data-rendered") == "true", chart_id
        assert box.locator("svg .mark-rect path, svg .mark-line path, svg .mark-area path").count()
        assert coloured_share(box.screenshot()) > 0.005, chart_id
    trends = sum(1 for s in report.sections for m in s.metrics if m.trend) + sum(
        1 for t in (_table(report, "kpi-owners"), _table(report, "kpi-teams")) for _ in t.rows
    )
    assert page.locator("svg.spark polyline").count() >= trends
    assert [url for url in requests if not url.startswith("file://")] == []
    order = page.eval_on_selector_all("main > section", "els => els.map(e => e.id)")
    assert order == ORDER
    page.close()


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        ({"roi_pct": 150.0}, "Yes: on the touched basis the CRM has returned more than it cost."),
        (
            {"roi_pct": -20.0},
            "Not yet: on the touched basis the CRM has returned less than it cost.",
        ),
        (
            {"roi_pct": 40.0, "roi_pct_low": -10.0, "roi_pct_high": 90.0, "prob_roi_positive": 0.8},
            "Yes: on the touched basis the CRM has returned more than it cost. Its interval "
            "holds a gain and a loss: P(ROI > 0) = 80%.",
        ),
        (
            {"roi_pct": 40.0, "roi_pct_low": 10.0, "roi_pct_high": 90.0, "prob_roi_positive": 1.0},
            "Yes: on the touched basis the CRM has returned more than it cost.",
        ),
        (
            {"roi_pct": None},
            "Whether the CRM pays for itself cannot be computed from these data yet.",
        ),
    ],
)
def test_the_answer_names_its_basis_and_a_mixed_interval(
    workspace: Workspace, figures: dict[str, Any], expected: str
) -> None:
    from crmroi.report.build import ReportContext
    from crmroi.report.sections.summary import _answer

    ctx = ReportContext(ws=workspace, config=Config(), lang="en")
    assert _answer(ctx, {"basis": "touched", **figures}) == expected


def test_without_targets_the_kpis_say_how_to_set_one(workspace: Workspace, planted: None) -> None:
    insert_rows(
        workspace,
        "deals",
        [
            {"deal_id": "D1", "status": "won", "amount": 1000.0, "currency": "EUR",
             "created_at": "2024-01-01", "closed_at": "2024-02-01"},
        ],
    )  # fmt: skip
    report = build_report(workspace, Config(), sections=["kpis", "funnel"])
    for section in report.sections:
        assert [m.how for m in section.missing][-1] == (
            "crmroi targets set won_revenue 100000 --period 2025-03"
        )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "customers: 263; relative drop: 28.0%; p-value: < 0.001; p-value: 0.042; "
            "revenue, last 12 months: €37,079,178; P(alive): 99.0%; gap: 2,000",
        ),
        (
            "de",
            "Kunden: 263; relativer Rückgang: 28,0\xa0%; p-Wert: < 0,001; p-Wert: 0,042; "
            "Umsatz, letzte 12 Monate: 37.079.178\xa0€; P(aktiv): 99,0\xa0%; Lücke: 2.000",
        ),
    ],
)
def test_evidence_of_the_newer_detectors_reads_by_meaning(lang: str, expected: str) -> None:
    """A p-value is no money (its key holds "value") and never a bare 0; drops and P(alive) are
    shares; a target gap is in the KPI's own unit, so it gets none."""
    evidence = {
        "customers": 263,
        "relative_drop": 0.28,
        "p_value": 0.00001,
        "lift_p_value": 0.0421,
        "revenue_12m": 37_079_178.0,
        "p_alive": 0.99,
        "gap": 2000.0,
    }
    assert evidence_text(evidence, lang, "EUR") == expected
