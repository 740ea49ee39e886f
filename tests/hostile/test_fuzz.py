"""Fuzz ``crmroi import``: mutated exports never cause an internal error.

Seeds are the small vendor fixtures in ``tests/data/exports`` and canonical files of a simulated
company. Hypothesis mutates their text (delimiters, quotes, line breaks, hostile cell values),
re-encodes them (UTF-8 with and without BOM, UTF-16, cp1252) and damages bytes (flips,
truncation, NULs); each result goes through :func:`crmroi.ingest.import_any` (what `crmroi
import` runs for every file) and the contact linking after it, on a real DuckDB file. Every
outcome must be a load whose rows reconcile (read = loaded + quarantined, and the quarantine
holds exactly the quarantined rows) or a ``CrmroiError`` with a one-line message.

CI runs 25 examples (60–90 s on two busy cores), derandomized so a failure reproduces. A longer
local run draws fresh examples: ``CRMROI_FUZZ_EXAMPLES=2000 pytest tests/hostile/test_fuzz.py``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmroi import open_workspace
from crmroi.errors import CrmroiError
from crmroi.ingest import ExportResult, dangling_references, import_any, link_contacts

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"
CANONICAL = ("deals", "contacts", "accounts", "costs", "survey_responses", "activities")
SEED_ROWS = 12
EXAMPLES = int(os.environ.get("CRMROI_FUZZ_EXAMPLES", "25"))

settings.register_profile(
    "crmroi-fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)

HOSTILE_CELLS = (
    "",
    " ",
    "inf",
    "-inf",
    "NaN",
    "1e400",
    "-0",
    "1.234,56 €",
    "31.02.2024",
    "45352",
    "20240301",
    "0000-00-00",
    "9999-12-31 23:59:59",
    "=1+1",
    "'; DROP TABLE deals;--",
    "<script>alert(1)</script>",
    "\x1b[31mred",
    "\x00",
    '"',
    '""',
    "a\nb",
    "x" * 5000,
    "Müller GmbH",
    "MÃ¼ller GmbH",
    "١٢٣",
)
DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252")


@pytest.fixture(scope="module")
def seeds() -> list[tuple[str, str]]:
    """(file name, text) of each seed: the vendor fixtures and a few canonical tables."""
    from crmroi.synth import generate

    found = [
        (path.name, path.read_text(encoding="utf-8", errors="replace"))
        for path in sorted(EXPORTS.iterdir())
        if path.suffix in {".csv", ".json", ".ndjson"}
    ]
    company = generate("small", 0)
    for name in CANONICAL:
        frame = company.tables[name].head(SEED_ROWS)
        found.append((f"{name}.csv", frame.to_csv(index=False)))
    return found


def _mutate_text(data: st.DataObject, text: str) -> str:
    lines = text.splitlines(keepends=True) or [""]
    for _ in range(data.draw(st.integers(0, 4), label="text mutations")):
        kind = data.draw(
            st.sampled_from(("cell", "delimiter", "quote", "line", "newline")), label="kind"
        )
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        if kind == "cell":
            cells = lines[i].rstrip("\r\n").split(",")
            j = data.draw(st.integers(0, len(cells) - 1), label="cell")
            cells[j] = data.draw(
                st.one_of(st.sampled_from(HOSTILE_CELLS), st.text(max_size=20)), label="value"
            )
            lines[i] = ",".join(cells) + "\n"
        elif kind == "delimiter":
            new = data.draw(st.sampled_from(DELIMITERS), label="delimiter")
            lines = [line.replace(",", new) for line in lines]
        elif kind == "quote":
            at = data.draw(st.integers(0, len(lines[i])), label="at")
            lines[i] = lines[i][:at] + '"' + lines[i][at:]
        elif kind == "line":
            action = data.draw(st.sampled_from(("drop", "repeat", "cut")), label="action")
            if action == "drop":
                del lines[i]
            elif action == "repeat":
                lines.insert(i, lines[i])
            else:
                lines = lines[: i + 1]
                lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])), label="cut")]
            lines = lines or [""]
        else:
            ending = data.draw(st.sampled_from(("\r\n", "\r", "\n\n")), label="ending")
            lines = [line.rstrip("\r\n") + ending for line in lines]
    return "".join(lines)


def _mutate_bytes(data: st.DataObject, raw: bytes) -> bytes:
    for _ in range(data.draw(st.integers(0, 2), label="byte mutations")):
        if not raw:
            break
        at = data.draw(st.integers(0, len(raw) - 1), label="offset")
        kind = data.draw(st.sampled_from(("flip", "cut", "nul", "insert")), label="byte kind")
        if kind == "flip":
            raw = raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1 :]
        elif kind == "cut":
            raw = raw[:at]
        elif kind == "nul":
            raw = raw[:at] + b"\x00" + raw[at:]
        else:
            raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=8), label="bytes") + raw[at:]
    return raw


def _check_reconciled(ws_path: Path, exports: list[ExportResult]) -> None:
    with open_workspace(ws_path) as ws:
        quarantine = ws.con.table("quarantine")
        for export in exports:
            result = export.result
            assert result.rows_read == result.rows_loaded + result.rows_quarantined
            assert result.rows_read >= 0 and result.rows_quarantined >= 0
            held = quarantine.filter(quarantine.import_id == result.import_id).count().execute()
            assert int(held) == result.rows_quarantined, result


@settings(settings.get_profile("crmroi-fuzz"))
@given(data=st.data())
def test_mutated_exports_load_or_fail_clearly(
    seeds: list[tuple[str, str]], data: st.DataObject
) -> None:
    name, text = data.draw(st.sampled_from(seeds), label="seed")
    text = _mutate_text(data, text)
    encoding = data.draw(st.sampled_from(ENCODINGS), label="encoding")
    raw = _mutate_bytes(data, text.encode(encoding, errors="replace"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(raw)
        ws_path = Path(folder) / "w.duckdb"
        try:
            with open_workspace(ws_path) as ws:
                exports = import_any(ws, path)
                link_contacts(ws)
                dangling_references(ws, {e.result.table for e in exports})
        except CrmroiError as exc:
            message = str(exc)
            assert message.strip(), "an empty error message"
            assert "\n" not in message, f"a multi-line message: {message[:300]!r}"
            return
        _check_reconciled(ws_path, exports)
