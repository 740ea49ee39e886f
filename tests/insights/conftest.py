"""The simulated company (small, seed 0) in both presets, loaded once per test session.

``default`` plants every problem the detectors look for, ``healthy`` none
(:mod:`crmroi.synth.presets`); each is generated and loaded into its own workspace once and
shared by the modules that need it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

from crmroi import Workspace, open_workspace
from crmroi.insights import Finding, find
from tests.metrics.kit import load

synth = pytest.importorskip("crmroi.synth")

Company = tuple[Workspace, dict[str, pd.DataFrame], dict[str, Any]]


def open_company(tables: dict[str, pd.DataFrame], path: Path) -> Workspace:
    """A workspace at ``path`` holding ``tables``."""
    ws = open_workspace(path)
    load(ws, tables)
    return ws


def _company(preset: str, factory: pytest.TempPathFactory) -> Iterator[Company]:
    made = synth.generate("small", 0, preset=preset)
    ws = open_company(made.tables, factory.mktemp(preset) / "small.duckdb")
    yield ws, made.tables, made.truth
    ws.close()


@pytest.fixture(scope="session")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Company]:
    """The default preset: every planted problem."""
    yield from _company("default", tmp_path_factory)


@pytest.fixture(scope="session")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Company]:
    """The healthy preset: no planted problem."""
    yield from _company("healthy", tmp_path_factory)


@pytest.fixture(scope="session")
def found(company: Company) -> list[Finding]:
    """Every finding on the default company, computed once."""
    return find(company[0])


@pytest.fixture(scope="session")
def found_healthy(healthy: Company) -> list[Finding]:
    """Every finding on the healthy company, computed once.

    With no low-adoption rep, the ROI analysis's difference-in-differences has no control
    group and statsmodels warns about the rank-deficient design (an error under this suite's
    filterwarnings). The detectors read only its per-campaign and per-workflow rows, which do
    not come from that model, so the warning is let pass here.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SingularMatrixWarning)
        return find(healthy[0])
