"""The report builder: section registry, failure isolation, en/de."""

from __future__ import annotations

import pytest

from crmroi import Workspace
from crmroi.errors import AnalysisError
from crmroi.report import Section, build_report
from crmroi.report.build import SECTIONS, ReportContext


def test_a_section_without_data_becomes_a_note_not_a_crash(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(ctx: ReportContext) -> Section:
        raise AnalysisError("no won deals in the workspace")

    def fine(ctx: ReportContext) -> Section:
        return Section(id="fine", title=ctx.text("Fine", "Gut"))

    monkeypatch.setitem(SECTIONS, "failing", failing)
    monkeypatch.setitem(SECTIONS, "fine", fine)
    report = build_report(workspace, sections=["failing", "fine"], lang="de")
    assert [s.id for s in report.sections] == ["failing", "fine"]
    assert report.sections[0].notes == ("Nicht berechnet: no won deals in the workspace",)
    assert report.sections[1].title == "Gut"
    assert report.title == "Rechnet sich das CRM?"


def test_a_bug_in_a_section_is_not_hidden(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def buggy(ctx: ReportContext) -> Section:
        raise ZeroDivisionError

    monkeypatch.setitem(SECTIONS, "buggy", buggy)
    with pytest.raises(ZeroDivisionError):
        build_report(workspace, sections=["buggy"])


def test_one_build_looks_each_table_up_once_and_the_next_sees_new_rows(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sections share the table objects of one build; a later build reads the tables afresh."""
    import pandas as pd

    looked_up: list[str] = []
    lookup = workspace.con.table

    def counting(name: str, *args: object, **kwargs: object) -> object:
        looked_up.append(name)
        return lookup(name, *args, **kwargs)

    def rows(ctx: ReportContext) -> Section:
        counts = [ctx.ws.table("deals").count().execute() for _ in range(3)]
        return Section(id="rows", title=str(counts))

    monkeypatch.setattr(workspace.con, "table", counting)
    monkeypatch.setitem(SECTIONS, "rows", rows)
    first = build_report(workspace, sections=["rows"])
    assert first.sections[0].title == "[0, 0, 0]"
    assert looked_up.count("deals") == 1
    workspace.con.insert(
        "deals",
        pd.DataFrame({"deal_id": ["d1"], "created_at": pd.to_datetime(["2024-01-01"])}),
    )
    second = build_report(workspace, sections=["rows"])
    assert second.sections[0].title == "[1, 1, 1]"
    assert looked_up.count("deals") == 2
