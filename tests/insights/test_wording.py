"""Titles in English and German: German numbers use the comma and the spaced percent sign."""

from __future__ import annotations

from crmroi.insights.wording import TEXT, say


def test_german_numbers() -> None:
    assert say("adoption_title", "de", subject="Ann", mine=2.64, median=1234.5) == (
        "Ann erfasst 2,6 Aktivitäten pro Deal (Median 1.234,5) und gewinnt seltener"
    )
    assert say("missing_title", "de", share=0.253, field="deals.source", count=1234) == (
        "25 % der Deals fehlt deals.source (1.234 Deals)"
    )
    assert say("campaign_title", "de", subject="C", roi=-459129.7) == (
        "Kampagne C bringt -459.130 % auf ihre Kosten gegenüber der Kontrollgruppe"
    )


def test_english_numbers() -> None:
    assert say("missing_title", "en", share=0.253, field="deals.source", count=1234) == (
        "25% of deals lack deals.source (1234 deals)"
    )
    assert say("campaign_title", "en", subject="C", roi=-459129.7) == (
        "Campaign C returns -459,130 % on its cost against its control group"
    )


def test_every_text_has_both_languages() -> None:
    assert all(set(texts) == {"en", "de"} for texts in TEXT.values())


def test_german_signs_and_thousands() -> None:
    """A signed figure keeps its sign in German, and ``{:,.0f}`` uses the German separator."""
    assert say("workflow_title", "de", subject="W", lift=2.5).startswith(
        "Workflow W: Konversionsänderung von +2,5 Punkten"
    )
    assert "von -1,2 Punkten" in say("workflow_title", "de", subject="W", lift=-1.234)
    assert say("churn_title", "de", subject="A", recent=1, expected=15.5, days=90,
               value=128763.4).endswith("128.763 pro Jahr gefährdet")  # fmt: skip
    assert say("churn_title", "en", subject="A", recent=1, expected=15.5, days=90,
               value=128763.4).endswith("128,763 a year at stake")  # fmt: skip
