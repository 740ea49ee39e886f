"""One small simulated company per test session (generation takes well under a second)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crmroi.synth import SyntheticCompany, generate, write


@pytest.fixture(scope="session")
def company() -> SyntheticCompany:
    return generate("small", seed=0)


@pytest.fixture(scope="session")
def tables(company: SyntheticCompany) -> dict[str, pd.DataFrame]:
    return company.tables


@pytest.fixture(scope="session")
def truth(company: SyntheticCompany) -> dict[str, object]:
    return company.truth


@pytest.fixture(scope="session")
def csv_dir(company: SyntheticCompany, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth_csv")
    write(company, out, "csv")
    return out
