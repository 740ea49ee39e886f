"""Fixtures shared by every test package."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
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


def _coloured_share(png: bytes) -> float:
    """Share of pixels that are clearly not white or grey: bars and lines, not background."""
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    return float((spread > 40).mean())


@pytest.fixture(scope="session")
def coloured_share() -> Callable[[bytes], float]:
    """How much of a PNG is drawn in colour (a blank or grey chart gives ~0)."""
    return _coloured_share
