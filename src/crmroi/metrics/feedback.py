"""Customer feedback KPIs: NPS, CSAT and CES from ``survey_responses``, by answer date.

Answers without a score are left out of every denominator. Source: REFERENCE §3.4.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _

from crmroi.metrics import facts
from crmroi.metrics.context import QueryContext, ratio
from crmroi.metrics.definitions import Direction, Kind, Unit, kpi
from crmroi.metrics.facts import SURVEY_DIMS

ANSWERED = "survey_responses.answered_at"


@kpi(
    "nps",
    en="Net Promoter Score",
    de="Net Promoter Score",
    unit=Unit.points,
    direction=Direction.higher,
    kind=Kind.ratio,
    date=ANSWERED,
    dimensions=SURVEY_DIMS,
)
def nps(ctx: QueryContext) -> ir.Table:
    """% promoters (9–10) − % detractors (0–6) of the NPS answers, −100 … +100.

    Formula: 100 × (promoters − detractors) ÷ scored answers; passives (7–8) count only in the
    denominator. Example 30 % − 20 % = +10 (retently; REFERENCE §3.4). NPS is a trademark of
    Reichheld, Bain and Satmetrix.
    """
    s = facts.surveys(ctx, "nps")
    s = s.mutate(net=ibis.cases((s.score >= 9, 1), (s.score <= 6, -1), else_=0))
    t = ctx.events(s, "answered_at", net=_.net.sum(), n=_.count())
    return t.mutate(value=100.0 * ratio(t.net, t.n))


@kpi(
    "csat",
    en="Customer satisfaction (CSAT)",
    de="Kundenzufriedenheit (CSAT)",
    unit=Unit.share,
    direction=Direction.higher,
    kind=Kind.ratio,
    date=ANSWERED,
    dimensions=SURVEY_DIMS,
)
def csat(ctx: QueryContext) -> ir.Table:
    """Satisfied CSAT answers ÷ all CSAT answers.

    Formula: satisfied ÷ responses; example 80 ÷ 100 = 0.80 (veemo.io; REFERENCE §3.4). An
    answer is satisfied when it is in the top ``KpiSettings.csat_top_boxes`` boxes of its scale
    (default 2: 4 or 5 of 5, 6 or 7 of 7); an empty ``scale_max`` means
    ``csat_default_scale_max`` (5).
    """
    s = facts.surveys(ctx, "csat")
    top = s.scale_max.fill_null(ctx.settings.csat_default_scale_max)
    s = s.mutate(ok=(s.score > top - ctx.settings.csat_top_boxes).cast("int32"))
    t = ctx.events(s, "answered_at", ok=_.ok.sum(), n=_.count())
    return t.mutate(value=ratio(t.ok, t.n))


@kpi(
    "ces",
    en="Customer effort score (CES)",
    de="Kundenaufwand (CES)",
    unit=Unit.score,
    direction=Direction.higher,
    kind=Kind.simple,
    date=ANSWERED,
    dimensions=SURVEY_DIMS,
)
def ces(ctx: QueryContext) -> ir.Table:
    """Customer effort score on the 1–7 agreement scale of CES 2.0 (higher: easier).

    ``KpiSettings.ces_definition`` picks one of the two definitions in use (REFERENCE §3.4):
    ``mean`` (default): mean agreement with "[Company] made it easy to handle my issue";
    ``share_at_least_5``: share of answers of 5 or more (Simplesat's adaptation of Gartner; the
    value is then a share from 0 to 1, though the unit says score).
    """
    s = facts.surveys(ctx, "ces")
    if ctx.settings.ces_definition == "mean":
        return ctx.events(s, "answered_at", value=_.score.mean())
    s = s.mutate(ok=(s.score >= 5).cast("int32"))
    t = ctx.events(s, "answered_at", ok=_.ok.sum(), n=_.count())
    return t.mutate(value=ratio(t.ok, t.n))
