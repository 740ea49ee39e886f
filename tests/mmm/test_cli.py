"""`crmroi mmm` from wide and long spend files; bad input names the file, row and column."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest

from crmroi.cli.app import main
from crmroi.mmm.worlds import simulate_world


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("mmm")
    world = simulate_world(3)
    wide, long, outcome = folder / "wide.csv", folder / "long.csv", folder / "outcome.csv"
    world.spend.to_csv(wide)
    stacked = world.spend.stack().rename("spend").rename_axis(["week", "channel"])
    stacked.reset_index().to_csv(long, index=False)
    world.outcome.to_csv(outcome)
    return wide, long, outcome


def run(*args: str | Path) -> tuple[int, str]:
    """``crmroi mmm ARGS`` in-process through ``main()``, which maps errors to exit codes."""
    out = io.StringIO()
    saved, sys.argv = sys.argv, ["crmroi", "mmm", *(str(a) for a in args)]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = saved
    return code, out.getvalue()


def test_wide_and_long_spend_give_the_same_channels(files: tuple[Path, Path, Path]) -> None:
    wide, long, outcome = files
    out = []
    for spend in (wide, long):
        code, text = run(
            "--spend", spend, "--outcome", outcome, "--bootstrap", "20", "--format", "json"
        )
        assert code == 0, text
        out.append({c["channel"]: c["roas"] for c in json.loads(text)["channels"]})
    assert out[0] == pytest.approx(out[1])
    assert set(out[0]) == {"print", "radio", "tv", "trade_fairs"}


def test_bad_spend_names_file_row_and_column(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    wide, _, outcome = files
    lines = wide.read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",lots"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines))
    code, text = run("--spend", bad, "--outcome", outcome)
    assert code == 2
    assert "bad.csv, row 4, column `trade_fairs`" in text
