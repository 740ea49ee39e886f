"""docs/roi.md cannot drift: every JSON key and every setting is documented there."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from crmroi import Workspace
from crmroi.roi import RoiSettings, analyse

DOC = (Path(__file__).resolve().parents[2] / "docs" / "roi.md").read_text(encoding="utf-8")


def test_every_json_key_is_documented(small_company: tuple[Workspace, Any]) -> None:
    ws, _ = small_company
    out = analyse(ws, RoiSettings(attribution_bootstrap=0)).to_dict()
    keys = set(out) | {f"period.{k}" for k in out["period"]}
    keys |= {k for row in out["campaigns"] + out["workflows"] for k in row}
    keys -= {"period"}
    missing = sorted(k for k in keys if f"`{k}`" not in DOC and f"`{k.split('.')[-1]}`" not in DOC)
    assert not missing, missing


def test_every_setting_is_documented() -> None:
    missing = [f.name for f in fields(RoiSettings) if f"`{f.name}`" not in DOC]
    assert not missing, missing
