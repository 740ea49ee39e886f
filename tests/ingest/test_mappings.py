"""Custom mappings (--map): the TOML format, its validation errors, and --suggest-map drafts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crmroi import Workspace
from crmroi.errors import AmbiguousValueError, InputError
from crmroi.ingest.draft_toml import draft_toml
from crmroi.ingest.exports import import_any
from crmroi.ingest.mapping import load_mapping
from crmroi.ingest.readers import open_source
from crmroi.ingest.relations import dangling_references, link_contacts
from crmroi.ingest.suggest import draft_for_file, suggest_mapping

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"

EXPORT = """Nr;Phase;Wert;Angelegt;Kunde
A-1;Gewonnen;1.200,00 €;03.01.2024;Acme
A-2;In Verhandlung;800,50 €;04.01.2024;Beta
A-3;Verloren;1.000;05.01.2024;
"""
MAPPING = """
name = "my-crm-deals"
table = "deals"
locale = "de"
timezone = "Europe/Berlin"

[fields.deal_id]
column = ["Deal ID", "Nr"]
[fields.status]
column = "Phase"
values = { "Gewonnen" = "won", "Verloren" = "lost" }
other = "open"
[fields.stage]
column = "Phase"
[fields.amount]
column = "Wert"
[fields.currency]
column = "Wert"
transform = "currency"
default = "EUR"
[fields.created_at]
column = "Angelegt"
[fields.account_id]
column = "Kunde"
prefix = "mycrm:"
"""


def test_worked_example_from_the_docs(workspace: Workspace, tmp_path: Path) -> None:
    """The example of docs/import-mappings.md: values in German form, Berlin local dates."""
    (tmp_path / "deals-export.csv").write_text(EXPORT, encoding="cp1252")
    (tmp_path / "my-crm.toml").write_text(MAPPING)
    (result,) = import_any(
        workspace, tmp_path / "deals-export.csv", mapping=tmp_path / "my-crm.toml"
    )
    assert result.mapping == str(tmp_path / "my-crm.toml")
    deals = workspace.table("deals").execute().set_index("deal_id").sort_index()
    assert deals["status"].tolist() == ["won", "open", "lost"]
    assert deals["amount"].tolist() == [1200.0, 800.5, 1000.0]
    assert deals["currency"].tolist() == ["EUR", "EUR", "EUR"]
    assert deals.loc["A-1", "created_at"] == pd.Timestamp("2024-01-02 23:00")  # Berlin → UTC
    assert deals.loc["A-1", "account_id"] == "mycrm:Acme"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            'name = "x"\ntable = "dealz"\n[fields.deal_id]\ncolumn = "a"\n',
            r"invalid mapping: table 'dealz' is not one of",
        ),
        (
            'name = "x"\ntable = "deals"\n[fields.amout]\ncolumn = "a"\n',
            r"fields.amout: deals has no field",
        ),
        (
            'name = "x"\ntable = "deals"\n[fields.amount]\ncolumn = "a"\nformat = "euro"\n',
            r"fields.amount.format: 'euro'",
        ),
        (
            'name = "x"\ntable = "deals"\n[fields.amount]\ncolum = "a"\n',
            r"key `fields.amount.colum`",
        ),
        ('name = "x"\ntable = "deals"\n[fields.amount]\n', r"give `column`"),
        ('name = "x"\ntable = deals\n', r"not valid TOML"),
    ],
)
def test_invalid_mappings_name_the_file_and_key(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    with pytest.raises(InputError, match=message) as info:
        load_mapping(path)
    assert str(path) in str(info.value)


def test_missing_required_column_names_the_aliases(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("Nr;Phase\nA-1;Gewonnen\n")
    (tmp_path / "m.toml").write_text(MAPPING)
    with pytest.raises(InputError, match=r"required field 'created_at'.*'Angelegt'"):
        import_any(workspace, tmp_path / "d.csv", mapping=tmp_path / "m.toml")


def test_an_ambiguous_column_fails_the_file_and_loads_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    (tmp_path / "d.csv").write_text("Nr;Phase;Wert;Angelegt\nA-1;Gewonnen;1.200;01/02/2024\n")
    (tmp_path / "m.toml").write_text(MAPPING.replace('locale = "de"\n', ""))
    with pytest.raises(AmbiguousValueError, match="column `Wert`"):
        import_any(workspace, tmp_path / "d.csv", mapping=tmp_path / "m.toml")
    assert workspace.count("deals") == 0 and workspace.count("imports") == 0


def test_suggested_mapping_is_a_valid_draft(tmp_path: Path) -> None:
    """From the header alone the names decide; the allowed values are shown for the user."""
    header = list(open_source(EXPORTS / "cost_ledger_de.csv").sections[0].header)
    draft = suggest_mapping(header, name="ledger")
    path = tmp_path / "ledger.toml"
    path.write_text(draft)
    mapping = load_mapping(path)
    assert mapping.table == "costs"
    assert mapping.fields["amount"].column == "Betrag"
    assert mapping.fields["incurred_at"].column == "Datum"
    assert mapping.fields["category"].column == "Kategorie"
    assert "# allowed values: licence, implementation" in draft


def test_drafted_ledger_maps_the_german_labels(workspace: Workspace, tmp_path: Path) -> None:
    """With the file's values the draft maps its labels onto the canonical choices, so the
    ledger imports: Lizenzen → licence, monatlich → monthly, jährlich → yearly. Row 5's
    "zwölf Euro" is quarantined, as with the preset."""
    draft = draft_toml(draft_for_file(EXPORTS / "cost_ledger_de.csv"), name="ledger")
    (tmp_path / "ledger.toml").write_text(draft)
    (result,) = import_any(
        workspace, EXPORTS / "cost_ledger_de.csv", mapping=tmp_path / "ledger.toml"
    )
    assert (result.result.rows_read, result.result.rows_loaded) == (5, 4)
    costs = workspace.table("costs").execute().set_index("cost_id").sort_index()
    assert costs["category"].tolist() == ["licence", "implementation", "training", "maintenance"]
    assert costs["recurrence"].tolist() == ["monthly", "one-off", "one-off", "yearly"]
    assert costs["amount"].tolist() == [2475.0, 18500.0, 3200.5, 1200.0]


def test_identity_links_and_dangling_references(workspace: Workspace) -> None:
    """Survey answers carry `email:<hash>`; after linking, they point at the HubSpot contact
    with that address (Ann.Buyer@Acme.example and ann.buyer@acme.example are one person)."""
    import_any(workspace, EXPORTS / "hubspot_contacts.csv")
    import_any(workspace, EXPORTS / "typeform_nps.csv")
    before = {d.relation: d.rows for d in dangling_references(workspace)}
    assert before["survey_responses.contact_id → contacts"] == 2
    assert link_contacts(workspace) == {"survey_responses": 2}
    s = workspace.table("survey_responses").execute().set_index("response_id")
    assert s.loc["typeform:a1b2c3", "contact_id"] == "hubspot:701"
    assert s.loc["typeform:d4e5f6", "contact_id"] == "hubspot:703"
    after = {d.relation: d.rows for d in dangling_references(workspace)}
    assert "survey_responses.contact_id → contacts" not in after


def test_canonical_names_in_a_german_excel_file(workspace: Workspace, tmp_path: Path) -> None:
    """Canonical headers, but cp1252, `;`, decimal commas and dd.mm.yyyy: mapped one to one."""
    text = (
        "cost_id;category;description;amount;currency;incurred_at;recurrence\n"
        "c1;licence;Lizenzgebühr;1.234,50;EUR;01.02.2024;monthly\n"
        "c2;training;Schulung;800;EUR;15.02.2024;one-off\n"
    )
    (tmp_path / "costs.csv").write_bytes(text.encode("cp1252"))
    (result,) = import_any(workspace, tmp_path / "costs.csv")
    assert (result.mapping, result.result.rows_loaded) == ("canonical", 2)
    costs = workspace.table("costs").execute().set_index("cost_id").sort_index()
    assert costs["amount"].tolist() == [1234.5, 800.0]
    assert costs.loc["c1", "description"] == "Lizenzgebühr"
    assert costs.loc["c2", "incurred_at"] == pd.Timestamp("2024-02-15")
