"""Per-deal credit: which channels, campaigns or workflows earned each won deal's amount.

Every model splits a converted journey into fractions that sum to 1 (the ``(baseline)`` bucket
included), so a deal's credit rows sum exactly to its amount. The rows export in the shape of
Salesforce's ``CampaignInfluence`` object (CampaignId, OpportunityId, Influence in percent,
RevenueShare, ModelId), which Salesforce's Customizable Campaign Influence can import.

Markov credits split each journey over its channels in proportion to their removal effects; the
model's table allocates the total by the same effects but over all journeys at once, so per-deal
sums per channel match the table only approximately for ``markov``; every other model matches
exactly.

At campaign and workflow level the same campaign can be a key under two channels (a webinar
campaign reached by e-mail and on the webinar channel); the ``CampaignInfluence`` rows add
its credit up to one row per campaign and deal, as Salesforce expects.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crmroi.attribution.models import Model
from crmroi.attribution.paths import BASELINE, Journeys

if TYPE_CHECKING:  # pandas loads when credits are asked for, not with the package
    import pandas as pd

CREDIT_COLUMNS = ("deal_id", "key", "channel", "parent", "fraction", "credit")
INFLUENCE_COLUMNS = ("CampaignId", "OpportunityId", "Influence", "RevenueShare", "ModelId")


def deal_credits(
    journeys: Journeys,
    model: Model,
    stats: Any,
    keys: tuple[str, ...],
    names: tuple[str, ...],
    parents: list[str | None],
) -> pd.DataFrame:
    """Rows (deal_id, key, channel, parent, fraction, credit), credit = fraction × amount.

    ``parents`` has one entry per key and the baseline (``None`` at channel level).
    """
    import pandas as pd

    fr = model.fractions(journeys, stats)
    order = np.lexsort((fr.code, fr.journey))
    journey, code, fraction = fr.journey[order], fr.code[order], fr.fraction[order]
    ids = journeys.journey_ids[journey] if journeys.journey_ids is not None else journey.astype(str)
    all_keys = np.array([*keys, BASELINE], dtype=object)
    all_names = np.array([*names, BASELINE], dtype=object)
    all_parents = np.array(parents, dtype=object)
    per_conversion = np.where(
        journeys.conversions > 0, journeys.value / np.maximum(journeys.conversions, 1e-300), 0.0
    )
    # fraction of the deal's amount; an aggregated path row of c conversions is c deals
    amount = per_conversion[journey] * journeys.conversions[journey]
    return pd.DataFrame(
        {
            "deal_id": ids,
            "key": all_keys[code],
            "channel": all_names[code],
            "parent": all_parents[code],
            "fraction": fraction,
            "credit": fraction * amount,
        },
        columns=list(CREDIT_COLUMNS),
    )


def campaign_influence(credits: pd.DataFrame, model_id: str) -> pd.DataFrame:
    """The credit rows as Salesforce ``CampaignInfluence`` records (Influence in percent)."""
    import pandas as pd

    rows = credits.groupby(["key", "deal_id"], sort=False, as_index=False)[
        ["fraction", "credit"]
    ].sum()
    return pd.DataFrame(
        {
            "CampaignId": rows["key"],
            "OpportunityId": rows["deal_id"],
            "Influence": rows["fraction"] * 100.0,
            "RevenueShare": rows["credit"],
            "ModelId": model_id,
        },
        columns=list(INFLUENCE_COLUMNS),
    )


def write_campaign_influence(credits: pd.DataFrame, model_id: str, path: str | Path) -> int:
    """Write the CampaignInfluence CSV; returns the number of rows written."""
    frame = campaign_influence(credits, model_id)
    frame.to_csv(path, index=False)
    return len(frame)
