"""Builders for tiny hand-made workspaces: rows in, canonical column types out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from crmroi import Workspace
from tests.support import insert_rows

Insert = Callable[[Workspace, str, list[dict[str, Any]]], None]


@pytest.fixture
def insert() -> Insert:
    """The :func:`insert_rows` helper, as a fixture."""
    return insert_rows
