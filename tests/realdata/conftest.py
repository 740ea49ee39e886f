"""Fixtures of the real-data suite: one workspace per dataset module, reports written once.

Each module defines a module-scoped ``ws`` fixture that imports its dataset through the real
CLI; the fixtures here build on it so that no file is imported twice in a module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .cli import Loaded, Run
from .reports import LANGS, write_reports

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture(scope="session")
def examples() -> Path:
    """The shipped example mappings (docs/examples/*.toml)."""
    return EXAMPLES


@pytest.fixture(scope="module")
def reports(
    ws: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Run, dict[str, Path]]]:
    """The module's workspace reported in HTML, PDF and XLSX, once per language."""
    folder = tmp_path_factory.mktemp("reports")
    return {lang: write_reports(ws, folder, lang) for lang in LANGS}


@pytest.fixture(scope="module")
def ws(loaded: Loaded) -> Path:
    """The module's workspace file, its dataset imported once."""
    return loaded.path
