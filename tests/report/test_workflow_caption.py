"""The workflow table says what "conversion" means: the ROI analysis's holdout outcome.

The experiments table beside it counts won deals (``crmroi experiments``), while the workflow
holdouts follow ``[roi] holdout_outcome`` (opportunities by default), so the two can show
different lifts for the same workflow; each caption has to say which it counts.
"""

from __future__ import annotations

import pytest

from crmroi import open_workspace
from crmroi.config import Config
from crmroi.report.build import ReportContext
from crmroi.report.sections.impact import _workflow_caption
from crmroi.roi import RoiSettings


@pytest.mark.parametrize(
    ("outcome", "lang", "says"),
    [
        ("opportunity", "en", "Conversion = a deal created for the contact within 90 days"),
        ("won", "en", "Conversion = a won deal closed within 90 days of enrolment"),
        ("opportunity", "de", "Konversion = ein Deal, der binnen 90 Tagen nach der Einschreibung"),
        ("won", "de", "Konversion = ein gewonnener Deal, abgeschlossen binnen 90 Tagen"),
    ],
)
def test_the_caption_names_the_configured_outcome_and_window(
    outcome: str, lang: str, says: str
) -> None:
    settings = RoiSettings(holdout_outcome=outcome, conversion_window_days=90)  # type: ignore[arg-type]
    with open_workspace(":memory:") as ws:
        caption = _workflow_caption(ReportContext(ws=ws, config=Config(roi=settings), lang=lang))
    assert caption.startswith(says)
    assert "`[roi] holdout_outcome`" in caption


def test_the_default_counts_opportunities() -> None:
    with open_workspace(":memory:") as ws:
        caption = _workflow_caption(ReportContext(ws=ws, config=Config(), lang="en"))
    assert "a deal created for the contact within 180 days" in caption
