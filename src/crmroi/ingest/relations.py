"""Identity and relations across sources: link by e-mail hash, and count what stays unresolved.

Contacts are matched across sources by the SHA-256 of their normalised e-mail (``email_hash``):
survey and web exports that only know an address store the reference as ``email:<hash>``, and
:func:`link_contacts` replaces it with the ``contact_id`` of the contact holding that hash, in
the engine (an upsert on each table's key). Accounts are recognised across sources by domain
(:func:`shared_identities` counts contacts and accounts that several sources hold).

References that point nowhere are never dropped: :func:`dangling_references` counts them per
relation, so the CLI can show them after every import.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from crmroi.schema import TABLES_BY_NAME
from crmroi.workspace import Workspace

EMAIL_PREFIX = "email:"

RELATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("deals", "account_id", "accounts", "account_id"),
    ("deals", "contact_id", "contacts", "contact_id"),
    ("deals", "campaign_id", "campaigns", "campaign_id"),
    ("contacts", "account_id", "accounts", "account_id"),
    ("deal_stage_history", "deal_id", "deals", "deal_id"),
    ("activities", "deal_id", "deals", "deal_id"),
    ("activities", "contact_id", "contacts", "contact_id"),
    ("activities", "account_id", "accounts", "account_id"),
    ("campaign_members", "campaign_id", "campaigns", "campaign_id"),
    ("campaign_members", "contact_id", "contacts", "contact_id"),
    ("workflow_enrollments", "workflow_id", "workflows", "workflow_id"),
    ("workflow_enrollments", "contact_id", "contacts", "contact_id"),
    ("touchpoints", "contact_id", "contacts", "contact_id"),
    ("web_sessions", "contact_id", "contacts", "contact_id"),
    ("orders", "account_id", "accounts", "account_id"),
    ("orders", "contact_id", "contacts", "contact_id"),
    ("orders", "deal_id", "deals", "deal_id"),
    ("survey_responses", "contact_id", "contacts", "contact_id"),
    ("survey_responses", "account_id", "accounts", "account_id"),
    ("costs", "campaign_id", "campaigns", "campaign_id"),
)
"""(table, column) → (target table, target key): the references the model holds."""


@dataclass(frozen=True)
class Dangling:
    """References of one relation that point at no row."""

    table: str
    column: str
    target: str
    rows: int
    values: int
    """Distinct unresolved values."""

    @property
    def relation(self) -> str:
        """``deals.account_id → accounts``."""
        return f"{self.table}.{self.column} → {self.target}"


def _dangling_expr(ws: Workspace, table: str, column: str, target: str, key: str) -> ir.Table:
    t = ws.table(table)
    keys = ws.table(target).select(_target_key=ws.table(target)[key])
    refs = t.filter(t[column].notnull())
    missing = refs.anti_join(keys, refs[column] == keys._target_key)
    return missing.aggregate(rows=missing.count(), values=missing[column].nunique())


def dangling_references(ws: Workspace, tables: set[str] | None = None) -> list[Dangling]:
    """Counts of references that resolve to nothing, per relation (only non-zero ones)."""
    found: list[Dangling] = []
    for table, column, target, key in RELATIONS:
        if tables is not None and table not in tables:
            continue
        counts = _dangling_expr(ws, table, column, target, key).execute()
        rows = int(counts["rows"].iloc[0])
        if rows:
            found.append(Dangling(table, column, target, rows, int(counts["values"].iloc[0])))
    return found


def link_contacts(ws: Workspace) -> dict[str, int]:
    """Replace ``email:<hash>`` references by the contact holding that hash; count per table."""
    contacts = ws.table("contacts")
    by_hash = (
        contacts.filter(contacts.email_hash.notnull())
        .group_by(_ref=ibis.literal(EMAIL_PREFIX) + contacts.email_hash)
        .aggregate(_contact=contacts.contact_id.min())
    )
    linked: dict[str, int] = {}
    for table, column, target, _ in RELATIONS:
        if target != "contacts":
            continue
        t = ws.table(table)
        pending = t.filter(t[column].startswith(EMAIL_PREFIX))
        if int(pending.limit(1).count().execute()) == 0:
            continue  # the usual case: a scan of one column spares grouping every contact
        matched = pending.inner_join(by_hash, pending[column] == by_hash._ref)
        updated = matched.mutate(**{column: matched._contact}).select(*t.columns)
        count = int(updated.count().execute())
        if count:
            with ws.transaction():
                ws.upsert(table, updated, TABLES_BY_NAME[table].key)
            linked[table] = count
    return linked


def shared_identities(ws: Workspace) -> dict[str, int]:
    """E-mail hashes held by several contacts, and domains held by several accounts."""
    contacts, accounts = ws.table("contacts"), ws.table("accounts")
    with_email = contacts.filter(contacts.email_hash.notnull())
    emails = with_email.group_by("email_hash").aggregate(n=with_email.count())
    with_domain = accounts.filter(accounts.domain.notnull())
    domains = with_domain.group_by("domain").aggregate(n=with_domain.count())
    return {
        "contacts_sharing_an_email": int(emails.filter(emails.n > 1).count().execute()),
        "accounts_sharing_a_domain": int(domains.filter(domains.n > 1).count().execute()),
    }
