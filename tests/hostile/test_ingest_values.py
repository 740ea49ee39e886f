"""Hostile values through `crmroi import`: non-finite numbers, scores off their scale, dates in
the wrong layout, currencies, and the number formats that already loaded right.

The files of this module are imported in one `crmroi import` run (the per-run cost is most of a
small import); each test then checks its file's quarantine reasons or loaded values, and that
read = loaded + quarantined.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from crmroi.cli.app import app
from tests.hostile.ingest_probe import Imported, crmroi_import, reconciled, runner

DEALS = "deal_id,name,status,amount,created_at\n"
HUBSPOT = "Record ID,Deal Name,Deal Stage,Amount,Deal owner,Pipeline,Close Date,Create Date\n"
GERMAN_HUBSPOT = Path(__file__).resolve().parents[1] / "data" / "exports" / "hubspot_deals_de.csv"
DATES = ["01.03.2024", "45352", "20240301", "31.02.2024", "2024-03-01", "2024-03-01T09:30"]
FILES = {
    "deals-nonfinite.csv": DEALS
    + "n1,A,won,inf,2024-01-01\nn2,B,won,NaN,2024-01-01\nn3,C,won,1e400,2024-01-01\n"
    + "n4,D,won,-Infinity,2024-01-01\nn5,E,won,100,2024-01-01\n",
    "hubspot-nonfinite.csv": HUBSPOT
    + "101,A,Closed Won,inf,o,p,2024-02-01,2024-01-01\n"
    + "102,B,Closed Won,1e400,o,p,2024-02-01,2024-01-01\n"
    + "103,C,Closed Won,12.5,o,p,2024-02-01,2024-01-01\n",
    "survey_responses.csv": "response_id,survey,score,scale_max,answered_at\n"
    + "r1,nps,11,,2024-01-01\n"  # above 10
    + "r2,nps,-1,,2024-01-01\n"  # below 0
    + "r3,nps,7.5,,2024-01-01\n"  # not a whole point
    + "r4,nps,0,,2024-01-01\n"  # the bottom of the scale: fine
    + "r5,nps,10,,2024-01-01\n"  # the top: fine
    + "r6,csat,6,5,2024-01-01\n"  # 6 of 5
    + "r7,csat,5,5,2024-01-01\n",  # fine
    "deals-dates.csv": DEALS
    + "".join(f"t{i},N,won,1,{v}\n" for i, v in enumerate(DATES, start=1))
    + "t7,N,won,1,\n",
    "deals-semicolon.csv": DEALS.replace(",", ";")
    + "s1;A;won;1;01.03.2024\ns2;B;won;1;31.02.2024\ns3;C;won;1;45352\n",
    "hubspot-eur.csv": HUBSPOT
    + '201,A,Closed Won,"1.234,56 €",o,p,2024-02-01,2024-01-01\n'
    + '202,B,Closed Won,"2.000,00 €",o,p,2024-02-01,2024-01-02\n',
    "deals-zoned.csv": DEALS
    + "z1,A,won,1,2024-01-01 09:30:00+01:00\n"  # Berlin winter time: 08:30 UTC
    + "z2,B,won,1,2024-01-01T09:30:00-05:30\n"  # 15:00 UTC
    + "z3,C,won,1,2024-01-01T00:15:00+0100\n"  # across midnight: 23:15 the day before
    + "z4,D,won,1,2024-01-01T09:30:00Z\n"  # already UTC
    + "z5,E,won,1,2024-01-01 09:30\n",  # no offset: taken as UTC
    "deals-usd.csv": "deal_id,name,status,amount,currency,created_at,closed_at\n"
    + "u1,X,won,1000,USD,2024-01-01,2024-02-01\n",
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    folder = tmp_path_factory.mktemp("values")
    paths = []
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    return crmroi_import(folder, *paths, GERMAN_HUBSPOT)


def test_non_finite_amounts_are_quarantined(imported: Imported) -> None:
    """`inf`, `NaN`, `-Infinity` and `1e400` (beyond float64) are quarantined; 100 loads."""
    reconciled(imported, "deals-nonfinite.csv", read=5, loaded=1)
    why = "is not a finite number (infinite or NaN)"
    assert imported.reasons("deals-nonfinite.csv") == {
        1: f"'inf' {why}",
        2: f"'NaN' {why}",
        3: f"'1e400' {why}",
        4: f"'-Infinity' {why}",
    }
    assert imported.rows("deals", "deal_id", "amount", where="deal_id LIKE 'n%'") == [("n5", 100.0)]


def test_non_finite_amounts_in_a_vendor_export(imported: Imported) -> None:
    """Through the HubSpot preset: `inf` is not a number at all, `1e400` parses to infinity
    and the loader refuses it; the finite row loads."""
    reconciled(imported, "hubspot-nonfinite.csv", read=3, loaded=1)
    reasons = imported.reasons("hubspot-nonfinite.csv")
    assert reasons[1] == "'inf' is not a valid number"
    assert reasons[2] == "'inf' is not a finite number (infinite or NaN)"
    where = "deal_id LIKE 'hubspot:10%'"
    assert imported.rows("deals", "deal_id", "amount", where=where) == [("hubspot:103", 12.5)]


def test_survey_scores_off_their_scale_are_quarantined(imported: Imported) -> None:
    """NPS is 0–10 in whole points; a CSAT answer above its own scale_max is out too."""
    reconciled(imported, "survey_responses.csv", read=7, loaded=3)
    assert imported.reasons("survey_responses.csv") == {
        1: "score 11 is outside the nps scale 0–10 (whole numbers)",
        2: "score -1 is outside the nps scale 0–10 (whole numbers)",
        3: "score 7.5 is outside the nps scale 0–10 (whole numbers)",
        6: "score 6 is outside the csat scale 1–5",
    }
    kept = imported.rows("survey_responses", "response_id", "score")
    assert kept == [("r4", 0.0), ("r5", 10.0), ("r7", 5.0)]


def test_canonical_dates_in_other_layouts_name_the_value(imported: Imported) -> None:
    """A comma-delimited canonical file takes ISO dates; `01.03.2024`, the Excel serial
    `45352`, `20240301` and the impossible `31.02.2024` are quoted with the formats tried,
    never called an empty required field (which only a really empty one is)."""
    reconciled(imported, "deals-dates.csv", read=7, loaded=2)
    reasons = imported.reasons("deals-dates.csv")
    for row, value in enumerate(DATES[:4], start=1):
        expected = f"'{value}' is not a valid timestamp: tried YYYY-MM-DD and YYYY-MM-DD[T]HH:MM"
        assert reasons[row].startswith(expected), reasons[row]
    assert reasons[7] == "required field 'created_at' is empty"
    assert imported.rows("deals", "deal_id", "created_at", where="deal_id LIKE 't%'") == [
        ("t5", datetime(2024, 3, 1)),
        ("t6", datetime(2024, 3, 1, 9, 30)),
    ]


def test_utc_offsets_are_applied_not_dropped(imported: Imported) -> None:
    """Canonical times with a UTC offset are stored in UTC (the offset subtracted by hand:
    09:30+01:00 → 08:30, 09:30−05:30 → 15:00, 00:15+01:00 → 23:15 on 31 Dec); the engine's
    own cast would keep 09:30 and lose the hour without a word."""
    reconciled(imported, "deals-zoned.csv", read=5, loaded=5)
    assert imported.rows("deals", "deal_id", "created_at", where="deal_id LIKE 'z%'") == [
        ("z1", datetime(2024, 1, 1, 8, 30)),
        ("z2", datetime(2024, 1, 1, 15, 0)),
        ("z3", datetime(2023, 12, 31, 23, 15)),
        ("z4", datetime(2024, 1, 1, 9, 30)),
        ("z5", datetime(2024, 1, 1, 9, 30)),
    ]


def test_semicolon_dates_that_do_not_exist(imported: Imported) -> None:
    """The same layouts in a `;` file go through the date parser: 01.03.2024 loads as
    1 March; 31.02.2024 (no such day) and the serial 45352 are quarantined with their value."""
    reconciled(imported, "deals-semicolon.csv", read=3, loaded=1)
    reasons = imported.reasons("deals-semicolon.csv")
    assert reasons[2].startswith("'31.02.2024' is not a valid"), reasons
    assert reasons[3].startswith("'45352' is not a valid"), reasons
    where = "deal_id LIKE 's%'"
    assert imported.rows("deals", "deal_id", "created_at", where=where) == [
        ("s1", datetime(2024, 3, 1))
    ]


def test_hubspot_amounts_keep_their_currency(imported: Imported) -> None:
    """`1.234,56 €` is 1234.56 EUR; the preset stored it as USD."""
    reconciled(imported, "hubspot-eur.csv", read=2, loaded=2)
    where = "deal_id LIKE 'hubspot:20%'"
    assert imported.rows("deals", "deal_id", "amount", "currency", where=where) == [
        ("hubspot:201", 1234.56, "EUR"),
        ("hubspot:202", 2000.0, "EUR"),
    ]


def test_the_german_hubspot_fixture_is_not_usd(imported: Imported) -> None:
    """The project's German HubSpot export has amounts without a symbol and no currency
    column: nothing says USD, so the currency stays empty (the company's reporting currency)."""
    reconciled(imported, "hubspot_deals_de.csv", read=4, loaded=3)
    where = "deal_id LIKE 'hubspot:91%'"
    assert imported.rows("deals", "deal_id", "currency", where=where) == [
        ("hubspot:9101", None),
        ("hubspot:9102", None),
        ("hubspot:9103", None),
    ]


def test_kpis_and_attribution_refuse_to_add_currencies(imported: Imported) -> None:
    """1,000 USD won beside EUR deals: `kpis` and `attribution` stop with a message naming
    both currencies instead of adding them into one figure."""
    reconciled(imported, "deals-usd.csv", read=1, loaded=1)
    for command in ("kpis", "attribution"):
        done = runner.invoke(app, ["-w", str(imported.workspace), command])
        assert done.exit_code != 0
        message = " ".join((done.output or str(done.exception)).split())
        assert "deals are in 2 currencies (EUR, USD)" in message, message


def test_number_formats_that_already_loaded(tmp_path: Path) -> None:
    """German marks, currency signs, percent and bracket negatives through a mapping; the
    column's format is decided from all its values; `zwölf` is quarantined naming itself."""
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        'name = "t"\ntable = "deals"\n[fields.deal_id]\ncolumn = "id"\n'
        '[fields.name]\ncolumn = "id"\n[fields.status]\ndefault = "won"\n'
        '[fields.created_at]\ncolumn = "at"\n[fields.amount]\ncolumn = "wert"\n'
        '[fields.probability]\ncolumn = "p"\n'
    )
    path = tmp_path / "export.csv"
    path.write_text(
        "id;at;wert;p\n"
        "a;2024-01-01;1.234,56 €;50 %\n"  # 1234.56, 0.5
        "b;2024-01-01;(1.000,50);12,5 %\n"  # -1000.5, 0.125
        "c;2024-01-01;EUR 7,5;100 %\n"  # 7.5, 1.0
        "d;2024-01-01;zwölf;1 %\n"  # not a number
    )
    result = crmroi_import(tmp_path, path, args=("--map", str(mapping)))
    reconciled(result, "export.csv", read=4, loaded=3)
    assert result.reasons("export.csv") == {4: "'zwölf' is not a valid number"}
    assert result.rows("deals", "deal_id", "amount", "probability") == [
        ("a", 1234.56, 0.5),
        ("b", -1000.5, 0.125),
        ("c", 7.5, 1.0),
    ]
