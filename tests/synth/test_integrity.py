"""Every table matches the schema, keys are unique, references resolve, times are consistent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmroi.schema import TABLES_BY_NAME
from crmroi.synth import experiment, generate
from crmroi.synth.columns import PANDAS_DTYPES

START, END = pd.Timestamp("2023-01-01"), pd.Timestamp("2026-01-01")


@pytest.fixture(scope="module", params=["plain", "spend_channels", "experiment"])
def tables(request: pytest.FixtureRequest) -> dict[str, pd.DataFrame]:
    """The small company, and the same with its spend-only channels' or experiment's rows."""
    option = {} if request.param == "plain" else {request.param: True}
    return generate("small", seed=0, **option).tables


def test_columns_and_dtypes_match_the_schema(tables: dict[str, pd.DataFrame]) -> None:
    for name, frame in tables.items():
        spec = TABLES_BY_NAME[name]
        assert tuple(frame.columns) == spec.column_names, name
        for column in spec.columns:
            assert frame[column.name].dtype == PANDAS_DTYPES[column.dtype], (name, column.name)


def test_keys_unique_and_required_filled(tables: dict[str, pd.DataFrame]) -> None:
    for name, frame in tables.items():
        spec = TABLES_BY_NAME[name]
        assert frame[spec.key].is_unique, name
        for column in spec.required:
            assert frame[column].notna().all(), (name, column)
        for column in spec.columns:
            if column.choices:
                assert set(frame[column.name].dropna()) <= set(column.choices), (name, column.name)


def test_derived_keys_follow_the_natural_key(tables: dict[str, pd.DataFrame]) -> None:
    stages = tables["stages"]
    assert (stages["stage_key"] == stages["pipeline"] + "|" + stages["stage"]).all()
    members = tables["campaign_members"]
    assert (members["member_key"] == members["campaign_id"] + "|" + members["contact_id"]).all()
    history = tables["deal_stage_history"]
    iso = history["entered_at"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    assert (history["history_key"] == history["deal_id"] + "|" + history["stage"] + "|" + iso).all()
    enrol = tables["workflow_enrollments"]
    iso = enrol["enrolled_at"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    key = enrol["workflow_id"] + "|" + enrol["contact_id"] + "|" + iso
    assert (enrol["enrollment_key"] == key).all()


REFERENCES = [
    ("accounts", "owner_id", "users", "user_id"),
    ("contacts", "account_id", "accounts", "account_id"),
    ("contacts", "owner_id", "users", "user_id"),
    ("deals", "account_id", "accounts", "account_id"),
    ("deals", "contact_id", "contacts", "contact_id"),
    ("deals", "owner_id", "users", "user_id"),
    ("deals", "campaign_id", "campaigns", "campaign_id"),
    ("deal_stage_history", "deal_id", "deals", "deal_id"),
    ("deal_stage_history", "stage", "stages", "stage"),
    ("activities", "user_id", "users", "user_id"),
    ("activities", "contact_id", "contacts", "contact_id"),
    ("activities", "account_id", "accounts", "account_id"),
    ("activities", "deal_id", "deals", "deal_id"),
    ("campaign_members", "campaign_id", "campaigns", "campaign_id"),
    ("campaign_members", "contact_id", "contacts", "contact_id"),
    ("workflow_enrollments", "workflow_id", "workflows", "workflow_id"),
    ("workflow_enrollments", "contact_id", "contacts", "contact_id"),
    ("touchpoints", "contact_id", "contacts", "contact_id"),
    ("touchpoints", "account_id", "accounts", "account_id"),
    ("touchpoints", "campaign_id", "campaigns", "campaign_id"),
    ("touchpoints", "workflow_id", "workflows", "workflow_id"),
    ("web_sessions", "contact_id", "contacts", "contact_id"),
    ("orders", "account_id", "accounts", "account_id"),
    ("orders", "contact_id", "contacts", "contact_id"),
    ("orders", "deal_id", "deals", "deal_id"),
    ("survey_responses", "contact_id", "contacts", "contact_id"),
    ("survey_responses", "account_id", "accounts", "account_id"),
    ("costs", "workflow_id", "workflows", "workflow_id"),
]


@pytest.mark.parametrize(("child", "column", "parent", "key"), REFERENCES)
def test_references_resolve(
    tables: dict[str, pd.DataFrame], child: str, column: str, parent: str, key: str
) -> None:
    values = tables[child][column].dropna()
    assert len(values) > 0, f"{child}.{column} is never filled"
    assert values.isin(tables[parent][key]).all()


def test_touchpoint_account_is_the_contacts_account(tables: dict[str, pd.DataFrame]) -> None:
    account = tables["contacts"].set_index("contact_id")["account_id"]
    tp = tables["touchpoints"]
    assert (tp["contact_id"].map(account) == tp["account_id"]).all()
    deals = tables["deals"]
    assert (deals["contact_id"].map(account) == deals["account_id"]).all()


def test_times_inside_the_horizon(tables: dict[str, pd.DataFrame]) -> None:
    for name, column in [
        ("accounts", "created_at"),
        ("contacts", "created_at"),
        ("deals", "created_at"),
        ("deals", "closed_at"),
        ("activities", "occurred_at"),
        ("touchpoints", "occurred_at"),
        ("web_sessions", "started_at"),
        ("orders", "occurred_at"),
        ("survey_responses", "answered_at"),
        ("costs", "incurred_at"),
        ("deal_stage_history", "entered_at"),
    ]:
        values = tables[name][column].dropna()
        assert values.min() >= START and values.max() < END, (name, column)


def test_deal_status_matches_its_history(tables: dict[str, pd.DataFrame]) -> None:
    deals = tables["deals"].set_index("deal_id")
    stages = tables["stages"].set_index("stage_key")
    history = tables["deal_stage_history"].merge(
        tables["deals"][["deal_id", "pipeline"]], on="deal_id"
    )
    history["position"] = (history["pipeline"] + "|" + history["stage"]).map(stages["position"])
    assert history["position"].notna().all(), "a stage of the wrong pipeline"
    history = history.sort_values(["deal_id", "entered_at", "position"])
    first = history.groupby("deal_id").first()
    last = history.groupby("deal_id").last()
    assert (first["position"] == 0).all()
    assert (first["entered_at"] == deals.loc[first.index, "created_at"]).all()
    assert (last["stage"] == deals.loc[last.index, "stage"]).all()
    assert history.groupby("deal_id")["position"].is_monotonic_increasing.all()
    closed = deals["status"] != "open"
    assert (last.loc[closed[closed].index, "entered_at"] == deals.loc[closed, "closed_at"]).all()
    won = deals.index[deals["status"] == "won"]
    lost = deals.index[deals["status"] == "lost"]
    assert (last.loc[won, "stage"] == "Closed Won").all()
    assert (last.loc[lost, "stage"] == "Closed Lost").all()
    assert deals.loc[lost, "loss_reason"].notna().all()
    assert deals.loc[deals["status"] != "lost", "loss_reason"].isna().all()
    assert deals.loc[~closed, "expected_close_at"].notna().all()
    n_open = {"sales": 4, "enterprise": 6}
    full = history.groupby("deal_id").size()
    won_deals = deals.loc[won]
    skipped = full.loc[won] < won_deals["pipeline"].map(n_open) + 1
    assert skipped.any(), "some deals skip a stage"


def test_deal_follows_its_lead(tables: dict[str, pd.DataFrame]) -> None:
    contacts = tables["contacts"].set_index("contact_id")
    deals = tables["deals"]
    assert deals["contact_id"].is_unique
    assert (deals["created_at"] == deals["contact_id"].map(contacts["converted_at"])).all()
    assert (deals["created_at"] > deals["contact_id"].map(contacts["created_at"])).all()
    customers = contacts.loc[deals.loc[deals["status"] == "won", "contact_id"]]
    assert (customers["lifecycle_stage"] == "customer").all()
    assert contacts["converted_at"].notna().sum() == len(deals)


def test_journey_touches_precede_conversion(tables: dict[str, pd.DataFrame]) -> None:
    """The experiment's e-mail is not part of a journey: it reaches lost and open leads too."""
    contacts = tables["contacts"].set_index("contact_id")
    campaigns = tables["campaigns"]
    offer = set(campaigns.loc[campaigns["name"] == experiment.NAME, "campaign_id"])
    tp = tables["touchpoints"]
    tp = tp[~tp["campaign_id"].isin(offer)]
    journey = tp[tp["campaign_id"].notna() | tp["workflow_id"].notna()]
    converted = journey["contact_id"].map(contacts["converted_at"])
    created = journey["contact_id"].map(contacts["created_at"])
    assert (journey["occurred_at"] >= created).all()
    has = converted.notna()
    assert (journey.loc[has, "occurred_at"] < converted[has]).all()


def test_controls_and_holdouts_get_no_touch(tables: dict[str, pd.DataFrame]) -> None:
    tp = tables["touchpoints"]
    members = tables["campaign_members"]
    control = members[members["is_control"]]
    assert len(control) > 0
    touched = set(zip(tp["campaign_id"], tp["contact_id"], strict=True))
    assert not any(
        pair in touched for pair in zip(control["campaign_id"], control["contact_id"], strict=True)
    )
    enrol = tables["workflow_enrollments"]
    hold = enrol[enrol["holdout"]]
    assert len(hold) > 0
    touched = set(zip(tp["workflow_id"], tp["contact_id"], strict=True))
    assert not any(
        pair in touched for pair in zip(hold["workflow_id"], hold["contact_id"], strict=True)
    )


def test_sizes_of_the_small_company(
    tables: dict[str, pd.DataFrame], truth: dict[str, object]
) -> None:
    users = tables["users"]
    assert 5 <= len(users) <= 40
    tracked = tables["contacts"]["source"].notna()  # spend-only channels' leads are untracked
    assert 1_900 <= int(tracked.sum()) <= 2_100
    assert tables["campaigns"]["channel"].nunique() >= 8
    assert len(tables["campaigns"]) >= 20
    assert set(tables["campaigns"]["source_system"]) >= {"crm", "google_ads", "meta_ads", "ga4"}
    assert {"order", "subscription", "return"} <= set(tables["orders"]["kind"])
    assert (
        tables["orders"].loc[tables["orders"]["kind"].isin(["return", "cancellation"]), "amount"]
        < 0
    ).all()
    assert set(tables["survey_responses"]["survey"]) == {"nps", "csat", "ces"}
    comments = tables["survey_responses"]["comment"].dropna()
    assert comments.str.contains("Support").any() and comments.str.contains("Der ").any()
    assert tables["activities"]["automated"].any()
    assert tables["web_sessions"]["contact_id"].notna().mean() > 0.2
    assert np.isclose(tables["web_sessions"]["revenue"].sum(), 0.0)
    assert truth["size"] == "small"


def test_nobody_works_after_leaving(tables: dict[str, pd.DataFrame]) -> None:
    """Activities and new deals of a user stop at ``active_to`` (earlier ones were migrated)."""
    left = tables["users"].set_index("user_id")["active_to"]
    assert left.notna().any(), "some rep leaves"
    act = tables["activities"].dropna(subset=["user_id"])
    until = act["user_id"].map(left)
    assert (until.isna() | (act["occurred_at"] < until)).all()
    deals = tables["deals"]
    until = deals["owner_id"].map(left)
    assert (until.isna() | (deals["created_at"] < until)).all()
