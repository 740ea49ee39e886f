"""The truth agrees with the data: recomputed independently from the tables, with pandas.

Two kinds of check. *Realised* values in truth.json must equal what the tables say exactly (same
definition, independent code). *Planted* parameters must be recovered within a tolerance derived
from the binomial (or Poisson) standard error of the sample at hand: ``TOL`` standard errors, so
that a correct generator fails a check with probability well below 1 in 1,000 per check.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

TOL = 3.5
ADOPTION = pd.Timestamp("2024-07-01")
END = pd.Timestamp("2026-01-01")


def _crm_windows(
    tables: dict[str, pd.DataFrame], truth: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    deals = tables["deals"]
    adopters = deals[~deals["owner_id"].isin(truth["low_adoption_user_ids"])]
    after_end = pd.Timestamp(truth["crm_effect"]["after_window_end"])
    before = adopters[adopters["created_at"] < ADOPTION]
    after = adopters[(adopters["created_at"] >= ADOPTION) & (adopters["created_at"] < after_end)]
    return before, after


def _se(p: float, n: int) -> float:
    return float(np.sqrt(max(p * (1 - p), 1e-4) / max(n, 1)))


def test_win_rate_before_and_after_adoption(
    tables: dict[str, pd.DataFrame], truth: dict[str, Any]
) -> None:
    before, after = _crm_windows(tables, truth)
    effect = truth["crm_effect"]
    assert (before["status"] != "open").all() and (after["status"] != "open").all()
    rate_before = (before["status"] == "won").mean()
    rate_after = (after["status"] == "won").mean()
    assert rate_before == pytest.approx(effect["win_rate_before"], abs=1e-6)
    assert rate_after == pytest.approx(effect["win_rate_after"], abs=1e-6)
    assert effect["deals_before"] == len(before) and effect["deals_after"] == len(after)
    se = np.hypot(_se(rate_before, len(before)), _se(rate_after, len(after)))
    assert abs((rate_after - rate_before) - effect["win_rate_uplift_planted"]) < TOL * se


def test_cycle_is_shorter_after_adoption(
    tables: dict[str, pd.DataFrame], truth: dict[str, Any]
) -> None:
    before, after = _crm_windows(tables, truth)

    def days(frame: pd.DataFrame) -> pd.Series:
        return (frame["closed_at"] - frame["created_at"]).dt.total_seconds() / 86_400

    effect = truth["crm_effect"]
    assert days(before).mean() == pytest.approx(effect["cycle_days_mean_before"], abs=1e-3)
    assert days(after).mean() == pytest.approx(effect["cycle_days_mean_after"], abs=1e-3)
    # per segment, so a different segment mix after adoption cannot fake the effect
    ratios = [
        days(after[after["pipeline"] == p]).mean() / days(before[before["pipeline"] == p]).mean()
        for p in ("sales", "enterprise")
    ]
    assert all(r < 1.0 for r in ratios)


def test_low_adoption_reps_barely_log_in(
    tables: dict[str, pd.DataFrame], truth: dict[str, Any]
) -> None:
    users = tables["users"].set_index("user_id")
    act = tables["activities"]
    logins = act[act["type"] == "login"].groupby("user_id").size()
    seat_days = ((users["active_to"].fillna(END) - users["active_from"]).dt.days).clip(lower=1)
    rate = logins.reindex(users.index, fill_value=0) / seat_days
    low = truth["low_adoption_user_ids"]
    adopters = [u for u in truth["reps"] if u not in low]
    assert len(low) >= 1
    assert rate[low].max() < 0.2 * rate[adopters].min()
    deals = tables["deals"]
    new = deals.loc[deals["created_at"] >= ADOPTION, "deal_id"]
    per_user = act[act["deal_id"].isin(new)].groupby("user_id").size()
    after = deals[deals["deal_id"].isin(new)]
    open_days = (after["closed_at"].fillna(END) - after["created_at"]).dt.total_seconds() / 86_400
    deal_days = open_days.groupby(after["owner_id"]).sum()
    intensity = per_user.reindex(deal_days.index, fill_value=0) / deal_days  # per deal-day
    assert intensity.reindex(low).max() < intensity.reindex(adopters).median() / 3


def test_lead_response_time_improves_for_adopters(
    tables: dict[str, pd.DataFrame], truth: dict[str, Any]
) -> None:
    act = tables["activities"]
    outbound = act[(act["direction"] == "outbound") & act["contact_id"].notna() & ~act["automated"]]
    first = outbound.groupby("contact_id")["occurred_at"].min()
    contacts = tables["contacts"].set_index("contact_id")
    hours = (first - contacts.loc[first.index, "created_at"]).dt.total_seconds() / 3600
    owner = contacts.loc[first.index, "owner_id"]
    created = contacts.loc[first.index, "created_at"]
    low = owner.isin(truth["low_adoption_user_ids"])
    before = hours[created < ADOPTION].median()
    adopter = hours[(created >= ADOPTION) & ~low].median()
    realised = truth["lead_response_hours"]["median_realised"]
    assert before == pytest.approx(realised["before"], abs=1e-3)
    assert adopter == pytest.approx(realised["adopter"], abs=1e-3)
    assert adopter < before / 4


def _conversion_gap(treated: pd.Series, control: pd.Series) -> tuple[float, float]:
    """Difference in conversion rates and its standard error (pooled under no difference)."""
    p1, p0 = treated.mean(), control.mean()
    pooled = pd.concat([treated, control]).mean()
    se = np.sqrt(pooled * (1 - pooled) * (1 / len(treated) + 1 / len(control)))
    return p1 - p0, float(se)


def _converted(tables: dict[str, pd.DataFrame]) -> pd.Series:
    contacts = tables["contacts"].set_index("contact_id")
    # leads created this late may convert after the horizon; leave them out of both groups
    early = contacts["created_at"] < END - pd.Timedelta(days=120)
    return contacts.loc[early, "converted_at"].notna()


def test_workflow_holdouts_recover_the_planted_lift(
    tables: dict[str, pd.DataFrame], truth: dict[str, Any]
) -> None:
    converted = _converted(tables)
    enrol = tables["workflow_enrollments"]
    enrol = enrol[enrol["contact_id"].isin(converted.index)]
    for wf in truth["marketing"]["workflows"]:
        rows = enrol[enrol["workflow_id"] == wf["workflow_id"]]
        conv = rows["contact_id"].map(converted)
        gap, se = _conversion_gap(conv[~rows["holdout"]], conv[rows["holdout"]])
        assert abs(gap - wf["lift"]) < TOL * se, wf["name"]


def test_campaign_controls_recover_the_planted_lift(
    tables: dict[str, pd.DataFrame], truth: dict[str, Any]
) -> None:
    converted = _converted(tables)
    members = tables["campaign_members"]
    members = members[members["contact_id"].isin(converted.index)]
    channel = tables["campaigns"].set_index("campaign_id")["channel"]
    members = members.assign(channel=members["campaign_id"].map(channel))
    checked = 0
    for ch in truth["marketing"]["channels"]:
        rows = members[members["channel"] == ch["channel"]]
        if not ch["has_control_group"]:
            continue
        conv = rows["contact_id"].map(converted)
        gap, se = _conversion_gap(conv[~rows["is_control"]], conv[rows["is_control"]])
        assert abs(gap - ch["lift"]) < TOL * se, ch["channel"]
        checked += 1
    assert checked == 3


def test_marketing_truth_adds_up(tables: dict[str, pd.DataFrame], truth: dict[str, Any]) -> None:
    m = truth["marketing"]
    assert len(m["channels"]) >= 8 and len(m["campaigns"]) >= 20
    for ch in m["channels"]:
        mine = [c for c in m["campaigns"] if c["channel"] == ch["channel"]]
        assert ch["incremental_opportunities"] == pytest.approx(
            sum(c["incremental_opportunities"] for c in mine), abs=1e-3
        )
        assert ch["incremental_won_amount"] == pytest.approx(
            sum(c["incremental_won_amount"] for c in mine), abs=1
        )
    assert m["opportunities"] == len(tables["deals"])
    # the additive model's expectation explains the realised count (Poisson-binomial SE)
    assert abs(m["opportunities"] - m["expected_opportunities"]) < TOL * np.sqrt(
        m["expected_opportunities"]
    )
    zero = [c for c in m["channels"] if c["planted_mean_lift"] == 0]
    assert zero and all(c["incremental_opportunities"] == 0 for c in zero)


def test_cost_ledger_total(tables: dict[str, pd.DataFrame], truth: dict[str, Any]) -> None:
    """Occurrences counted with pandas date offsets: a different route to the same rule."""
    step = {"monthly": 1, "quarterly": 3, "yearly": 12}
    total: dict[str, float] = {}
    for row in tables["costs"].itertuples():
        if row.recurrence == "one-off":
            n = 1
        else:
            last = min(
                row.ends_at if pd.notna(row.ends_at) else END - pd.Timedelta(seconds=1),
                END - pd.Timedelta(seconds=1),
            )
            n = len(
                pd.date_range(
                    row.incurred_at, last, freq=pd.DateOffset(months=step[row.recurrence])
                )
            )
        total[row.category] = total.get(row.category, 0.0) + row.amount * n
    assert total == pytest.approx(truth["costs"]["by_category"])
    assert sum(total.values()) == pytest.approx(truth["costs"]["total"])
    seats = tables["costs"][tables["costs"]["category"] == "licence"]
    assert len(seats) == len(tables["users"])


def test_churn_hazard_is_recoverable(
    tables: dict[str, pd.DataFrame], truth: dict[str, Any]
) -> None:
    orders = tables["orders"]
    subs = orders[orders["kind"] == "subscription"]
    month = subs["occurred_at"].dt.to_period("M")
    per = subs.assign(month=month).groupby("deal_id")["month"].agg(["count", "max"])
    churned = per["max"] < pd.Period("2025-12", "M")
    exposure = np.where(churned, per["count"], per["count"] - 1).sum()
    hazard = churned.sum() / exposure
    c = truth["churn"]
    assert hazard == pytest.approx(c["monthly_hazard_realised_all"], abs=1e-6)
    assert c["churned"] == churned.sum()
    segment = tables["deals"].set_index("deal_id").loc[per.index, "pipeline"]
    planted = np.array([c["monthly_hazard_planted"]["SMB"]] * len(per))
    del segment, planted
    lo, hi = min(c["monthly_hazard_planted"].values()), max(c["monthly_hazard_planted"].values())
    se = np.sqrt(hi / exposure)
    assert lo - TOL * se < hazard < hi + TOL * se


def test_nps_and_duplicates(tables: dict[str, pd.DataFrame], truth: dict[str, Any]) -> None:
    nps = tables["survey_responses"]
    scores = nps.loc[nps["survey"] == "nps", "score"]
    value = 100 * ((scores >= 9).mean() - (scores <= 6).mean())
    assert value == pytest.approx(truth["nps"]["nps_realised"], abs=1e-3)
    shares = truth["nps"]["planted_shares"]
    var = (
        shares["promoters"]
        + shares["detractors"]
        - (shares["promoters"] - shares["detractors"]) ** 2
    )
    assert abs(value - truth["nps"]["nps_planted"]) < TOL * 100 * np.sqrt(var / len(scores))
    contacts = tables["contacts"]
    dupes = contacts[contacts["email_hash"].duplicated(keep="first")]
    assert len(dupes) == truth["duplicates"]["count"] > 0
    assert sorted(dupes["contact_id"]) == truth["duplicates"]["duplicate_contact_ids"]
    assert contacts["email_hash"].str.fullmatch(r"[0-9a-f]{64}").all()


def test_declining_accounts_fade_before_churn(
    tables: dict[str, pd.DataFrame], truth: dict[str, Any]
) -> None:
    """Touches + activities per account and month: the last 6 months before churn vs earlier.

    The comparison group is every other one-subscription customer with 8+ months of tenure
    (churned or still active, whose "last 6 months" end at their last charge).
    """
    declining = set(truth["engagement"]["declining_account_ids"])
    assert declining
    orders = tables["orders"]
    subs = orders[orders["kind"] == "subscription"]
    span = subs.groupby("account_id").agg(
        min=("occurred_at", "min"),
        max=("occurred_at", "max"),
        count=("occurred_at", "size"),
        deals=("deal_id", "nunique"),
        deal=("deal_id", "first"),
    )
    owner = span["deal"].map(tables["deals"].set_index("deal_id")["owner_id"])
    # like the declining ones: one subscription, and an owner who logs in the CRM
    span = span[(span["deals"] == 1) & ~owner.isin(truth["low_adoption_user_ids"])]
    churn = span["max"] + pd.Timedelta(days=30)
    tenure = span["count"]  # one charge per month
    churned = span[tenure >= 8]
    # the subscriber's own touches and activities (other people of the account are still leads)
    subscriber = span["deal"].map(tables["deals"].set_index("deal_id")["contact_id"])
    acts = tables["activities"]
    events = pd.concat(
        [
            tables["touchpoints"][["account_id", "contact_id", "occurred_at"]],
            acts.loc[acts["type"] != "login", ["account_id", "contact_id", "occurred_at"]],
        ]
    ).dropna()
    events = events[events["contact_id"] == events["account_id"].map(subscriber)]
    events = events[events["account_id"].isin(churned.index)]
    events = events[events["occurred_at"] >= events["account_id"].map(span["min"])]
    months_left = (events["account_id"].map(churn) - events["occurred_at"]).dt.days / 30.4
    late = events[(months_left >= 0) & (months_left < 6)].groupby("account_id").size()
    early = events[months_left >= 6].groupby("account_id").size()

    def ratio(accounts: pd.Index) -> float:
        late_rate = late.reindex(accounts, fill_value=0).sum() / (6 * len(accounts))
        early_rate = early.reindex(accounts, fill_value=0).sum() / (tenure[accounts] - 6).sum()
        return float(late_rate / early_rate)

    fading = churned.index.intersection(list(declining))
    steady = churned.index.difference(list(declining))
    ratio_fading, ratio_steady = ratio(fading), ratio(steady)
    found = (len(fading), len(steady), ratio_fading, ratio_steady)
    assert len(fading) >= 2 and len(steady) >= 10, found
    assert ratio_fading < 0.7 < ratio_steady, found


@pytest.mark.slow
def test_roi_tco_reproduces_the_cost_truth(
    csv_dir: Any, tmp_path: Any, truth: dict[str, Any]
) -> None:
    """`crmroi.roi.tco` over the 36-month horizon, through the real importer, gives the truth."""
    from crmroi import open_workspace
    from crmroi.ingest.canonical import import_file
    from crmroi.roi.fx import FxRates
    from crmroi.roi.tco import compute_tco

    with open_workspace(tmp_path / "ws.duckdb") as ws:
        for name in ("costs", "users", "activities"):
            import_file(ws, csv_dir / f"{name}.csv")
        tco = compute_tco(
            ws,
            start=pd.Timestamp("2023-01-01"),
            horizon=36,
            fx=FxRates("EUR", {}),
            adoption=ADOPTION,
        )
    assert tco.total == pytest.approx(truth["costs"]["total"], abs=0.01)
    assert tco.by_category() == pytest.approx(truth["costs"]["by_category"], abs=0.01)
