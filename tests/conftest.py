"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from crmroi import Workspace, open_workspace

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only folder of real public datasets (``../shared/data`` beside the checkout)."""
    candidates = [
        Path(os.environ["CRMROI_SHARED_DATA"]) if "CRMROI_SHARED_DATA" in os.environ else None,
        REPO.parent / "shared" / "data",
        Path("/work/shared/data"),
    ]
    for path in candidates:
        if path is not None and path.is_dir():
            return path
    pytest.fail("../shared/data is missing: the real-data tests need it (set CRMROI_SHARED_DATA)")


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh, empty workspace in a real DuckDB file."""
    ws = open_workspace(tmp_path / "test.duckdb")
    yield ws
    ws.close()
