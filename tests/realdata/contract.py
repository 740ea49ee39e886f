"""The checks every dataset's workspace passes, written once.

A dataset's test module subclasses :class:`WorkspaceContract` as ``TestWorkspaceContract`` and
defines the ``ws`` (the imported workspace) and ``reports`` (both languages written) fixtures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .cli import assert_roi_names_missing_costs, kpi_values, roi_error
from .reports import (
    LANGS,
    SECTIONS,
    assert_report_written,
    assert_section_explained,
    english_left_in_german,
)


class WorkspaceContract:
    """KPIs compute, ROI fails clearly without costs, and both reports render and explain."""

    def test_every_kpi_computes(self, ws: Path) -> None:
        """`crmroi kpis` without arguments: every KPI on this data, none crashing."""
        values = kpi_values(ws)
        assert values and all(key[0] for key in values)

    def test_roi_stops_with_a_clear_error(self, ws: Path) -> None:
        """No dataset holds costs: no ROI, and a clear one-line reason instead of a crash."""
        roi_error(ws)

    def test_roi_names_the_missing_costs(self, ws: Path) -> None:
        assert_roi_names_missing_costs(ws)

    @pytest.mark.parametrize("lang", LANGS)
    def test_report_renders(self, reports: dict, lang: str) -> None:
        assert_report_written(reports, lang)

    @pytest.mark.parametrize("lang", LANGS)
    @pytest.mark.parametrize("section_id", SECTIONS)
    def test_report_section_shows_figures_or_names_what_is_missing(
        self, reports: dict, lang: str, section_id: str
    ) -> None:
        assert_section_explained(reports, lang, section_id)

    def test_german_report_has_no_english_text(self, reports: dict) -> None:
        """Issue 11 point 10: no phrase of the English report's notes and titles is left."""
        assert english_left_in_german(reports) == []
