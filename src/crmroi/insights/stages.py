"""Funnel stages that got worse against their own history: conversion fell or time grew.

Each stage is compared with itself, not with a benchmark: the entries of the last
``stage_recent_days`` against those of the ``stage_history_days`` before them. Only entries
that have *left* the stage count (entered a later stage, or closed), so a deal still sitting
in the stage is not counted as lost; conversion is "got past the stage" as in
:mod:`crmroi.metrics.funnel` (its ``entries`` and ``reach``: skipped stages count as passed),
and time in stage runs from the entry to the next entry or the close, as there.

* **Conversion fell** by more than ``stage_min_drop``: the money at stake is the recent exits
  × the drop × what a deal that got past this stage was worth in the history (its won amount
  ÷ the history's passes): the revenue the stage lost against its own old rate. Confidence:
  one minus the one-sided p-value of the two-proportion z-test.
* **Time in stage grew** by ``stage_time_growth`` or more: the money is the weighted open
  pipeline (amount × probability) now in the stage, waiting longer than it used to.
  Confidence: one minus the one-sided p-value of Welch's t-test.

Both can fire for one stage; its finding then adds the two amounts and weighs the two
confidences by them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pandas as pd
from scipy.stats import ttest_ind

from crmroi.insights.adoption import one_sided_confidence
from crmroi.insights.context import DetectorContext
from crmroi.insights.finding import Finding
from crmroi.insights.wording import say
from crmroi.metrics.currency import require_one_currency
from crmroi.metrics.funnel import entries, reach

_DAY = pd.Timedelta(days=1)


def stage_exits(ctx: DetectorContext) -> pd.DataFrame:
    """Every first entry into an open stage that has been left by ``as_of``.

    Columns: pipeline, stage, entered_at, passed (got further), days (in the stage), and the
    deal's amount and status.
    """
    e = entries(ctx.ws)
    e = e.filter(~e.is_closed)
    r = reach(ctx.ws)
    e = e.join(r, "deal_id")
    frame = e.select(
        "deal_id", "stage", "entered_at", "position", "reach", pipeline=e.stage_pipeline
    ).execute()
    h = ctx.ws.table("deal_stage_history").select("deal_id", "entered_at").execute()
    d = ctx.ws.table("deals").select("deal_id", "closed_at", "amount", "status").execute()
    frame = frame.merge(d, on="deal_id", how="left")
    nxt = frame[["deal_id", "entered_at"]].merge(h, on="deal_id", suffixes=("", "_next"))
    nxt = nxt[nxt["entered_at_next"] > nxt["entered_at"]]
    first = nxt.groupby(["deal_id", "entered_at"])["entered_at_next"].min().rename("next_at")
    frame = frame.join(first, on=["deal_id", "entered_at"])
    left = frame["next_at"].fillna(frame["closed_at"])
    frame["left_at"] = left
    frame = frame[left.notna() & (left <= pd.Timestamp(ctx.as_of))].copy()
    frame["days"] = (frame["left_at"] - frame["entered_at"]) / _DAY
    frame["passed"] = frame["reach"] > frame["position"]
    out: pd.DataFrame = frame
    return out


def _open_in_stage(ctx: DetectorContext) -> pd.DataFrame:
    """Weighted open pipeline (amount × stage probability) per pipeline and current stage."""
    d = ctx.ws.table("deals")
    s = ctx.ws.table("stages").select("pipeline", "stage", stage_probability="probability")
    j = d.filter(d.status == "open").left_join(s, ["pipeline", "stage"])
    p = j.probability.coalesce(j.stage_probability, 1.0)
    out = j.group_by(pipeline=j.pipeline, stage=j.stage).aggregate(
        value=(j.amount.fill_null(0.0) * p).sum()
    )
    frame: pd.DataFrame = out.execute()
    return frame


def detect(ctx: DetectorContext) -> list[Finding]:
    """One finding per open stage whose conversion fell or whose time in stage grew."""
    require_one_currency(ctx.ws.table("deals"), what="deals")
    exits = stage_exits(ctx)
    if exits.empty:
        return []
    s = ctx.settings
    now = pd.Timestamp(ctx.as_of)
    cut = now - timedelta(days=s.stage_recent_days)
    begin = cut - timedelta(days=s.stage_history_days)
    exits["period"] = pd.cut(
        exits["entered_at"], [begin, cut, now], labels=["history", "recent"], right=False
    )
    exits = exits[exits["period"].notna()]
    waiting = _open_in_stage(ctx)
    waiting["pipeline"] = waiting["pipeline"].fillna("")
    value = waiting.set_index(["pipeline", "stage"])["value"]
    exits["pipeline"] = exits["pipeline"].fillna("")
    return list(_judged(ctx, exits, value))


def _slower(new: pd.Series, old: pd.Series) -> float:
    """1 − p of Welch's one-sided test that ``new`` days are longer (1 when neither varies)."""
    if new.nunique() == 1 and old.nunique() == 1:
        return 1.0  # a constant against a shorter constant: no doubt, and no variance to test
    test = ttest_ind(new, old, equal_var=False, alternative="greater")
    return 1.0 - float(test.pvalue)


def _judged(ctx: DetectorContext, exits: pd.DataFrame, waiting: pd.Series) -> Iterator[Finding]:
    s = ctx.settings
    for key, rows in exits.groupby(["pipeline", "stage"], sort=True):
        pipeline, stage = str(key[0]), str(key[1])
        old = rows[rows["period"] == "history"]
        new = rows[rows["period"] == "recent"]
        if min(len(old), len(new)) < s.stage_min_entries:
            continue
        rate_old, rate_new = float(old["passed"].mean()), float(new["passed"].mean())
        days_old, days_new = float(old["days"].mean()), float(new["days"].mean())
        parts: list[tuple[float, float]] = []
        if rate_old - rate_new > s.stage_min_drop:
            passes = int(old["passed"].sum())
            won = old[old["passed"] & (old["status"] == "won")]["amount"].fillna(0.0).sum()
            per_pass = float(won) / passes if passes else 0.0
            money = len(new) * (rate_old - rate_new) * per_pass
            sure = one_sided_confidence(
                float(new["passed"].sum()), float(len(new)), float(passes), float(len(old))
            )
            parts.append((money, sure))
        if days_old > 0 and days_new >= s.stage_time_growth * days_old:
            money = float(waiting.get((pipeline, stage), 0.0))
            parts.append((money, _slower(new["days"], old["days"])))
        total = sum(m for m, _ in parts)
        if not parts or total <= 0:
            continue
        sure = sum(m * c for m, c in parts) / total
        subject = f"{pipeline} / {stage}" if pipeline else str(stage)
        yield Finding(
            kind="stage",
            subject=subject,
            money_at_stake=total,
            currency=ctx.currency,
            confidence=min(max(sure, 0.0), 1.0),
            evidence={
                "pipeline": pipeline or None,
                "stage": str(stage),
                "conversion_before": round(rate_old, 4),
                "conversion_now": round(rate_new, 4),
                "mean_days_before": round(days_old, 1),
                "mean_days_now": round(days_new, 1),
                "exits_before": len(old),
                "exits_now": len(new),
                "open_value_in_stage": round(float(waiting.get((pipeline, stage), 0.0)), 2),
            },
            action=say("stage_action", ctx.lang, subject=subject),
            title=say(
                "stage_title",
                ctx.lang,
                subject=subject,
                before=rate_old,
                now=rate_new,
                days_before=days_old,
                days_now=days_new,
            ),
        )
