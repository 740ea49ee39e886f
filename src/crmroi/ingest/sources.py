"""The registry of import presets, and the choice of a preset from a file's headers.

Each preset is a mapping file in ``crmroi/ingest/presets/``, in the same format users write for
``--map``. Extensions add theirs with :func:`register_preset`, the path the built-ins take too.
A file's preset is the one whose columns the header covers best: the score is the share of the
preset's mapped fields found in the header, and every ``detect`` header (a list gives
alternatives) must be present.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from crmroi.errors import InputError
from crmroi.ingest.ga4 import QUIRK_COLUMNS
from crmroi.ingest.mapping import Mapping, find_column, header_index, mapping_from_dict

MIN_SCORE = 0.5
_REGISTRY: dict[str, Mapping] = {}


@dataclass(frozen=True)
class Match:
    """How well a preset fits a header."""

    mapping: Mapping
    score: float
    found: int


def register_preset(mapping: Mapping) -> None:
    """Make ``mapping`` available to ``crmroi import --source`` and to detection."""
    _REGISTRY[mapping.name] = mapping


def _load_builtin() -> None:
    if _REGISTRY:
        return
    folder = resources.files("crmroi.ingest") / "presets"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data: dict[str, Any] = tomllib.loads(entry.read_text(encoding="utf-8"))
            register_preset(mapping_from_dict(data, origin=f"presets/{entry.name}"))


def presets() -> dict[str, Mapping]:
    """Every registered preset by name."""
    _load_builtin()
    return dict(_REGISTRY)


def preset(name: str) -> Mapping:
    """The preset called ``name``, or an error listing the ones there are."""
    known = presets()
    try:
        return known[name]
    except KeyError:
        raise InputError(f"unknown source {name!r}; presets: {', '.join(sorted(known))}") from None


def score(mapping: Mapping, header: list[str]) -> Match:
    """The share of the mapping's column-bound fields the header has."""
    names = header_index([*header, *QUIRK_COLUMNS.get(mapping.quirk or "", [])])
    for group in mapping.detect_groups():
        if find_column(group, names) is None:
            return Match(mapping, 0.0, 0)
    bound = [f for f in mapping.fields.values() if f.aliases() or f.columns]
    found = 0
    for f in bound:
        if f.columns:
            found += all(find_column([c], names) is not None for c in f.columns)
        else:
            found += find_column(f.aliases(), names) is not None
    return Match(mapping, found / len(bound) if bound else 0.0, found)


def choose(header: list[str]) -> list[Match]:
    """Presets that fit ``header``, best first (empty when none reaches ``MIN_SCORE``)."""
    matches = [score(m, header) for m in presets().values()]
    good = [
        m
        for m in matches
        if m.score >= (MIN_SCORE if m.mapping.min_score is None else m.mapping.min_score)
        and m.found
    ]
    return sorted(good, key=lambda m: (m.score, m.found), reverse=True)
