"""The Vega bundle's disk cache: made once per vl-convert version, read afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmroi.report.vega_cache import cached_bundle


def test_the_bundle_is_made_once_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    made: list[str] = []

    def make() -> str:
        made.append("x")
        return "var vega = 1; // ü"

    assert cached_bundle("1.0", "snippet", make) == "var vega = 1; // ü"
    assert cached_bundle("1.0", "snippet", make) == "var vega = 1; // ü"
    assert len(made) == 1
    assert cached_bundle("2.0", "snippet", make) == "var vega = 1; // ü"
    assert len(made) == 2  # another version is another bundle
    files = sorted(p.name for p in (tmp_path / "crmroi").iterdir())
    assert len(files) == 2
    assert all(name.startswith("vega-bundle-") and name.endswith(".js") for name in files)


def test_an_unwritable_cache_still_gives_the_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    made: list[str] = []

    def make() -> str:
        made.append("x")
        return "bundle"

    assert cached_bundle("1.0", "s", make) == "bundle"
    assert cached_bundle("1.0", "s", make) == "bundle"
    assert len(made) == 2
