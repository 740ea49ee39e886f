"""`--suggest-map`: the drafts that went wrong in issue 11 point 5, value profiles, confidences."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

from crmroi import Workspace
from crmroi.cli.app import app
from crmroi.ingest.draft_toml import draft_toml
from crmroi.ingest.exports import import_any
from crmroi.ingest.mapping import load_mapping
from crmroi.ingest.profile import profile_column
from crmroi.ingest.readers import open_source
from crmroi.ingest.suggest import draft_for_file, suggest_mapping

EXPORT = """Nr;Phase;Wert;Angelegt;Kunde
A-1;Gewonnen;1.200,00 €;03.01.2024;Acme
A-2;In Verhandlung;800,50 €;04.01.2024;Beta
A-3;Verloren;1.000;05.01.2024;
"""
CORPUS = Path(__file__).resolve().parents[1] / "data" / "header_corpus.toml"
SAMPLES = {e["name"]: e for e in tomllib.loads(CORPUS.read_text(encoding="utf-8"))["entry"]}


def _write(tmp_path: Path, name: str) -> Path:
    entry = SAMPLES[name]
    path = tmp_path / entry["file"]
    path.write_text(entry["csv"].lstrip("\n"), encoding="utf-8")
    return path


def test_an_opportunities_export_drafts_deals_with_status_dates_amount_and_owner(
    tmp_path: Path, workspace: Workspace
) -> None:
    """The issue's export (Maven's sales_pipeline.csv) went to deal_stage_history, and with
    --table deals lost status, created date, amount and owner. The sample's deals: 3 Won,
    1 Lost, 2 Engaging and 1 Prospecting, which has no engage_date (a required created date)."""
    path = _write(tmp_path, "maven-sales-pipeline")
    for table in (None, "deals"):
        draft = draft_for_file(path, table=table)
        assert draft.table == "deals"
        sources = {g.field: g.source for g in draft.guesses}
        assert sources["status"] == "deal_stage"
        assert sources["created_at"] == "engage_date"
        assert sources["amount"] == "close_value"
        assert sources["owner_id"] == "sales_agent"
    status = draft.guess("status")
    assert status is not None
    assert dict(status.values) == {"Won": "won", "Lost": "lost"} and status.other == "open"
    (tmp_path / "draft.toml").write_text(draft_toml(draft, name="sales_pipeline"))
    (done,) = import_any(workspace, path, mapping=tmp_path / "draft.toml")
    r = done.result
    assert r.rows_read == 7 and r.rows_read == r.rows_loaded + r.rows_quarantined
    deals = workspace.table("deals").execute().set_index("deal_id")
    assert deals.loc["1C1I7A6R", "status"] == "won"
    assert deals.loc["MV1LWRNH", "status"] == "lost"
    assert deals.loc["PE84CX4O", "status"] == "open"
    assert deals.loc["Z063OYW0", "amount"] == 4514.0
    assert deals.loc["EC4QE1BX", "owner_id"] == "Darcel Schlecht"
    assert deals.loc["EC4QE1BX", "stage"] == "Won"


def test_has_company_is_not_an_account_id(shared_data: Path) -> None:
    """Olist's has_company holds True/False in 31 of the first 500 rows: a flag, not a
    reference to a company, whichever table the draft is for, and even from the header alone."""
    path = shared_data / "olist_marketing_funnel" / "olist_closed_deals_dataset.csv"
    for table in (None, "deals", "accounts", "contacts"):
        draft = draft_for_file(path, table=table)
        account = draft.guess("account_id")
        assert account is None or account.source != "has_company", table
    header = list(open_source(path).sections[0].header)
    assert 'column = "has_company"' not in suggest_mapping(header, name="olist")


def test_a_closed_deals_file_is_all_won(shared_data: Path) -> None:
    """Olist's closed deals have no status column, but every row has a won_date."""
    path = shared_data / "olist_marketing_funnel" / "olist_closed_deals_dataset.csv"
    draft = draft_for_file(path)
    status = draft.guess("status")
    assert draft.table == "deals" and status is not None and status.default == "won"
    assert 'default = "won"' in draft_toml(draft, name="olist")


def test_gender_is_not_an_end_date(tmp_path: Path) -> None:
    """A Meta ads export broken down by age and gender: `Gender` (female/male/unknown) is no
    date, so it fills no date field; `Day` gives each campaign's first and last day."""
    path = tmp_path / "meta-ads-by-gender.csv"
    path.write_text(
        "Campaign name,Day,Age,Gender,Amount spent (EUR),Impressions\n"
        "Spring leads,2024-03-01,25-34,female,120.50,10234\n"
        "Spring leads,2024-03-01,25-34,male,98.10,9876\n"
        "Spring leads,2024-03-01,35-44,unknown,12.00,1100\n"
        "Retargeting,2024-03-02,25-34,female,40.00,3300\n"
    )
    draft = draft_for_file(path, table="campaigns")
    assert all(g.source != "Gender" for g in draft.guesses if g.field.endswith("_at"))
    started, ended = draft.guess("started_at"), draft.guess("ended_at")
    assert started is not None and (started.source, started.aggregate) == ("Day", "min")
    assert ended is not None and (ended.source, ended.aggregate) == ("Day", "max")
    header_only = suggest_mapping(["Campaign", "Start", "Gender", "Spend"], table="campaigns")
    assert 'column = "Gender"' not in header_only


def test_the_nps_score_is_the_0_to_10_column_not_the_text(shared_data: Path) -> None:
    """BT's NPS file: NPS_SCORE holds 0–10, NPS_RATING Promoter/Passive/Detractor, text the
    comment. The score is NPS_SCORE and the survey therefore NPS."""
    draft = draft_for_file(shared_data / "nps_bt_verbatims" / "nps_verbatims.csv")
    sources = {g.field: g.source for g in draft.guesses}
    assert draft.table == "survey_responses"
    assert sources["score"] == "NPS_SCORE"
    assert sources["comment"] == "text"
    assert sources["survey"] == "default:nps"
    assert sources["answered_at"] == "CUSTOMER_RESPONSE_DATE"


def test_values_decide_where_headers_say_nothing(tmp_path: Path) -> None:
    """Headers without a hint: the Won/Lost labels are the status, the 0–10 whole numbers the
    score (not the rating words), the e-mail addresses the contact."""
    deals = tmp_path / "export.csv"
    deals.write_text(
        "Ref;Opened;Value;Closing\n"
        "R-1;2024-01-02;1.200,00;Won\n"
        "R-2;2024-01-05;800,00;Lost\n"
        "R-3;2024-01-09;450,00;Pending\n"
        "R-4;2024-01-12;2.000,00;Won\n"
    )
    draft = draft_for_file(deals, table="deals")
    status = draft.guess("status")
    assert status is not None and status.source == "Closing"
    survey = tmp_path / "answers.csv"
    survey.write_text(
        "Id,When,Rating,Q1,Mail\n"
        "1,2024-03-01,Great,9,ann@acme.example\n"
        "2,2024-03-02,Poor,3,ben@beta.example\n"
        "3,2024-03-03,Okay,7,cara@gamma.example\n"
        "4,2024-03-04,Great,10,dev@delta.example\n"
    )
    draft = draft_for_file(survey, table="survey_responses")
    sources = {g.field: g.source for g in draft.guesses}
    assert sources["score"] == "Q1"
    contact = draft.guess("contact_id")
    assert contact is not None and contact.source == "Mail"
    assert contact.transform == "email_hash" and contact.prefix == "email:"


def test_an_ad_report_by_day_is_combined_into_campaigns(
    tmp_path: Path, workspace: Workspace
) -> None:
    """Google Ads by day: two rows per campaign. The draft groups them: Brand - DE costs
    41.20 + 39.80 = 81.00 from 2024-03-01 to 03-02; Generic 173.70 + 0.00 = 173.70."""
    path = _write(tmp_path, "google-ads-daily")
    draft = draft_for_file(path)
    assert (draft.table, draft.group_by) == ("campaigns", "campaign_id")
    (tmp_path / "draft.toml").write_text(draft_toml(draft, name="ads"))
    import_any(workspace, path, mapping=tmp_path / "draft.toml")
    campaigns = workspace.table("campaigns").execute().set_index("campaign_id")
    assert campaigns["cost"].round(2).to_dict() == {
        "Brand - DE": 81.0,
        "Generic - CRM software": 173.7,
    }
    assert str(campaigns.loc["Brand - DE", "started_at"].date()) == "2024-03-01"
    assert str(campaigns.loc["Brand - DE", "ended_at"].date()) == "2024-03-02"


def test_contacts_without_an_id_are_keyed_by_their_hashed_email(tmp_path: Path) -> None:
    """Mailchimp's audience export has no contact id the CRM knows; the hashed address is the
    key, the same `email:<sha256>` survey answers carry, so they link."""
    draft = draft_for_file(_write(tmp_path, "mailchimp-audience"))
    contact = draft.guess("contact_id")
    assert draft.table == "contacts" and contact is not None
    assert (contact.source, contact.transform, contact.prefix) == (
        "Email Address",
        "email_hash",
        "email:",
    )


def test_the_docs_worked_example_imports_with_its_draft_unedited(
    tmp_path: Path, workspace: Workspace
) -> None:
    """docs/import-mappings.md: a German deals export (cp1252, `;`). The sample's decimal
    commas and dotted dates set `locale = "de"`, so row 3's "1.000" is a thousand; Gewonnen →
    won, Verloren → lost, In Verhandlung → open; € gives EUR."""
    path = tmp_path / "deals-export.csv"
    path.write_text(EXPORT, encoding="cp1252")
    draft = draft_for_file(path)
    assert (draft.table, draft.locale) == ("deals", "de")
    (tmp_path / "draft.toml").write_text(draft_toml(draft, name="deals-export"))
    import_any(workspace, path, mapping=tmp_path / "draft.toml")
    deals = workspace.table("deals").execute().set_index("deal_id").sort_index()
    assert deals["status"].tolist() == ["won", "open", "lost"]
    assert deals["amount"].tolist() == [1200.0, 800.5, 1000.0]
    assert deals["currency"].tolist()[:2] == ["EUR", "EUR"]
    assert deals.loc["A-1", "account_id"] == "Acme"


def test_profiles_tell_scores_flags_and_statuses_apart() -> None:
    score = profile_column("NPS", ["0", "7", "10", "9", "", "3"])
    assert score.is_zero_to_ten and score.fill == 5 / 6
    flag = profile_column("has_company", ["True", "False", None, None, "True"])
    assert flag.is_flag and not flag.is_enum
    status = profile_column("deal_stage", ["Won", "Lost", "Engaging", "Won", "Prospecting"])
    assert status.won_lost and not status.is_zero_to_ten
    dates = profile_column("d", ["11/04/2018 20:09", "01/05/2018 20:23"])
    assert dates.is_date  # day-first or month-first, dates either way


def test_every_field_shows_its_confidence_and_doubtful_ones_are_flagged(
    shared_data: Path, tmp_path: Path
) -> None:
    path = shared_data / "olist_marketing_funnel" / "olist_closed_deals_dataset.csv"
    draft = draft_for_file(path)
    text = draft_toml(draft, name="olist")
    lines = text.splitlines()
    blocks = [i for i, line in enumerate(lines) if line.startswith("[fields.")]
    assert len(blocks) == len(draft.guesses) >= 4
    for i in blocks:
        assert lines[i + 1].startswith("# confidence ")
        shown = float(lines[i + 1].split()[2].rstrip(":"))
        assert ("CHECK" in lines[i + 1]) is (shown < 0.6)
    assert any("CHECK" in lines[i + 1] for i in blocks)
    (tmp_path / "draft.toml").write_text(text)
    assert load_mapping(tmp_path / "draft.toml").table == "deals"


def test_cli_prints_the_draft_and_each_fields_confidence(tmp_path: Path) -> None:
    """stdout is the TOML (for `> my.toml`), stderr one line per field with its confidence."""
    path = _write(tmp_path, "maven-sales-pipeline")
    result = CliRunner().invoke(
        app, ["-w", str(tmp_path / "w.duckdb"), "import", str(path), "--suggest-map"]
    )
    assert result.exit_code == 0, result.output
    mapping = tomllib.loads(result.stdout)
    assert mapping["table"] == "deals"
    assert mapping["fields"]["status"]["column"] == "deal_stage"
    assert "sales_pipeline.csv → deals (confidence" in result.stderr
    status_line = next(line for line in result.stderr.splitlines() if "status" in line)
    assert "deal_stage" in status_line and "0.75" in status_line


def test_a_table_the_file_cannot_fill_does_not_win_on_confidence(tmp_path: Path) -> None:
    """An e-mail test's file has `channel` and `spend` columns but no date: `channel_spend`
    (period_start required) matches two of its columns, yet its draft could never import. The
    draft that can import wins. (Hillstrom's real file was drafted as channel_spend when that
    table arrived: 0.43 against campaign_members' 0.34.)"""
    path = tmp_path / "email_test.csv"
    rows = ["recency,history,segment,visit,conversion,spend,channel"]
    rows += [
        f"{i % 12 + 1},{100 + i},{'Mens E-Mail' if i % 3 else 'No E-Mail'},{i % 2},0,"
        f"{0 if i % 5 else 29.99},{'Web' if i % 2 else 'Phone'}"
        for i in range(60)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert draft_for_file(path, table="channel_spend").missing == ("period_start",)
    draft = draft_for_file(path)
    assert draft.table != "channel_spend" and draft.missing == ()
