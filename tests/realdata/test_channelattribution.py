"""ChannelAttribution's aggregated journeys through `crmroi attribution --paths`, against pandas
and the README (10,000 paths, 19,785 conversions, value 74,802.972; first / last / linear:
alpha 6,308 / 8,447 / 7,574.719; iota 4,606 / 3,355 / 3,857.096; eta 3,164 / 4,167 / 3,539.951;
beta 2,831 / 989 / 2,083.500).

The file holds aggregated paths without timestamps or people: it is read by `--paths`, not
imported into a workspace (no canonical table holds untimed, anonymous journeys), so there is
no workspace to report on.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from .cli import crmroi

FILE = Path("channelattribution_paths") / "Data.csv"
README = {
    "alpha": (6308, 8447, 7574.719),
    "iota": (4606, 3355, 3857.096),
    "eta": (3164, 4167, 3539.951),
    "beta": (2831, 989, 2083.500),
}


@pytest.fixture(scope="module")
def oracle(shared_data: Path) -> dict[str, dict[str, float]]:
    """Conversions credited per channel by each rule, in pandas/Python over the raw paths."""
    paths = pd.read_csv(shared_data / FILE, sep=";")
    assert len(paths) == 10_000
    assert paths["total_conversions"].sum() == 19_785
    assert paths["total_conversion_value"].sum() == pytest.approx(74_802.972, abs=1e-3)
    assert paths["total_null"].sum() == 68_602
    credit: dict[str, dict[str, float]] = {
        m: defaultdict(float) for m in ("first", "last", "linear")
    }
    for path, conversions in zip(paths["path"], paths["total_conversions"], strict=True):
        steps = [s.strip() for s in path.split(">")]
        credit["first"][steps[0]] += conversions
        credit["last"][steps[-1]] += conversions
        for step in steps:
            credit["linear"][step] += conversions / len(steps)
    return credit


@pytest.fixture(scope="module")
def models(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, dict]]:
    ws = tmp_path_factory.mktemp("paths") / "ws.duckdb"
    args = ["attribution", "--paths", shared_data / FILE, "--bootstrap", "0", "--format", "json"]
    for model in ("first_touch", "last_touch", "linear"):
        args += ["-m", model]
    payload = crmroi(ws, *args).assert_ok().json()
    return {m: {r["channel"]: r for r in rows} for m, rows in payload["models"].items()}


def test_oracle_equals_readme(oracle: dict[str, dict[str, float]]) -> None:
    for channel, (first, last, linear) in README.items():
        assert oracle["first"][channel] == first, channel
        assert oracle["last"][channel] == last, channel
        assert oracle["linear"][channel] == pytest.approx(linear, abs=5e-4), channel


@pytest.mark.parametrize(
    ("model", "rule"), [("first_touch", "first"), ("last_touch", "last"), ("linear", "linear")]
)
def test_attribution_equals_pandas(
    models: dict[str, dict[str, dict]], oracle: dict[str, dict[str, float]], model: str, rule: str
) -> None:
    got = {c: r["conversions"] for c, r in models[model].items() if c != "(baseline)"}
    assert set(got) == set(oracle[rule])
    for channel, conversions in oracle[rule].items():
        assert got[channel] == pytest.approx(conversions, abs=1e-6), channel
    assert sum(got.values()) == pytest.approx(19_785)
