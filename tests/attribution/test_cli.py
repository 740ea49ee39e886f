"""`crmroi attribution` through its entry point: path file and workspace, every format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from crmroi import Workspace

CLI = [sys.executable, "-m", "crmroi"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, check=False, timeout=300)


def test_paths_file_json(shared_data: Path) -> None:
    data = shared_data / "channelattribution_paths" / "Data.csv"
    done = run(
        "attribution",
        "--paths",
        str(data),
        "-m",
        "linear",
        "-m",
        "markov",
        "--bootstrap",
        "0",
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert set(payload["models"]) == {"linear", "markov"}
    linear = {r["channel"]: r for r in payload["models"]["linear"]}
    assert linear["alpha"]["conversions"] == pytest.approx(7574.719, abs=5e-4)
    assert set(linear["alpha"]) == {
        "channel",
        "parent",
        "conversions",
        "revenue",
        "share",
        "share_low",
        "share_high",
    }
    assert payload["models"]["linear"][-1]["channel"] == "(baseline)"
    assert all(r["parent"] is None for r in payload["models"]["linear"])  # channel level
    assert sum(r["share"] for r in payload["models"]["markov"]) == pytest.approx(1.0)


def test_workspace_csv_and_credits(tiny: Workspace, tmp_path: Path) -> None:
    location = tiny.location
    tiny.close()
    credits = tmp_path / "influence.csv"
    done = run(
        "--workspace", location, "attribution", "-m", "linear", "--level", "campaign",
        "--bootstrap", "10", "--format", "csv", "--credits-csv", str(credits),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.splitlines()[0]
        == "model,channel,parent,conversions,revenue,share,share_low,share_high"
    )
    influence = pd.read_csv(credits)
    assert list(influence.columns) == [
        "CampaignId",
        "OpportunityId",
        "Influence",
        "RevenueShare",
        "ModelId",
    ]
    assert influence["RevenueShare"].sum() == pytest.approx(1000.0)
    assert influence["Influence"].sum() == pytest.approx(100.0)
    assert set(influence["CampaignId"]) == {"K1", "K2", "(none)"}
    # K2 is reached on paid_search and by the google/cpc session: one row, both touches
    k2 = influence[influence["CampaignId"] == "K2"]
    assert len(k2) == 1 and k2["RevenueShare"].iloc[0] == pytest.approx(500.0)


def test_bad_paths_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("path;total_conversions\na > b;x\n")
    done = run("attribution", "--paths", str(bad))
    assert done.returncode == 2
    assert "row 1" in done.stderr and "total_conversions" in done.stderr


def test_paths_file_runs_the_models_without_pandas(shared_data: Path) -> None:
    """Reading the file and running the models needs NumPy, SciPy and Arrow, not pandas.

    pandas costs ~0.4 s of CPU to import, a fifth of ChannelAttribution's whole run at 1M
    journeys (docs/benchmarks.md); pyarrow loads it behind ``to_numpy`` and Python scalars.
    """
    data = shared_data / "channelattribution_paths" / "Data.csv"
    args = ["attribution", "--paths", str(data), "-m", "data_driven", "-m", "markov"]
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *CLI[1:], *args, "-m", "linear", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {
        line.split("|")[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert {"numpy", "scipy", "pyarrow"} <= imported  # the parse found the imports
    assert "pandas" not in imported
    assert set(json.loads(done.stdout)["models"]) == {"data_driven", "markov", "linear"}
