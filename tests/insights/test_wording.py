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
