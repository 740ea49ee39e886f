"""`--suggest-map` drafts against a corpus of real export headers (tests/data/header_corpus.toml).

The corpus holds 48 export formats (vendor exports from REFERENCE.md §5, the public datasets in
../shared/data, common public CRM samples), each with the table and the source columns a person
mapping it by hand chooses. The score is the share of required fields mapped to the right column
(a wrong table gets all of its required fields wrong); drafts must reach 90 %. The past failures
of issue 11 point 5 are tested in test_suggest.py.

The last seven entries (`holdout = true`) were written after the rules had been tuned on the
others and scored as they came: 11 of 14 required fields. Two generic fixes followed (ad reports
with one row per day are campaigns combined by `group_by`; a contacts file without an id is keyed
by the hashed e-mail) and one answer was corrected on the vendor's model (a Close.com lead is a
company); the score printed for them now is therefore no longer a clean hold-out figure.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from crmroi import Workspace
from crmroi.ingest.draft_model import Draft
from crmroi.ingest.draft_toml import draft_toml
from crmroi.ingest.exports import import_any
from crmroi.ingest.mapping import load_mapping
from crmroi.ingest.suggest import draft_for_file
from crmroi.schema import TABLES_BY_NAME

CORPUS = Path(__file__).resolve().parents[1] / "data" / "header_corpus.toml"
ENTRIES: list[dict[str, Any]] = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["entry"]
BY_NAME = {e["name"]: e for e in ENTRIES}
SHARED_HEAD_LINES = 300
"""Rows of a shared dataset copied to a temporary file for the import check (never the repo)."""


def _required(table: str) -> list[str]:
    spec = TABLES_BY_NAME[table]
    derived = spec.key if spec.natural_key else None
    return [n for n in spec.required if n != derived]


def _answers(expected: str | list[str]) -> list[str]:
    return [expected] if isinstance(expected, str) else expected


def _source(draft: Draft, field: str) -> str | None:
    guess = draft.guess(field)
    return guess.source if guess is not None else None


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> dict[str, Path]:
    """Each entry as a file: the written sample, or the real dataset in ../shared/data."""
    folder = tmp_path_factory.mktemp("corpus")
    found: dict[str, Path] = {}
    for entry in ENTRIES:
        if "shared" in entry:
            found[entry["name"]] = shared_data / entry["shared"]
        else:
            path = folder / entry["file"]
            path.write_text(entry["csv"].lstrip("\n"), encoding="utf-8")
            found[entry["name"]] = path
    return found


@pytest.fixture(scope="module")
def drafts(files: dict[str, Path]) -> dict[str, Draft]:
    return {name: draft_for_file(path) for name, path in files.items()}


def _score(
    drafts: dict[str, Draft], *, required: bool, holdout: bool = False
) -> tuple[int, int, list[str]]:
    right, total, misses = 0, 0, []
    for entry in ENTRIES:
        if holdout and not entry.get("holdout"):
            continue
        draft = drafts[entry["name"]]
        spec = TABLES_BY_NAME[entry["table"]]
        wrong: list[str] = []
        for field, expected in entry["expect"].items():
            if spec.column(field).required is not required:
                continue
            got = _source(draft, field) if draft.table == entry["table"] else None
            total += 1
            if got in _answers(expected):
                right += 1
            else:
                wrong.append(f"{field}: {got!r} (want {expected!r})")
        if draft.table != entry["table"]:
            wrong.insert(0, f"table {draft.table} (want {entry['table']})")
        if wrong:
            misses.append(f"{entry['name']}: " + "; ".join(wrong))
    return right, total, misses


def test_the_corpus_is_complete(files: dict[str, Path]) -> None:
    """At least 30 formats; every required field has an answer; every answer is a real column."""
    assert len(ENTRIES) >= 30
    assert len({e["name"] for e in ENTRIES}) == len(ENTRIES)
    assert sum("shared" in e for e in ENTRIES) >= 5
    for entry in ENTRIES:
        assert set(_required(entry["table"])) <= set(entry["expect"]), entry["name"]
        with files[entry["name"]].open(encoding="utf-8-sig") as handle:
            header = handle.readline()
        for field, expected in entry["expect"].items():
            assert field in TABLES_BY_NAME[entry["table"]].column_names, (entry["name"], field)
            for answer in _answers(expected):
                if answer != "@row" and not answer.startswith("default:"):
                    assert answer in header, (entry["name"], answer)


def _report(
    capsys: pytest.CaptureFixture[str], what: str, right: int, total: int, misses: list[str]
) -> None:
    """The score and each entry's misses, shown even when pytest captures output."""
    with capsys.disabled():
        sys.stdout.write(f"\n{what} mapped right: {right}/{total} = {right / total:.1%}\n")
        sys.stdout.write("".join(f"  miss: {m}\n" for m in misses))


def test_drafts_map_the_required_fields_of_the_corpus(
    drafts: dict[str, Draft], capsys: pytest.CaptureFixture[str]
) -> None:
    right, total, misses = _score(drafts, required=True)
    _report(capsys, "required fields", right, total, misses)
    _report(
        capsys, "required fields (hold-out entries)", *_score(drafts, required=True, holdout=True)
    )
    assert total >= 90
    assert right / total >= 0.9, "\n".join(misses)


def test_drafts_map_the_other_listed_fields_of_the_corpus(
    drafts: dict[str, Draft], capsys: pytest.CaptureFixture[str]
) -> None:
    """Amounts, owners, closing dates and the like: what the analyses need beyond the keys."""
    right, total, misses = _score(drafts, required=False)
    _report(capsys, "other listed fields", right, total, misses)
    assert total >= 100
    assert right / total >= 0.9, "\n".join(misses)


@pytest.mark.parametrize("name", [e["name"] for e in ENTRIES])
def test_every_draft_is_a_mapping_the_import_accepts(
    name: str,
    files: dict[str, Path],
    drafts: dict[str, Draft],
    tmp_path: Path,
    workspace: Workspace,
) -> None:
    """The draft as written loads as a mapping, and `import --map` with it loads rows and
    accounts for every row read (large shared files: their first rows, copied to tmp)."""
    path = files[name]
    if "shared" in BY_NAME[name]:
        with path.open(encoding="utf-8", errors="replace") as source:
            head = [line for _, line in zip(range(SHARED_HEAD_LINES), source, strict=False)]
        path = tmp_path / path.name
        path.write_text("".join(head), encoding="utf-8")
    (tmp_path / "draft.toml").write_text(draft_toml(drafts[name], name=name), encoding="utf-8")
    mapping = load_mapping(tmp_path / "draft.toml")
    assert mapping.table == drafts[name].table
    results = import_any(workspace, path, mapping=tmp_path / "draft.toml")
    for found in results:
        r = found.result
        assert r.rows_read == r.rows_loaded + r.rows_quarantined
        assert r.rows_loaded > 0, r.problems[:3]
