"""`crmroi mmm` from wide and long spend files; bad input names the file, row and column."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
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
    return _main("mmm", *(str(a) for a in args))


def _main(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    saved, sys.argv = sys.argv, ["crmroi", *argv]
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


def _workspace_run(path: Path, *args: str) -> tuple[int, str]:
    """``crmroi --workspace PATH mmm ARGS`` in-process."""
    return _main("--workspace", str(path), "mmm", *args)


def _world_workspace(path: Path, seed: int, close_after: str) -> tuple[Any, pd.DataFrame]:
    """World ``seed``'s spend as channel_spend rows and its outcome as one won deal a week
    (closed ``close_after`` after it was created), loaded into a workspace at ``path``."""
    from crmroi import open_workspace
    from tests.metrics.kit import load

    world = simulate_world(seed)
    long = world.spend.stack().rename("spend").rename_axis(["period_start", "channel"])
    spend = long[long > 0].reset_index().assign(spend_key=lambda f: f.index.astype(str))
    weeks = world.outcome.index
    deals = pd.DataFrame(
        {
            "deal_id": [f"d{i}" for i in range(len(weeks))],
            "status": "won",
            "amount": world.outcome.to_numpy(),
            "created_at": weeks,
            "closed_at": weeks + pd.Timedelta(close_after),
        }
    )
    with open_workspace(path) as ws:
        load(ws, {"channel_spend": spend, "deals": deals})
    return world, spend


def test_the_workspace_is_read_by_default(tmp_path: Path) -> None:
    """A world's spend as channel_spend rows and its outcome as one won deal a week: the command
    on the workspace gives what the library gives on the world's own frames (season by month,
    since the world has three years)."""
    from crmroi.mmm.fit import fit_mmm

    path = tmp_path / "ws.duckdb"
    world, _ = _world_workspace(path, 3, "30h")
    code, text = _workspace_run(
        path, "--measure", "revenue", "--bootstrap", "0", "--format", "json"
    )
    assert code == 0, text
    got = {c["channel"]: c["incremental"] for c in json.loads(text)["channels"]}
    want = fit_mmm(world.spend, world.outcome, bootstrap=0, season="months")
    assert got == pytest.approx({c.channel: c.incremental for c in want.channels}, rel=1e-9)


def test_an_empty_workspace_says_what_to_import(tmp_path: Path) -> None:
    code, text = _workspace_run(tmp_path / "empty.duckdb")
    assert code != 0
    assert "no weekly spend: import channel_spend.csv" in text


def test_a_count_outcome_is_valued_at_revenue_per_unit(tmp_path: Path) -> None:
    """Won deals as the outcome: a deal is worth the won revenue per deal (here the mean of the
    weekly amounts, one deal a week), and each channel's revenue is its deals times that."""
    path = tmp_path / "ws.duckdb"
    world, spend = _world_workspace(path, 4, "2D")
    code, text = _workspace_run(path, "--measure", "deals", "--bootstrap", "0", "--format", "json")
    assert code == 0, text
    out = json.loads(text)
    first = spend["period_start"].min()
    assert out["value_per_unit"] == pytest.approx(world.outcome[first:].mean())
    for row in out["channels"]:
        assert row["incremental_revenue"] == pytest.approx(
            row["incremental"] * out["value_per_unit"]
        )
        assert row["roas"] == pytest.approx(row["incremental_revenue"] / row["spend"])
