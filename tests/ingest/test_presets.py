"""Vendor exports through the shipped presets: detection, counts that reconcile, values."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow.json as pj
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from crmroi import Workspace
from crmroi.errors import InputError
from crmroi.ingest.exports import import_any
from crmroi.ingest.readers import open_source
from crmroi.ingest.sources import choose, presets

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"

CASES = [
    # file, [(preset, table, loaded, quarantined)]
    ("hubspot_deals_en.csv", [("hubspot-deals", "deals", 4, 0)]),
    ("hubspot_deals_de.csv", [("hubspot-deals", "deals", 3, 1)]),
    ("hubspot_contacts.csv", [("hubspot-contacts", "contacts", 4, 0)]),
    ("hubspot_companies.csv", [("hubspot-companies", "accounts", 3, 0)]),
    ("salesforce_opportunity_report.csv", [("salesforce-opportunity-report", "deals", 4, 0)]),
    ("salesforce_Opportunity.csv", [("salesforce-opportunity", "deals", 3, 0)]),
    (
        "salesforce_OpportunityHistory.csv",
        [("salesforce-opportunity-history", "deal_stage_history", 5, 0)],
    ),
    ("salesforce_Campaign.csv", [("salesforce-campaign", "campaigns", 2, 0)]),
    ("salesforce_CampaignMember.csv", [("salesforce-campaign-member", "campaign_members", 2, 1)]),
    ("pipedrive_deals.csv", [("pipedrive-deals", "deals", 3, 0)]),
    ("pipedrive_persons.csv", [("pipedrive-persons", "contacts", 2, 0)]),
    ("pipedrive_organizations.csv", [("pipedrive-organizations", "accounts", 2, 0)]),
    ("pipedrive_activities.csv", [("pipedrive-activities", "activities", 3, 0)]),
    ("nutshell_leads.csv", [("nutshell-leads", "deals", 3, 0)]),
    ("nutshell_people.csv", [("nutshell-people", "contacts", 2, 0)]),
    ("nutshell_companies.csv", [("nutshell-companies", "accounts", 2, 0)]),
    (
        "ga4_events.ndjson",
        [("ga4-events", "web_sessions", 3, 0), ("ga4-events-touchpoints", "touchpoints", 3, 0)],
    ),
    (
        "ga4_ui_traffic_acquisition.csv",
        [("ga4-ui-report", "web_traffic", 2, 0), ("ga4-ui-report", "web_traffic", 2, 0)],
    ),
    ("ga4_ui_free_form.csv", [("ga4-ui-report", "web_traffic", 2, 1)]),
    ("google_ads_weekly.csv", [("google-ads-costs", "campaigns", 2, 0)]),
    ("meta_ads_campaigns.csv", [("meta-ads-costs", "campaigns", 2, 0)]),
    (
        "surveymonkey_nps.csv",
        [
            ("surveymonkey-nps", "survey_responses", 3, 0),
            ("surveymonkey-csat", "survey_responses", 3, 0),
        ],
    ),
    ("typeform_nps.csv", [("typeform-nps", "survey_responses", 2, 1)]),
    ("delighted_responses.json", [("delighted", "survey_responses", 3, 0)]),
    ("cost_ledger_de.csv", [("cost-ledger", "costs", 4, 1)]),
]


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[c[0] for c in CASES])
def test_every_fixture_picks_its_preset_and_reconciles(
    workspace: Workspace, name: str, expected: list[tuple[str, str, int, int]]
) -> None:
    results = import_any(workspace, EXPORTS / name)
    got = [
        (r.mapping, r.result.table, r.result.rows_loaded, r.result.rows_quarantined)
        for r in results
    ]
    assert got == expected
    for r in results:
        assert r.result.rows_read == r.result.rows_loaded + r.result.rows_quarantined
        assert workspace.count(r.result.table) >= r.result.rows_loaded


def test_every_preset_has_a_fixture() -> None:
    covered = {preset for _, cases in CASES for preset, *_ in cases}
    assert set(presets()) - covered == {
        "surveymonkey-ces"
    }  # chained; no CES question in the fixture


def frame(ws: Workspace, table: str) -> pd.DataFrame:
    return ws.table(table).execute().set_index(ws.spec(table).key).sort_index()


def test_german_hubspot_values(workspace: Workspace) -> None:
    """cp1252, `;`, decimal comma, dd.mm.yyyy: 1.234,56 → 1234.56, -1.000 → −1000; German stage
    labels map to won/lost; the row with `12,5O0` is quarantined naming the German column."""
    (result,) = import_any(workspace, EXPORTS / "hubspot_deals_de.csv")
    deals = frame(workspace, "deals")
    assert deals.loc["hubspot:9101", "amount"] == 1234.56
    assert deals.loc["hubspot:9103", "amount"] == -1000.0
    assert deals.loc["hubspot:9101", "status"] == "won"
    assert deals.loc["hubspot:9103", "status"] == "lost"
    assert deals.loc["hubspot:9102", "status"] == "open"
    assert deals.loc["hubspot:9101", "closed_at"] == pd.Timestamp("2024-03-15 10:00")
    (problem,) = result.result.problems
    assert (problem.row_number, problem.column) == (4, "Betrag")
    assert "12,5O0" in problem.raw and "Ömer Öztürk" in problem.raw


def test_salesforce_report_amounts_percentages_and_us_dates(workspace: Workspace) -> None:
    import_any(workspace, EXPORTS / "salesforce_opportunity_report.csv")
    deals = frame(workspace, "deals")
    acme = deals.loc["salesforce:Acme Corp - 100 seats"]
    assert (acme.amount, acme.probability, acme.status) == (1_234_567.0, 1.0, "won")
    assert acme.created_at == pd.Timestamp("2024-01-05")  # 1/5/2024, month first (en-US)
    assert deals.loc["salesforce:Beta Ltd - renewal", "amount"] == 12_000.5


def test_meta_utf16_currency_from_the_header(workspace: Workspace) -> None:
    import_any(workspace, EXPORTS / "meta_ads_campaigns.csv")
    campaigns = frame(workspace, "campaigns")
    assert campaigns["currency"].tolist() == ["EUR", "EUR"]
    assert campaigns["cost"].sum() == pytest.approx(1579.66)
    assert "Frühjahrsaktion" in campaigns["name"].tolist()


def test_google_ads_weeks_combine_into_campaigns(workspace: Workspace) -> None:
    (result,) = import_any(workspace, EXPORTS / "google_ads_weekly.csv")
    assert result.rows_combined == 3
    brand = frame(workspace, "campaigns").loc["google_ads:Brand search"]
    assert brand.cost == pytest.approx(1234.56 + 1101.20)
    assert (brand.started_at, brand.ended_at) == (
        pd.Timestamp("2024-03-04"),
        pd.Timestamp("2024-03-11"),
    )


def test_ga4_events_to_sessions_and_touchpoints(workspace: Workspace, tmp_path: Path) -> None:
    """6 events of 3 sessions; the purchase session has the user id of a HubSpot contact."""
    import_any(workspace, EXPORTS / "ga4_events.ndjson")
    sessions = frame(workspace, "web_sessions")
    paid = sessions.loc["111.222|1709280000"]
    assert (paid.source, paid.medium, paid.campaign) == ("google", "cpc", "spring_sale")
    assert (paid.conversions, paid.revenue, bool(paid.engaged)) == (1, 99.5, True)
    assert paid.contact_id == "hubspot:701"
    assert paid.started_at == pd.Timestamp("2024-03-01 08:00")
    touch = frame(workspace, "touchpoints")
    assert sorted(touch.channel) == ["direct", "email", "paid_search"]


def test_ga4_parquet_export(workspace: Workspace, tmp_path: Path) -> None:
    """The BigQuery export also comes as Parquet (nested records kept): same sessions."""
    raw = pj.read_json(EXPORTS / "ga4_events.ndjson")
    pq.write_table(raw, tmp_path / "events_20240301.parquet")
    results = import_any(workspace, tmp_path / "events_20240301.parquet")
    assert [r.result.rows_loaded for r in results] == [3, 3]


def test_cost_ledger_xlsx(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "Kosten 2024.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Kosten")
    rows = [
        ["Kategorie", "Beschreibung", "Betrag", "Datum", "Turnus"],
        ["Lizenzen", "25 Nutzer", 2475, "2024-01-01", "monatlich"],
        ["Schulung", "2 Tage", 3200.5, "2024-02-05", "einmalig"],
    ]
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()
    (result,) = import_any(workspace, path)
    assert (result.mapping, result.result.rows_loaded) == ("cost-ledger", 2)
    costs = frame(workspace, "costs")
    assert costs["amount"].tolist() == [2475.0, 3200.5]
    assert costs["recurrence"].tolist() == ["monthly", "one-off"]
    assert costs.index.tolist() == ["ledger:1", "ledger:2"]  # no id column: the row number


def test_reimport_is_a_no_op_and_a_later_export_upserts(
    workspace: Workspace, tmp_path: Path
) -> None:
    first = import_any(workspace, EXPORTS / "pipedrive_deals.csv")[0]
    again = import_any(workspace, EXPORTS / "pipedrive_deals.csv")[0]
    assert again.result.unchanged and again.result.import_id == first.result.import_id
    later = tmp_path / "pipedrive_deals_later.csv"
    text = (
        (EXPORTS / "pipedrive_deals.csv")
        .read_text()
        .replace(",Proposal made,hot,Open,", ",Won,hot,Won,")
    )
    later.write_text(text)
    import_any(workspace, later)
    deals = frame(workspace, "deals")
    assert len(deals) == 3
    assert deals.loc["pipedrive:2", "status"] == "won"


def test_forced_source_and_no_match(workspace: Workspace, tmp_path: Path) -> None:
    copy = tmp_path / "export.csv"
    shutil.copy(EXPORTS / "hubspot_deals_en.csv", copy)
    (forced,) = import_any(workspace, copy, source="hubspot-deals")
    assert forced.score is None and forced.result.rows_loaded == 4
    with pytest.raises(InputError, match="unknown source 'hubspot'"):
        import_any(workspace, copy, source="hubspot")
    unknown = tmp_path / "inventory.csv"
    unknown.write_text("Sku,Shelf,Quantity\nA-1,3,12\n")
    with pytest.raises(InputError, match="no preset matches"):
        import_any(workspace, unknown)


def test_ga4_ui_report_days_and_channels(workspace: Workspace) -> None:
    """Both tables of the GA4 download: the Date table gives two days, the channel table the
    whole report period (from `# Start date` / `# End date`); the Grand total row is dropped."""
    results = import_any(workspace, EXPORTS / "ga4_ui_traffic_acquisition.csv")
    assert [(r.mapping, r.section, r.result.rows_loaded) for r in results] == [
        ("ga4-ui-report", 0, 2),
        ("ga4-ui-report", 1, 2),
    ]
    t = workspace.table("web_traffic").order_by(["period_end", "period_start", "channel"])
    rows = t.select(
        start=t.period_start.date().cast("string"),
        end=t.period_end.date().cast("string"),
        channel=t.channel,
        sessions=t.sessions,
        engaged=t.engaged_sessions,
    ).execute()
    assert list(rows.itertuples(index=False, name=None)) == [
        ("2024-01-01", "2024-01-01", None, 120, 80),
        ("2024-01-02", "2024-01-02", None, 98, 51),
        ("2024-01-01", "2024-01-07", "Direct", 68, 30),
        ("2024-01-01", "2024-01-07", "Organic Search", 150, 101),
    ]
    again = import_any(workspace, EXPORTS / "ga4_ui_traffic_acquisition.csv")
    assert all(r.result.unchanged for r in again)
    assert workspace.table("web_traffic").count().execute() == 4


def test_detection_prefers_the_best_overlap() -> None:
    header = list(open_source(EXPORTS / "pipedrive_deals.csv").sections[0].header)
    best = choose(header)[0]
    assert best.mapping.name == "pipedrive-deals" and best.score == 1.0


def test_ga4_exploration_range_and_quarantined_row(workspace: Workspace) -> None:
    """A free-form exploration: the `# 20260723-20260922` range line dates the rows; a
    `n/a` session count is quarantined with its row and column, not loaded as empty."""
    (result,) = import_any(workspace, EXPORTS / "ga4_ui_free_form.csv")
    (problem,) = result.result.problems
    assert (problem.row_number, problem.column) == (3, "Sessions")
    t = workspace.table("web_traffic").order_by("sessions")
    rows = t.select(
        start=t.period_start.date().cast("string"),
        end=t.period_end.date().cast("string"),
        source=t.source,
        campaign=t.campaign,
        sessions=t.sessions,
        key_events=t.key_events,
        revenue=t.revenue,
    ).execute()
    assert rows.to_dict("records") == [
        {"start": "2026-07-23", "end": "2026-09-22", "source": "newsletter / email",
         "campaign": "may_news", "sessions": 310, "key_events": 12.0, "revenue": 980.0},
        {"start": "2026-07-23", "end": "2026-09-22", "source": "google / cpc",
         "campaign": "spring_sale", "sessions": 1200, "key_events": 31.0, "revenue": 4210.5},
    ]  # fmt: skip
