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
