"""The canonical data model: every workspace table, its columns, types, keys and docs.

Every importer (canonical files, vendor presets, custom mappings) lands in these tables, and every
analysis reads only these tables. The model is declared once here as data, so the workspace can
create it on any Ibis backend and the docs can be generated from it.

Design decisions (see ``docs/data-model.md``):

* Money is ``float64`` with an ISO currency code beside it. Aggregates leave the engine as pandas
  frames, where a decimal type turns into Python objects; float64 holds cents exactly up to 2**53,
  far beyond any CRM's totals.
* Timestamps are UTC, stored without a zone (``timestamp``), because Spark and DuckDB disagree on
  zoned types; the importers convert to UTC before loading.
* Every table has one key column (``Table.key``). Where the natural key spans several columns
  (``deal_stage_history``), the importer derives the key from them, so that re-imports upsert.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.schema as sch

SCHEMA_VERSION = 3
"""Bumped whenever a table or column changes; the workspace upgrades or refuses older files."""


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    dtype: str
    doc: str
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """One canonical table: what a row is, its columns and its key."""

    name: str
    doc: str
    key: str
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...] = ()
    internal: bool = False
    """Bookkeeping tables (imports, quarantine) that users never import into."""

    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    def column(self, name: str) -> Column:
        """Return the column called ``name`` (KeyError if there is none)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the columns a row cannot be loaded without."""
        return tuple(c.name for c in self.columns if c.required)

    def ibis_schema(self) -> sch.Schema:
        """The table as an Ibis schema, for creating it on any backend."""
        return ibis.schema({c.name: c.dtype for c in self.columns})


DEAL_STATUSES = ("open", "won", "lost")
COST_CATEGORIES = (
    "licence",
    "implementation",
    "integration",
    "customization",
    "migration",
    "training",
    "admin",
    "maintenance",
    "other",
)
RECURRENCES = ("one-off", "monthly", "quarterly", "yearly")
ACTIVITY_TYPES = ("call", "email", "meeting", "task", "note", "login")
SURVEY_KINDS = ("nps", "csat", "ces")
ORDER_KINDS = ("order", "return", "cancellation", "subscription")


def _c(
    name: str, dtype: str, doc: str, *, required: bool = False, choices: tuple[str, ...] = ()
) -> Column:
    return Column(name=name, dtype=dtype, doc=doc, required=required, choices=choices)


TABLES: tuple[Table, ...] = (
    Table(
        "accounts",
        "A customer company.",
        key="account_id",
        columns=(
            _c("account_id", "string", "Stable id of the account in its source.", required=True),
            _c("name", "string", "Company name."),
            _c("domain", "string", "Web domain, lower case, used to match accounts."),
            _c("industry", "string", "Industry."),
            _c("country", "string", "ISO country code or name."),
            _c("region", "string", "Sales region."),
            _c("segment", "string", "Customer segment (e.g. SMB, Mid-Market, Enterprise)."),
            _c("owner_id", "string", "Account owner (users.user_id)."),
            _c("created_at", "timestamp", "When the account was created (UTC)."),
        ),
    ),
    Table(
        "contacts",
        "A person: a lead, a prospect or a customer's employee.",
        key="contact_id",
        columns=(
            _c("contact_id", "string", "Stable id of the contact in its source.", required=True),
            _c("account_id", "string", "The contact's company (accounts.account_id)."),
            _c("email_hash", "string", "SHA-256 of the trimmed, lower-cased e-mail address."),
            _c("lifecycle_stage", "string", "lead, mql, sql, opportunity, customer, other."),
            _c("source", "string", "Channel that brought the contact in (lead source)."),
            _c("owner_id", "string", "Owner (users.user_id)."),
            _c("created_at", "timestamp", "When the contact/lead was created (UTC)."),
            _c("converted_at", "timestamp", "When the lead became an opportunity, if it did."),
        ),
    ),
    Table(
        "users",
        "A CRM user, i.e. one licensed seat.",
        key="user_id",
        columns=(
            _c("user_id", "string", "Stable id of the user.", required=True),
            _c("name", "string", "Display name."),
            _c("team", "string", "Sales team."),
            _c("role", "string", "Role, e.g. rep, manager, admin, marketing."),
            _c("seat_cost", "float64", "Licence cost of the seat per month."),
            _c("currency", "string", "ISO currency of seat_cost."),
            _c("active_from", "timestamp", "First day the seat was licensed."),
            _c("active_to", "timestamp", "Last day the seat was licensed; empty while it is."),
            _c("region", "string", "Sales region of the user's team or office."),
        ),
    ),
    Table(
        "deals",
        "An opportunity.",
        key="deal_id",
        columns=(
            _c("deal_id", "string", "Stable id of the deal in its source.", required=True),
            _c("name", "string", "Deal name."),
            _c("account_id", "string", "Customer company (accounts.account_id)."),
            _c("contact_id", "string", "Primary contact (contacts.contact_id)."),
            _c("owner_id", "string", "Deal owner (users.user_id)."),
            _c("pipeline", "string", "Pipeline the deal runs through."),
            _c("stage", "string", "Current stage name."),
            _c(
                "status",
                "string",
                "open, won or lost.",
                required=True,
                choices=DEAL_STATUSES,
            ),
            _c("amount", "float64", "Deal value in `currency`."),
            _c("currency", "string", "ISO currency code of amount."),
            _c("probability", "float64", "Stage probability the CRM shows (0–1), if exported."),
            _c("source", "string", "Lead source / channel of the deal."),
            _c("campaign_id", "string", "Primary campaign source (campaigns.campaign_id)."),
            _c("product", "string", "Main product or product line."),
            _c("created_at", "timestamp", "When the deal was created (UTC).", required=True),
            _c("expected_close_at", "timestamp", "Expected close date of an open deal."),
            _c("closed_at", "timestamp", "When the deal was won or lost (UTC)."),
            _c("loss_reason", "string", "Why a lost deal was lost."),
        ),
    ),
    Table(
        "stages",
        "A stage of a pipeline, with its order and the CRM's own probability and flags.",
        key="stage_key",
        natural_key=("pipeline", "stage"),
        columns=(
            _c("stage_key", "string", "pipeline|stage; derived on import.", required=True),
            _c("pipeline", "string", "Pipeline name.", required=True),
            _c("stage", "string", "Stage name.", required=True),
            _c("position", "int64", "Order of the stage in the pipeline (0 first).", required=True),
            _c("probability", "float64", "Probability the CRM assigns (0–1)."),
            _c("is_closed", "boolean", "Whether the stage closes the deal."),
            _c("is_won", "boolean", "Whether the stage means won."),
        ),
    ),
    Table(
        "deal_stage_history",
        "A deal entering a stage.",
        key="history_key",
        natural_key=("deal_id", "stage", "entered_at"),
        columns=(
            _c("history_key", "string", "deal|stage|entered_at; derived on import.", required=True),
            _c("deal_id", "string", "The deal (deals.deal_id).", required=True),
            _c("stage", "string", "Stage entered.", required=True),
            _c("entered_at", "timestamp", "When it entered the stage (UTC).", required=True),
        ),
    ),
    Table(
        "activities",
        "A call, e-mail, meeting, task, note or login logged in the CRM.",
        key="activity_id",
        columns=(
            _c("activity_id", "string", "Stable id of the activity.", required=True),
            _c("type", "string", "call, email, meeting, task, note, login.", required=True),
            _c("user_id", "string", "Who logged it (users.user_id)."),
            _c("contact_id", "string", "Contact it concerns."),
            _c("account_id", "string", "Account it concerns."),
            _c("deal_id", "string", "Deal it concerns."),
            _c("occurred_at", "timestamp", "When it happened (UTC).", required=True),
            _c("direction", "string", "inbound or outbound."),
            _c("outcome", "string", "Outcome, e.g. connected, no answer, completed."),
            _c("automated", "boolean", "Sent by an automation, not a person."),
        ),
    ),
    Table(
        "campaigns",
        "A marketing campaign, run in the CRM or outside it (ads, web).",
        key="campaign_id",
        columns=(
            _c("campaign_id", "string", "Stable id of the campaign.", required=True),
            _c("name", "string", "Campaign name."),
            _c("channel", "string", "Marketing channel, e.g. email, paid_search, events."),
            _c("source_system", "string", "Where it ran: crm, google_ads, meta_ads, ga4 …"),
            _c("started_at", "timestamp", "Start (UTC)."),
            _c("ended_at", "timestamp", "End (UTC)."),
            _c("cost", "float64", "Total actual cost of the campaign."),
            _c("currency", "string", "ISO currency of cost."),
        ),
    ),
    Table(
        "campaign_members",
        "A contact targeted by a campaign, or held out of it as a control.",
        key="member_key",
        natural_key=("campaign_id", "contact_id"),
        columns=(
            _c("member_key", "string", "campaign|contact; derived on import.", required=True),
            _c("campaign_id", "string", "The campaign.", required=True),
            _c("contact_id", "string", "The contact.", required=True),
            _c("added_at", "timestamp", "When the contact was added (UTC)."),
            _c("status", "string", "Member status, e.g. sent, responded."),
            _c("is_control", "boolean", "Held out as a no-contact control."),
        ),
    ),
    Table(
        "workflows",
        "A CRM automation or sequence.",
        key="workflow_id",
        columns=(
            _c("workflow_id", "string", "Stable id of the workflow.", required=True),
            _c("name", "string", "Workflow name."),
            _c("kind", "string", "nurture, follow_up, onboarding, sequence …"),
            _c("created_at", "timestamp", "When it was switched on (UTC)."),
            _c("cost", "float64", "Cost of building and running it."),
            _c("currency", "string", "ISO currency of cost."),
        ),
    ),
    Table(
        "workflow_enrollments",
        "A contact enrolled in a workflow, or assigned to its holdout group.",
        key="enrollment_key",
        natural_key=("workflow_id", "contact_id", "enrolled_at"),
        columns=(
            _c("enrollment_key", "string", "workflow|contact|enrolled_at; derived.", required=True),
            _c("workflow_id", "string", "The workflow.", required=True),
            _c("contact_id", "string", "The contact.", required=True),
            _c("enrolled_at", "timestamp", "When (UTC).", required=True),
            _c("holdout", "boolean", "In the holdout group: eligible but not enrolled."),
        ),
    ),
    Table(
        "touchpoints",
        "One marketing or sales touch on a contact.",
        key="touchpoint_id",
        columns=(
            _c("touchpoint_id", "string", "Stable id of the touch.", required=True),
            _c("contact_id", "string", "The contact touched."),
            _c("account_id", "string", "The contact's account."),
            _c("occurred_at", "timestamp", "When (UTC).", required=True),
            _c("channel", "string", "Channel, e.g. email, paid_search, social, direct."),
            _c("interaction", "string", "delivered, open, click, visit, ad_click, form …"),
            _c("campaign_id", "string", "Campaign behind the touch."),
            _c("workflow_id", "string", "Workflow behind the touch."),
            _c("source_system", "string", "crm, ga4, google_ads …"),
        ),
    ),
    Table(
        "web_sessions",
        "A web-analytics session (GA4).",
        key="session_id",
        columns=(
            _c("session_id", "string", "user_pseudo_id + ga_session_id.", required=True),
            _c("user_pseudo_id", "string", "GA client id."),
            _c("contact_id", "string", "Linked contact, where a user id or e-mail hash matched."),
            _c("started_at", "timestamp", "Session start (UTC).", required=True),
            _c("source", "string", "Traffic source."),
            _c("medium", "string", "Traffic medium."),
            _c("campaign", "string", "Campaign name."),
            _c("channel", "string", "Default channel group."),
            _c("engaged", "boolean", "GA4 engaged session."),
            _c("conversions", "int64", "Key events in the session."),
            _c("revenue", "float64", "Purchase revenue in the session."),
        ),
    ),
    Table(
        "web_traffic",
        "Web-analytics traffic of one period for one combination of channel, source, medium and "
        "campaign (GA4 UI reports); a row whose four are all empty is the period's total.",
        key="traffic_key",
        natural_key=("period_start", "period_end", "channel", "source", "medium", "campaign"),
        columns=(
            _c("traffic_key", "string", "Derived from the natural key on import.", required=True),
            _c("period_start", "timestamp", "First day of the period.", required=True),
            _c("period_end", "timestamp", "Last day of the period (inclusive)."),
            _c("channel", "string", "Default channel group."),
            _c("source", "string", "Traffic source (or source / medium)."),
            _c("medium", "string", "Traffic medium."),
            _c("campaign", "string", "Campaign name."),
            _c("sessions", "int64", "Sessions."),
            _c("engaged_sessions", "int64", "GA4 engaged sessions."),
            _c("users", "int64", "Total or active users."),
            _c("new_users", "int64", "New users."),
            _c("key_events", "float64", "Key events (conversions)."),
            _c("revenue", "float64", "Total revenue."),
        ),
    ),
    Table(
        "orders",
        "A revenue event: invoice, order, subscription charge, return or cancellation.",
        key="order_id",
        columns=(
            _c("order_id", "string", "Stable id of the order line or invoice.", required=True),
            _c("account_id", "string", "Customer company."),
            _c("contact_id", "string", "Customer person."),
            _c("deal_id", "string", "Deal it came from."),
            _c("occurred_at", "timestamp", "When (UTC).", required=True),
            _c("amount", "float64", "Amount; negative for returns and cancellations."),
            _c("currency", "string", "ISO currency code."),
            _c("kind", "string", "order, return, cancellation, subscription.", choices=ORDER_KINDS),
            _c("product", "string", "Product or product line."),
        ),
    ),
    Table(
        "survey_responses",
        "One answer to an NPS, CSAT or CES question.",
        key="response_id",
        columns=(
            _c("response_id", "string", "Stable id of the answer.", required=True),
            _c("contact_id", "string", "Who answered."),
            _c("account_id", "string", "Their account."),
            _c("survey", "string", "nps, csat or ces.", required=True, choices=SURVEY_KINDS),
            _c("score", "float64", "The score on the survey's scale."),
            _c("scale_max", "float64", "Top of the scale (10 for NPS, 5 or 7 for CSAT/CES)."),
            _c("comment", "string", "Free-text answer."),
            _c("stage", "string", "Journey stage the survey was sent at."),
            _c("answered_at", "timestamp", "When (UTC).", required=True),
        ),
    ),
    Table(
        "costs",
        "A cost line of owning the CRM.",
        key="cost_id",
        columns=(
            _c("cost_id", "string", "Stable id of the line.", required=True),
            _c(
                "category",
                "string",
                "licence, implementation, integration, customization, migration, training, "
                "admin, maintenance, other.",
                required=True,
                choices=COST_CATEGORIES,
            ),
            _c("description", "string", "What it is."),
            _c("amount", "float64", "Amount per occurrence.", required=True),
            _c("currency", "string", "ISO currency code."),
            _c("incurred_at", "timestamp", "When it was (first) incurred (UTC).", required=True),
            _c(
                "recurrence",
                "string",
                "one-off, monthly, quarterly or yearly.",
                required=True,
                choices=RECURRENCES,
            ),
            _c("ends_at", "timestamp", "Last occurrence of a recurring line; empty: ongoing."),
            _c("campaign_id", "string", "Campaign the cost belongs to, if any."),
            _c("workflow_id", "string", "Workflow the cost belongs to, if any."),
        ),
    ),
    Table(
        "channel_spend",
        "Spend of one period on a channel or campaign run outside the CRM (print, radio, trade "
        "fairs, ad platforms), known only by its money: the marketing-mix model's input.",
        key="spend_key",
        natural_key=("period_start", "channel", "campaign"),
        columns=(
            _c("spend_key", "string", "Derived from the natural key on import.", required=True),
            _c("period_start", "timestamp", "First day of the period (a week).", required=True),
            _c("channel", "string", "Channel, e.g. print, radio, trade_fairs.", required=True),
            _c("campaign", "string", "Campaign within the channel; empty: the whole channel."),
            _c("spend", "float64", "Money spent in the period (0 or more).", required=True),
            _c("currency", "string", "ISO currency of spend."),
        ),
    ),
    Table(
        "targets",
        "A goal for a KPI in a period, overall or for one value of a dimension.",
        key="target_key",
        natural_key=("kpi", "grain", "period_start", "dimension", "dimension_value"),
        columns=(
            _c("target_key", "string", "Derived from the natural key on import.", required=True),
            _c("kpi", "string", "KPI id, e.g. won_revenue.", required=True),
            _c("grain", "string", "month, quarter or year.", required=True),
            _c("period_start", "timestamp", "First day of the period.", required=True),
            _c("dimension", "string", "e.g. owner; empty for the whole company."),
            _c("dimension_value", "string", "e.g. the owner's user_id."),
            _c("value", "float64", "The target.", required=True),
        ),
    ),
    Table(
        "imports",
        "One import run of one file into one table.",
        key="import_id",
        internal=True,
        columns=(
            _c("import_id", "string", "Id of the run.", required=True),
            _c("source", "string", "canonical or the preset used."),
            _c("file", "string", "Path of the file as given."),
            _c("table_name", "string", "Target table."),
            _c("sha256", "string", "Checksum of the file's bytes."),
            _c("rows_read", "int64", "Data rows read from the file."),
            _c("rows_loaded", "int64", "Rows inserted or updated."),
            _c("rows_quarantined", "int64", "Rows rejected into quarantine."),
            _c("at", "timestamp", "When the run finished (UTC)."),
            _c(
                "identity",
                "string",
                "Checksum of what decides the rows: file, table, mapping, lookups, settings.",
            ),
        ),
    ),
    Table(
        "quarantine",
        "An input row that was rejected, with why and its raw values.",
        key="quarantine_id",
        internal=True,
        columns=(
            _c("quarantine_id", "string", "import_id:row_number.", required=True),
            _c("import_id", "string", "The import run."),
            _c("file", "string", "Path of the file."),
            _c("row_number", "int64", "1-based data row number in the file (header excluded)."),
            _c("column", "string", "The column at fault, if one."),
            _c("reason", "string", "Why the row was rejected."),
            _c("raw", "string", "The row's raw values as JSON."),
        ),
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
USER_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if not t.internal)


def table(name: str) -> Table:
    """Return the canonical table called ``name``, or raise UnknownTableError."""
    from crmroi.errors import UnknownTableError

    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise UnknownTableError(name, USER_TABLES) from None


def data_model_markdown() -> str:
    """The data model as Markdown, for ``docs/data-model.md`` (a test keeps them in sync)."""
    lines = [
        "# Data model",
        "",
        "Generated from `src/crmroi/schema.py` by `python -m crmroi.schema`; do not edit by hand.",
        f"Schema version {SCHEMA_VERSION}. Timestamps are UTC; money is float64 beside an ISO "
        "currency code. **Bold** fields are required; a row without them is quarantined.",
        "",
    ]
    for spec in TABLES:
        kind = " (bookkeeping)" if spec.internal else ""
        lines += [f"## `{spec.name}`{kind}", "", spec.doc, ""]
        key = f"Key: `{spec.key}`"
        if spec.natural_key:
            key += " derived from " + ", ".join(f"`{n}`" for n in spec.natural_key)
        lines += [key + ".", "", "| field | type | meaning |", "|---|---|---|"]
        for col in spec.columns:
            name = f"**{col.name}**" if col.required else col.name
            lines.append(f"| {name} | {col.dtype} | {col.doc} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - regenerates the docs
    from pathlib import Path

    Path("docs/data-model.md").write_text(data_model_markdown(), encoding="utf-8")
