"""Fixtures shared by every test package."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from crmroi import Workspace, open_workspace

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (never a downloaded browser); one per process,
    since Playwright's sync API cannot run twice at once in one process."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail("Debian chromium is missing: `make system-deps` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
