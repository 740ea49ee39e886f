"""The probabilistic value of a new customer and its use in ``ltv_to_cac``.

Oracles: the telescoping identity (undiscounted, the value is mean spend × (1 + E[X(H)])), a
simulation of new customers from the published CDNOW parameters, and the CDNOW log imported
with a won-deal and campaign world whose CAC is known by hand.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.engagement import bgnbd
from crmroi.engagement.bgnbd import BGNBDParams
from crmroi.engagement.clv import ClvFit
from crmroi.engagement.gamma_gamma import GammaGammaParams
from crmroi.engagement.new_customer import (
    new_customer_value,
    probabilistic_new_customer_value,
)
from crmroi.metrics import MetricQuery, query
from crmroi.metrics.settings import KpiSettings
from tests.support import insert_rows

from .conftest import CDNOW_MAPPING, import_whole

CDNOW = ClvFit(
    BGNBDParams(0.242593, 4.413532, 0.792886, 2.425752),
    GammaGammaParams(6.248802, 3.744588, 15.447748),
    spend_frequency_correlation=0.11,
    n_customers=2357,
    n_repeat=946,
)
MEAN_SPEND = 6.248802 * 15.447748 / (3.744588 - 1)  # p·v/(q−1) = 35.17 USD


def test_undiscounted_value_telescopes_to_expected_purchases() -> None:
    """Σ_k (E[X(k)] − E[X(k−1)]) = E[X(H)]: without discounting only the horizon matters."""
    value = new_customer_value(CDNOW, horizon_weeks=156, weekly_discount=0.0)
    expected = MEAN_SPEND * (1 + float(bgnbd.expected_purchases(CDNOW.bgnbd, 156.0)))
    assert value == pytest.approx(expected, rel=1e-12)
    discounted = new_customer_value(CDNOW, horizon_weeks=156, weekly_discount=0.0023)
    assert MEAN_SPEND < discounted < value


def test_expected_purchases_of_new_customers_match_a_simulation() -> None:
    """200,000 simulated CDNOW customers watched 78 weeks from their first purchase."""
    x, _, _ = bgnbd.simulate(CDNOW.bgnbd, np.full(200_000, 78.0), seed=11)
    assert float(bgnbd.expected_purchases(CDNOW.bgnbd, 78.0)) == pytest.approx(x.mean(), rel=0.02)


@pytest.fixture()
def cdnow_world(workspace: Workspace, shared_data: Path) -> Workspace:
    """CDNOW's purchase log plus 4 customers won in March 1997 by campaigns costing 4,000."""
    log = shared_data / "cdnow_lifetimes" / "CDNOW_sample.txt"
    import_whole(workspace, log, CDNOW_MAPPING)
    won = pd.Timestamp("1997-03-15")
    insert_rows(
        workspace,
        "deals",
        [
            {"deal_id": f"D{i}", "account_id": f"A{i}", "status": "won", "amount": 100.0,
             "created_at": pd.Timestamp("1997-02-01"), "closed_at": won}
            for i in range(4)
        ],
    )  # fmt: skip
    insert_rows(
        workspace,
        "campaigns",
        [
            {"campaign_id": "C1", "name": "mailing", "cost": 1000.0,
             "started_at": pd.Timestamp("1997-03-01")},
            {"campaign_id": "C2", "name": "ads", "cost": 3000.0,
             "started_at": pd.Timestamp("1997-03-10")},
        ],
    )  # fmt: skip
    return workspace


def kpi(
    ws: Workspace, name: str, settings: KpiSettings | None = None, *, month: int | None = None
) -> float:
    """The KPI over January–September 1997, or in one month of it."""
    q = MetricQuery(
        (name,),
        grain="month" if month else None,
        start=date(1997, month or 1, 1),
        end=date(1997, 9, 30),
        settings=settings or KpiSettings(),
    )
    return float(query(ws, q)["value"].iloc[0])


def test_ltv_to_cac_uses_the_probabilistic_value_on_cdnow(cdnow_world: Workspace) -> None:
    """Fitted on the log up to 1997-09-30 (= the published summary), 36 months, 1 %/month:
    LTV ÷ (4,000 ÷ 4 new customers)."""
    assert kpi(cdnow_world, "cac") == pytest.approx(1000.0)
    weekly = 1.01 ** (7 / (365.25 / 12)) - 1
    weeks = 36 * 365.25 / 12 / 7
    published = new_customer_value(CDNOW, horizon_weeks=weeks, weekly_discount=weekly)
    assert kpi(cdnow_world, "ltv_to_cac") == pytest.approx(published / 1000.0, rel=2e-3)
    half = KpiSettings(gross_margin=0.5)
    assert kpi(cdnow_world, "ltv_to_cac", half) == pytest.approx(published / 2000.0, rel=2e-3)


def test_simple_setting_and_too_few_repeat_buyers_fall_back(cdnow_world: Workspace) -> None:
    """The fallback is March's ARPA ÷ month-over-month churn, ÷ March's CAC (over the whole
    range the simple LTV is empty: there is no range before it to measure churn against)."""
    assert np.isnan(kpi(cdnow_world, "ltv_simple"))
    simple = kpi(cdnow_world, "ltv_simple", month=3) / kpi(cdnow_world, "cac", month=3)
    assert simple > 0
    chosen = KpiSettings(ltv_model="simple")
    assert kpi(cdnow_world, "ltv_to_cac", chosen, month=3) == pytest.approx(simple)
    strict = KpiSettings(ltv_min_repeat_customers=5000)
    assert kpi(cdnow_world, "ltv_to_cac", strict, month=3) == pytest.approx(simple)
    why = probabilistic_new_customer_value(
        cdnow_world, end=date(1997, 9, 30), horizon_months=36, min_repeat_customers=5000
    )
    assert why.value is None and why.reason.startswith("946 repeat buyers")


def test_subscription_revenue_is_not_valued_with_bgnbd(workspace: Workspace) -> None:
    """Monthly charges are contractual: the model is not used, whatever the repeat count."""
    rows = [
        {"order_id": f"O{c}-{m}", "account_id": f"A{c}", "kind": "subscription", "amount": 50.0,
         "occurred_at": pd.Timestamp(2024, 1 + m, 1)}
        for c in range(40)
        for m in range(6)
    ]  # fmt: skip
    insert_rows(workspace, "orders", rows)
    why = probabilistic_new_customer_value(
        workspace, end=date(2024, 6, 30), horizon_months=36, min_repeat_customers=30
    )
    assert why.value is None and "subscription" in why.reason
