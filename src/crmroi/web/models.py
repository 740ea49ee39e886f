"""The typed shapes the pages and the JSON API share (pydantic: they are the OpenAPI schema).

Each mirrors the CLI's ``--format json`` of the same query: a finding is
:meth:`crmroi.insights.Finding.as_dict`, a KPI row one row of ``crmroi kpis``, an import one
file of ``crmroi import``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class FindingOut(BaseModel):
    """One finding, as ``crmroi findings --format json`` prints it."""

    id: str
    kind: str
    subject: str
    money_at_stake: float
    currency: str
    confidence: float
    evidence: dict[str, float | int | str | None]
    action: str
    title: str


class KpiRow(BaseModel):
    """One KPI in one period (and one value of each dimension), with its target."""

    kpi: str
    period_start: date | None
    period_end: date | None
    dimensions: dict[str, str | None]
    value: float | None
    unit: str
    previous: float | None
    target: float | None
    attainment: float | None
    status: str | None


class KpiResult(BaseModel):
    """A KPI query and its rows."""

    kpis: list[str]
    grain: str | None
    dimensions: list[str]
    rows: list[KpiRow]


class ImportRun(BaseModel):
    """One file imported into one table (the ``imports`` bookkeeping table)."""

    import_id: str
    source: str | None
    file: str
    table: str | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    at: datetime | None


class QuarantinedRow(BaseModel):
    """A rejected input row, with where it was and why."""

    file: str
    row_number: int | None
    column: str | None
    reason: str | None
    raw: str | None


class ImportsOut(BaseModel):
    """The import history and the first quarantined rows."""

    runs: list[ImportRun]
    quarantined_total: int
    quarantined: list[QuarantinedRow]


class UploadedFile(BaseModel):
    """One table loaded from one uploaded file (``crmroi import --format json``)."""

    file: str
    table: str
    mapping: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    notes: list[str]
    problems: list[str]


class DraftOut(BaseModel):
    """A file no preset matched: the drafted mapping (TOML) to confirm or edit in the page."""

    batch: str
    file: str
    error: str
    toml: str


class UploadOut(BaseModel):
    """What one upload did: each file's reconciliation, the files that failed, the drafts."""

    files: list[UploadedFile]
    errors: list[str]
    drafts: list[DraftOut] = []


class MetricOut(BaseModel):
    """A headline figure of a report section."""

    id: str
    label: str
    value: float | None
    unit: str
    low: float | None
    high: float | None
    note: str


class TableOut(BaseModel):
    """A result table of a report section."""

    id: str
    title: str
    columns: list[str]
    units: list[str]
    rows: list[list[Any]]


class SectionOut(BaseModel):
    """A report section: the same figures the report shows, unformatted."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    summary: str
    metrics: list[MetricOut]
    tables: list[TableOut]
    charts: list[str]
    notes: list[str]


class TargetRow(BaseModel):
    """One target of the ``targets`` table."""

    kpi: str
    grain: str
    period: date | None
    dimension: str
    value: float


class AttributionRow(BaseModel):
    """One channel, campaign or workflow under one model (a row of ``crmroi attribution``)."""

    channel: str
    parent: str | None
    conversions: float
    revenue: float
    share: float
    share_low: float | None
    share_high: float | None
    """The 95 % bootstrap interval (null without a bootstrap or where it is undefined)."""


class AttributionOut(BaseModel):
    """``crmroi attribution --format json``: each model's rows, and the notes."""

    models: dict[str, list[AttributionRow]]
    notes: list[str] = []


class BgnbdOut(BaseModel):
    """The fitted BG/NBD parameters (purchases and dropping out)."""

    r: float | None
    alpha: float | None
    a: float | None
    b: float | None
    log_likelihood: float | None


class GammaGammaOut(BaseModel):
    """The fitted Gamma-Gamma parameters (spend per purchase)."""

    p: float | None
    q: float | None
    v: float | None
    log_likelihood: float | None


class ClvTotals(BaseModel):
    """Sums and means over all customers."""

    expected_purchases: float | None
    mean_p_alive: float | None
    total_clv: float | None
    mean_clv: float | None


class ClvCustomer(BaseModel):
    """One customer's predictions over the horizon."""

    customer: str
    p_alive: float | None
    expected_purchases: float | None
    expected_spend: float | None
    clv: float | None


class ClvOut(BaseModel):
    """``crmroi clv --format json``: parameters, totals and the top customers."""

    bgnbd: BgnbdOut
    gamma_gamma: GammaGammaOut | None
    time_unit: str
    horizon: float
    discount_rate_per_unit: float
    customers: int
    repeat_customers: int
    repeat_customers_without_spend: int
    notes: list[str]
    spend_frequency_correlation: float | None
    summary: ClvTotals
    top_customers: list[ClvCustomer]
