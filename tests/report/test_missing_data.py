"""Reports on partial workspaces, through the real CLI: no crash, figures where the data allows,
and a "Missing: …, add it with …" line where it does not (issue 11 point 2)."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmroi import Workspace
from crmroi.cli.app import app
from crmroi.config import CompanySettings, Config
from crmroi.report import build_report
from tests.support import insert_rows

runner = CliRunner()

ORDERS = """order_id,account_id,occurred_at,amount,currency,kind
O1,A,2024-01-05,100,EUR,order
O2,A,2024-02-05,120,EUR,order
O3,B,2024-01-20,80,EUR,order
O4,B,2024-03-02,80,EUR,order
"""

NPS_ONLY = """response_id,account_id,survey,score,scale_max,answered_at
R1,A,nps,10,10,2024-02-01
R2,A,nps,9,10,2024-02-02
R3,B,nps,7,10,2024-02-03
R4,B,nps,3,10,2024-02-04
"""

DEALS = """deal_id,status,amount,currency,created_at,closed_at
D1,won,1000,EUR,2024-01-01,2024-02-01
D2,won,3000,EUR,2024-01-10,2024-03-11
D3,lost,500,EUR,2024-01-15,2024-02-15
D4,open,700,EUR,2024-02-01,
"""

COSTS = """cost_id,category,amount,currency,incurred_at,recurrence
C1,licence,100,EUR,2024-01-01,monthly
C2,implementation,5000,EUR,2024-01-01,
"""


def _report(tmp_path: Path, files: dict[str, str], out: str = "r.html", *extra: str) -> str:
    """Import ``files`` (name → CSV text) into a fresh workspace and write the report."""
    ws = tmp_path / "w.duckdb"
    paths = []
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    result = runner.invoke(app, ["-w", str(ws), "import", *paths])
    assert result.exit_code == 0, result.output
    target = tmp_path / out
    result = runner.invoke(app, ["-w", str(ws), "report", "--out", str(target), *extra])
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    return target.read_text(encoding="utf-8") if out.endswith(".html") else ""


def _section(page: str, section_id: str) -> str:
    """The visible text of one section of the report."""
    found = re.search(rf'<section id="{section_id}">(.*?)</section>', page, re.S)
    assert found is not None, f"no section {section_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def test_orders_only_report_has_customer_figures_and_names_the_rest(tmp_path: Path) -> None:
    """Used to stop with "ValueError: cannot convert float NaN to integer" (no survey answers).

    The card shows the customer base of the last month (window 1: who bought in it): A bought
    in January and February, B in January and March, so March's base is {B}: 1.
    """
    page = _report(tmp_path, {"orders.csv": ORDERS})
    customers = _section(page, "customers")
    assert "Paying customers 1" in customers
    assert (
        "Missing: survey answers (NPS, CSAT, CES), table survey_responses — add it with "
        "crmroi import survey_responses.csv --table survey_responses" in customers
    )
    for section, table in (("sales", "deals"), ("impact", "touchpoints"), ("costs", "costs")):
        assert f"add it with crmroi import {table}.csv --table {table}" in _section(page, section)
    assert "Not computed" not in page


def test_orders_and_nps_answers_give_the_nps_without_csat(tmp_path: Path) -> None:
    """Used to stop with "TypeError: int() argument must be … not 'NoneType'" (no CSAT answers).

    Scores 10, 9, 7, 3: promoters 2, passives 1, detractors 1 → NPS = 100 × (2 − 1) / 4 = 25.
    """
    page = _report(tmp_path, {"orders.csv": ORDERS, "survey_responses.csv": NPS_ONLY})
    customers = _section(page, "customers")
    assert "NPS 25 " in customers and "4 answers" in customers
    assert "CSAT" not in customers.replace("NPS, CSAT, CES", "")
    assert "Missing" not in customers


def test_deals_without_adoption_date_still_show_the_sales_figures(tmp_path: Path) -> None:
    """No config, no users, no costs: no go-live date can be known.

    Closed deals: D1 won 1,000, D2 won 3,000, D3 lost → won revenue €4,000, 2 won deals,
    win rate 2 / 3 = 66.7 %, average deal size €2,000; D4 is open and counts in none.
    """
    page = _report(tmp_path, {"deals.csv": DEALS})
    sales = _section(page, "sales")
    assert "Won revenue €4,000" in sales
    assert "Won deals 2" in sales
    assert "Win rate 66.7%" in sales
    assert "Average deal size €2,000" in sales
    assert (
        "Missing: the date the CRM went live (to compare before and after) — add it with "
        "adoption_date = 2024-07-01 under [company] in crmroi.toml" in sales
    )
    assert "before:" not in sales


def test_won_deals_without_amounts_show_no_revenue_and_say_why(tmp_path: Path) -> None:
    """An export without amounts (like Olist's closed deals): the won revenue is unknown, not
    €0, and the empty revenue chart gives way to the line that names the missing field. The
    counts still hold: 2 won, 1 lost → win rate 66.7 %."""
    no_amounts = re.sub(r",(1000|3000|500|700),EUR,", ",,EUR,", DEALS)
    assert ",1000," not in no_amounts
    page = _report(tmp_path, {"deals.csv": no_amounts})
    sales = _section(page, "sales")
    assert "Won revenue – " in sales and "€0" not in sales
    assert "Won deals 2" in sales and "Win rate 66.7%" in sales
    assert "Missing: the amounts of the won deals (deals.amount is empty on every one)" in sales
    assert 'id="chart-won-revenue"' not in page
    (tmp_path / "priced").mkdir()
    assert 'id="chart-won-revenue"' in _report(tmp_path / "priced", {"deals.csv": DEALS})


@pytest.mark.parametrize("out", ["r.html", "r.pdf", "r.xlsx"])
def test_deals_and_costs_render_in_every_format(tmp_path: Path, out: str) -> None:
    page = _report(tmp_path, {"deals.csv": DEALS, "costs.csv": COSTS}, out, "--lang", "de")
    assert (tmp_path / out).stat().st_size > 1000
    if page:
        assert "Gewonnener Umsatz 4.000" in _section(page, "sales")


def test_no_deals_before_go_live_means_no_before_figures(workspace: Workspace) -> None:
    """Go-live 2023-06-01 precedes every deal: "before" would be 0 and read as a rise."""
    insert_rows(
        workspace,
        "deals",
        [
            {"deal_id": "D1", "status": "won", "amount": 1000.0, "currency": "EUR",
             "created_at": "2024-01-01", "closed_at": "2024-02-01"},
        ],
    )  # fmt: skip
    config = Config(company=CompanySettings(adoption_date=date(2023, 6, 1)))
    report = build_report(workspace, config, sections=["sales"])
    (sales,) = report.sections
    assert [m.previous for m in sales.metrics] == [None] * 5
    assert sales.metrics[0].value == 1000.0
    assert sales.notes == (
        "No deal closed before 2023-06-01: there is no 'before' to compare with.",
    )
