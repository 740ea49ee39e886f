"""Settings of the KPI engine: the choices the KPI sources leave open, with documented defaults.

Every default is named in the KPI reference (``docs/kpis.md``), so a reader knows, for example,
which CSAT scores count as satisfied. A ``crmroi.toml`` loader can build a ``KpiSettings`` later;
until then callers pass one explicitly or take the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

from crmroi.errors import ConfigError

CES_DEFINITIONS = ("mean", "share_at_least_5")
LTV_MODELS = ("auto", "simple")


@dataclass(frozen=True)
class KpiSettings:
    """Knobs of the KPI definitions (all have defaults)."""

    fiscal_year_start_month: int = 1
    """First month of the fiscal year (1 = January); shifts quarter and year periods."""

    neglected_deal_days: int = 14
    """An open deal with no activity in this many days before the period end is neglected."""

    csat_top_boxes: int = 2
    """CSAT counts an answer as satisfied when it is in the top N boxes of its scale
    (2 on a 1–5 scale: 4 or 5, the usual "top-two-box" reading)."""

    csat_default_scale_max: float = 5.0
    """Scale top assumed for CSAT answers whose ``scale_max`` is empty."""

    ces_definition: str = "mean"
    """``mean``: mean agreement on the 1–7 scale (CES 2.0); ``share_at_least_5``: share of
    answers of 5 or more (Simplesat's adaptation of Gartner)."""

    gross_margin: float = 1.0
    """Gross margin applied in ``ltv_simple`` (1.0: the plain-revenue variant ARPA ÷ churn)."""

    ltv_model: str = "auto"
    """LTV inside ``ltv_to_cac``: ``auto`` values a new customer with BG/NBD + Gamma-Gamma when
    the orders allow it (non-contractual, enough repeat buyers, a proper fit; see
    :mod:`crmroi.engagement.new_customer`) and falls back to ``ltv_simple``; ``simple`` always
    uses ``ltv_simple``."""

    ltv_horizon_months: float = 36.0
    """Horizon of the probabilistic LTV (discounted at 1 % a month)."""

    ltv_min_repeat_customers: int = 30
    """Repeat buyers the probabilistic LTV needs before it is trusted."""

    quota_grain: str = "month"
    """Grain of the ``won_revenue`` targets summed into the quota of a query without a grain."""

    completeness_fields: tuple[str, ...] = (
        "contacts.email_hash",
        "contacts.account_id",
        "contacts.source",
        "contacts.owner_id",
        "deals.amount",
        "deals.account_id",
        "deals.owner_id",
        "deals.source",
        "accounts.industry",
        "accounts.segment",
        "accounts.region",
        "accounts.owner_id",
    )
    """Required fields checked by ``data_completeness`` (``table.column``; each table needs
    ``owner_id`` and ``created_at``: contacts, deals and accounts have them)."""

    adoption_counts_logins: bool = True
    """Whether a login counts as use of the CRM in ``crm_adoption_rate`` (False: only
    meaningful actions, i.e. activities logged by a person other than logins)."""

    forecast_history_periods: int = 12
    """Past periods the forecast learns its within-period stage win rates from."""

    at_risk_ratio: float = 0.9
    """Attainment (paced for the running period) from which a KPI is 'at risk' instead of
    'off track'; from 1.0 it is 'on track'."""

    def __post_init__(self) -> None:
        if not 1 <= self.fiscal_year_start_month <= 12:
            raise ConfigError(
                f"fiscal_year_start_month must be 1–12, not {self.fiscal_year_start_month}"
            )
        if self.neglected_deal_days < 1:
            raise ConfigError("neglected_deal_days must be at least 1")
        if self.ces_definition not in CES_DEFINITIONS:
            raise ConfigError(
                f"ces_definition must be one of {', '.join(CES_DEFINITIONS)}, "
                f"not {self.ces_definition!r}"
            )
        if self.forecast_history_periods < 1:
            raise ConfigError("forecast_history_periods must be at least 1")
        if self.csat_top_boxes < 1:
            raise ConfigError("csat_top_boxes must be at least 1")
        for name in self.completeness_fields:
            table, _, column = name.partition(".")
            if table not in ("contacts", "deals", "accounts") or not column:
                raise ConfigError(
                    f"completeness field {name!r} must be contacts.*, deals.* or accounts.*"
                )
        if self.ltv_model not in LTV_MODELS:
            raise ConfigError(
                f"ltv_model must be one of {', '.join(LTV_MODELS)}, not {self.ltv_model!r}"
            )
        if self.ltv_horizon_months <= 0:
            raise ConfigError("ltv_horizon_months must be positive")
        if self.ltv_min_repeat_customers < 3:
            raise ConfigError("ltv_min_repeat_customers must be at least 3")
        if not 0 < self.gross_margin <= 1:
            raise ConfigError("gross_margin must be in (0, 1]")
