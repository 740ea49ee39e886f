"""`crmroi synth` through the Typer app and through the installed entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmroi.cli.app import app


def test_synth_command_writes_files(tmp_path: Path) -> None:
    out = tmp_path / "data"
    result = CliRunner().invoke(
        app, ["synth", "--size", "small", "--seed", "5", "--out", str(out), "--format", "parquet"]
    )
    assert result.exit_code == 0, result.output
    assert "18 tables" in result.output  # channel_spend is written empty
    assert (out / "deals.parquet").is_file()
    assert json.loads((out / "truth.json").read_text("utf-8"))["seed"] == 5


def test_synth_rejects_an_unknown_size(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["synth", "--size", "huge", "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "huge" in result.output


@pytest.mark.slow  # a fresh interpreter importing every command module: ~5 s
def test_entry_point_prints_plain_progress_without_a_tty(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crmroi", "synth", "--out", str(tmp_path), "--seed", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "synth 1/9: people" in done.stderr
    assert "synth 9/9: files written" in done.stderr
    assert (tmp_path / "contacts.csv").is_file()


def test_synth_preset_healthy_writes_a_company_without_planted_problems(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["synth", "--preset", "healthy", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    truth = json.loads((tmp_path / "truth.json").read_text("utf-8"))
    assert truth["preset"] == "healthy"
    assert truth["low_adoption_user_ids"] == [] and truth["duplicates"]["count"] == 0


def test_the_cli_offers_every_preset() -> None:
    from crmroi.cli.synth import SynthPreset
    from crmroi.synth.presets import PRESETS

    assert [p.value for p in SynthPreset] == list(PRESETS)
