"""The findings reuse an ROI analysis already run (the report's) instead of running it again.

The default simulated company has campaigns and workflows with control groups, so the campaign
and workflow detectors read the analysis; the findings must be the same whether ``find`` runs
it or is handed it, and when handed it, ``find`` must not run it a second time.
"""

from __future__ import annotations

import pytest

from crmroi.config import CompanySettings, Config
from crmroi.insights import Finding, find
from crmroi.insights import context as insights_context
from crmroi.report.build import ReportContext
from crmroi.roi.analysis import analyse
from crmroi.roi.settings import RoiSettings
from tests.insights.conftest import Company


def _no_second_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the ROI analysis ran a second time")

    monkeypatch.setattr(insights_context, "analyse", refuse)


def test_findings_are_the_same_with_a_given_analysis(
    company: Company, found: list[Finding], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = company[0]
    settings = RoiSettings(currency="EUR")
    result = analyse(ws, settings)
    _no_second_analysis(monkeypatch)
    given = find(ws, roi=settings, analysis=result)
    assert {f.kind for f in given} >= {"workflow_lift"}
    assert given == found


def test_the_report_hands_its_analysis_to_the_findings(
    company: Company, found: list[Finding], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = ReportContext(company[0], Config(company=CompanySettings(currency="EUR")), "en")
    assert ctx.roi is not None  # the report's own analysis, run once
    _no_second_analysis(monkeypatch)
    assert ctx.findings == found
