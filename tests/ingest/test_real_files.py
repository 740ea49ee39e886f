"""Real exports from ../shared/data, imported through mappings, against the published figures.

The mappings live in tests/data/mappings/ (these files are not vendor CRM exports, so no preset
claims them). Reference figures: /work/shared/data/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.ingest.exports import ExportResult, import_any
from crmroi.ingest.relations import dangling_references

MAPPINGS = Path(__file__).resolve().parents[1] / "data" / "mappings"


def load(ws: Workspace, path: Path, mapping: str) -> ExportResult:
    (result,) = import_any(ws, path, mapping=MAPPINGS / f"{mapping}.toml")
    r = result.result
    assert r.rows_read == r.rows_loaded + r.rows_quarantined
    return result


def test_olist_funnel(workspace: Workspace, shared_data: Path) -> None:
    """8,000 leads, 842 won deals that all join a lead: conversion 842 / 8,000 = 10.52 %."""
    folder = shared_data / "olist_marketing_funnel"
    leads = load(workspace, folder / "olist_marketing_qualified_leads_dataset.csv", "olist_leads")
    deals = load(workspace, folder / "olist_closed_deals_dataset.csv", "olist_deals")
    assert (leads.result.rows_loaded, leads.result.rows_quarantined) == (8000, 0)
    assert (deals.result.rows_loaded, deals.result.rows_quarantined) == (842, 0)
    assert not [
        d for d in dangling_references(workspace) if d.table == "deals" and d.column == "contact_id"
    ]
    c, d = workspace.table("contacts"), workspace.table("deals")
    joined = c.left_join(d, c.contact_id == d.contact_id)
    by_origin = (
        joined.group_by(origin=c.source.fill_null("(missing)"))
        .aggregate(leads=c.contact_id.nunique(), won=d.deal_id.count())
        .execute()
        .set_index("origin")
    )
    assert by_origin.loc["paid_search"].tolist() == [1586, 195]
    assert by_origin.loc["organic_search"].tolist() == [2296, 271]
    assert by_origin.loc["direct_traffic"].tolist() == [499, 56]
    assert by_origin.loc["social"].tolist() == [1350, 75]
    assert by_origin.loc["email"].tolist() == [493, 15]
    assert by_origin.loc["unknown"].tolist() == [1099, 179]
    assert by_origin.loc["(missing)"].tolist() == [60, 14]
    days = joined.filter(d.deal_id.notnull()).select(
        days=(d.closed_at.date() - c.created_at.date()).cast("int64")  # interval → days
    )
    assert days.days.median().execute() == pytest.approx(14)


def test_nps_answers(workspace: Workspace, shared_data: Path) -> None:
    """2,385 answers; the 32 without a score load with an empty score (decision: keep the
    comment and stage). Scored: 690 promoters, 392 passives, 1,271 detractors, NPS −24.69.
    Dates are day-first (decided from the column: some days exceed 12)."""
    result = load(
        workspace, shared_data / "nps_bt_verbatims" / "nps_verbatims.csv", "nps_verbatims"
    )
    assert (result.result.rows_loaded, result.result.rows_quarantined) == (2385, 0)
    s = workspace.table("survey_responses")
    assert s.filter(s.score.isnull()).count().execute() == 32
    scored = s.filter(s.score.notnull())
    counts = (
        scored.aggregate(
            promoters=(scored.score >= 9).sum(),
            passives=((scored.score >= 7) & (scored.score <= 8)).sum(),
            detractors=(scored.score <= 6).sum(),
            n=scored.count(),
        )
        .execute()
        .iloc[0]
    )
    assert (counts.promoters, counts.passives, counts.detractors, counts.n) == (
        690,
        392,
        1271,
        2353,
    )
    nps = 100 * (counts.promoters - counts.detractors) / counts.n
    assert nps == pytest.approx(-24.69, abs=0.005)
    first = s.filter(s.response_id == "bt:1").answered_at.execute().iloc[0]
    assert first == pd.Timestamp("2018-04-11 20:09")  # "11/04/2018 20:09" is 11 April
    by_stage = (
        scored.group_by("stage")
        .aggregate(
            nps=100
            * (
                (scored.score >= 9).cast("float64").mean()
                - (scored.score <= 6).cast("float64").mean()
            )
        )
        .execute()
        .set_index("stage")["nps"]
    )
    assert by_stage["Order"] == pytest.approx(-9.98, abs=0.005)
    assert by_stage["Service in Use"] == pytest.approx(-76.67, abs=0.005)


def test_ga360_hits_become_sessions(workspace: Workspace, shared_data: Path) -> None:
    """281,493 hit rows → 74,247 sessions (userID + sessionID, ids kept as text with their
    leading zeros) of 60,523 users.

    Transactions and revenue are checked against pandas on the same file (max of the
    session-level fields per session): 1,117 transactions, 169,629.86 USD. The README's
    1,104 / 168,965.25 did not reproduce with any session key tried (userID+sessionID, +date,
    +visitNumber; July only gives 1,072 / 160,739.86); reported to the lead.
    """
    path = shared_data / "google_analytics_sample" / "ga360_merchstore_bq_results_2017-07.csv"
    result = load(workspace, path, "ga360_hits")
    assert result.rows_combined == 281_493
    assert (result.result.rows_loaded, result.result.rows_quarantined) == (74_247, 0)
    w = workspace.table("web_sessions")
    agg = (
        w.aggregate(
            users=w.user_pseudo_id.nunique(),
            conversions=w.conversions.sum(),
            revenue=w.revenue.sum(),
            zeros=w.user_pseudo_id.nunique(where=w.user_pseudo_id.startswith("0")),
        )
        .execute()
        .iloc[0]
    )
    hits = pd.read_csv(path, dtype=str)
    per_session = hits.assign(
        t=hits.transactions.astype(float), r=hits.totalTransactionRevenue.astype(float)
    ).groupby(["userID", "sessionID"])
    assert agg.users == 60_523 == hits.userID.nunique()
    assert agg.conversions == per_session.t.max().sum() == 1117
    assert agg.revenue == pytest.approx(per_session.r.max().sum() / 1e6)
    assert agg.revenue == pytest.approx(169_629.86)
    assert agg.zeros == hits.loc[hits.userID.str.startswith("0"), "userID"].nunique()


@pytest.mark.parametrize(
    ("name", "rows", "yes", "rates"),
    [
        ("bank-full.csv", 45_211, 5_289, {"cellular": 0.1492, "telephone": 0.1342}),
        ("bank-additional-full.csv", 41_188, 4_640, {"cellular": 0.1474, "telephone": 0.0523}),
    ],
)
def test_bank_marketing(
    workspace: Workspace, shared_data: Path, name: str, rows: int, yes: int, rates: dict[str, float]
) -> None:
    """`;`-separated, every value quoted: 45,211 / 41,188 calls, y = yes 11.70 % / 11.27 %;
    conversion by contact channel (README: cellular 14.74 %, telephone 5.23 % in the
    additional file)."""
    result = load(workspace, shared_data / "uci_bank_marketing" / name, "bank_marketing")
    assert (result.result.rows_loaded, result.result.rows_quarantined) == (rows, 0)
    m = workspace.table("campaign_members")
    assert m.filter(m.status == "yes").count().execute() == yes
    by = (
        m.group_by("campaign_id")
        .aggregate(rate=(m.status == "yes").cast("float64").mean())
        .execute()
        .set_index("campaign_id")["rate"]
    )
    for channel, rate in rates.items():
        assert by[f"bank:{channel}"] == pytest.approx(rate, abs=5e-5)


@pytest.mark.slow
def test_online_retail_orders(workspace: Workspace, shared_data: Path) -> None:
    """541,909 invoice lines: 25,900 invoices, 4,372 customers, Σ quantity × price = 9,747,747.93;
    customer lines without cancellations: 397,924 lines, 4,339 customers, 18,536 invoices,
    revenue 8,911,407.90."""
    path = shared_data / "uci_online_retail" / "online_retail.csv"
    result = load(workspace, path, "online_retail")
    assert (result.result.rows_loaded, result.result.rows_quarantined) == (541_909, 0)
    o = workspace.table("orders")
    invoice = o.order_id.split("|")[0]
    everything = (
        o.aggregate(
            invoices=invoice.nunique(), customers=o.contact_id.nunique(), total=o.amount.sum()
        )
        .execute()
        .iloc[0]
    )
    assert (everything.invoices, everything.customers) == (25_900, 4_372)
    assert everything.total == pytest.approx(9_747_747.93, abs=0.01)
    kept = o.filter((o.kind == "order") & o.contact_id.notnull())
    inv = kept.order_id.split("|")[0]
    clean = (
        kept.aggregate(
            lines=kept.count(),
            customers=kept.contact_id.nunique(),
            invoices=inv.nunique(),
            revenue=kept.amount.sum(),
        )
        .execute()
        .iloc[0]
    )
    assert (clean.lines, clean.customers, clean.invoices) == (397_924, 4_339, 18_536)
    assert clean.revenue == pytest.approx(8_911_407.90, abs=0.01)
