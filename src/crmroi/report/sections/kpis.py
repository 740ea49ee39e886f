"""KPIs against their targets: by month, and by owner and team over the last quarter.

Figures and targets come from :func:`crmroi.metrics.query`, which matches each row with its
target from the ``targets`` table and judges it (:mod:`crmroi.metrics.targets`); this section
only arranges them. "Now" is the end of the data, so an old export is judged as of its own end.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd

from crmroi.report.build import ReportContext, register_section
from crmroi.report.i18n import format_value
from crmroi.report.missing import missing_targets
from crmroi.report.model import DataTable, Metric, Missing, Section, Unit
from crmroi.report.sections.sales import _display_unit
from crmroi.report.values import number

KPIS = ("won_revenue", "won_deals", "win_rate", "avg_deal_size", "sales_cycle_days")
PEOPLE_KPIS = ("won_revenue", "won_deals", "win_rate")
MONTHS = 12
STATUS = {
    "on track": ("on track", "im Plan"),
    "at risk": ("at risk", "gefährdet"),
    "off track": ("off track", "verfehlt"),
}


def _last_day(ctx: ReportContext) -> date:
    """The last day with data (the forecast's "now" is the midnight after it)."""
    last: date = (ctx.as_of - timedelta(microseconds=1)).date()
    return last


def _monthly(ctx: ReportContext, kpis: Sequence[str], dims: tuple[str, ...] = ()) -> pd.DataFrame:
    """``kpis`` by month (and ``dims``) over the last twelve months of the data."""
    from crmroi.metrics import Grain, MetricQuery, query

    end = _last_day(ctx)
    start = (pd.Timestamp(end).to_period("M") - (MONTHS - 1)).to_timestamp().date()
    q = MetricQuery(
        kpis=tuple(kpis),
        grain=Grain.month,
        dimensions=dims,
        start=start,
        end=end,
        settings=ctx.config.kpis,
    )
    return query(ctx.ws, q, now=ctx.as_of)


def _months(ctx: ReportContext) -> list[pd.Timestamp]:
    """The first days of the last twelve months of the data, oldest first."""
    last = pd.Timestamp(_last_day(ctx)).to_period("M")
    return [(last - k).to_timestamp() for k in range(MONTHS - 1, -1, -1)]


def series(ctx: ReportContext, part: pd.DataFrame, kpi: str) -> tuple[float | None, ...]:
    """One KPI's value in each of the last twelve months.

    A month without a row is 0 for a count or sum (nothing happened), a gap for a ratio
    (nothing to divide).
    """
    from crmroi.metrics import REGISTRY

    empty = 0.0 if REGISTRY.get(kpi).empty_is_zero else None
    by_month = {
        pd.Timestamp(p): number(v) for p, v in zip(part["period_start"], part["value"], strict=True)
    }
    return tuple(by_month.get(m, empty) for m in _months(ctx))


def last_quarter(end: date) -> tuple[date, date]:
    """The last calendar quarter the data cover in full.

    The one ending at ``end``, else the one before: a quarter cut short would compare a part
    with a whole quarter's target.
    """
    period = pd.Timestamp(end).to_period("Q")
    if pd.Timestamp(end).date() != period.end_time.date():
        period -= 1
    return period.start_time.date(), period.end_time.date()


def _status(ctx: ReportContext, value: object) -> str | None:
    if not isinstance(value, str):
        return None
    en, de = STATUS.get(value, (value, value))
    return ctx.text(en, de)


def _label(ctx: ReportContext, kpi: str) -> str:
    from crmroi.metrics import REGISTRY

    d = REGISTRY.get(kpi)
    return ctx.text(d.label_en, d.label_de)


def _unit(kpi: str) -> Unit:
    from crmroi.metrics import REGISTRY

    return _display_unit(REGISTRY.get(kpi).unit.value)


def _period_table(ctx: ReportContext, frame: pd.DataFrame) -> DataTable:
    """One row per month; per KPI its value, and its target, attainment, status where set."""
    months = sorted(frame["period_start"].unique())
    columns: list[str] = [ctx.text("month", "Monat")]
    units: list[Unit] = [Unit.text]
    cells: list[list[Any]] = [[pd.Timestamp(m).strftime("%Y-%m")] for m in months]
    for kpi in KPIS:
        part = frame[frame["kpi"] == kpi].set_index("period_start")
        with_target = part["target"].notna().any()
        columns.append(_label(ctx, kpi))
        units.append(_unit(kpi))
        if with_target:
            columns += [
                ctx.text("target", "Ziel"),
                ctx.text("attainment", "Erreichung"),
                ctx.text("status", "Status"),
            ]
            units += [_unit(kpi), Unit.ratio, Unit.text]
        for row, month in zip(cells, months, strict=True):
            got = part.loc[month] if month in part.index else None
            row.append(None if got is None else number(got["value"]))
            if with_target:
                row += [
                    None if got is None else number(got["target"]),
                    None if got is None else number(got["attainment"]),
                    None if got is None else _status(ctx, got["status"]),
                ]
    risk = format_value(ctx.config.kpis.at_risk_ratio, Unit.ratio, ctx.lang, ctx.currency)
    return DataTable(
        id="kpi-months",
        title=ctx.text("KPIs by month against target", "Kennzahlen je Monat gegen Ziel"),
        columns=tuple(columns),
        rows=tuple(tuple(r) for r in cells),
        units=tuple(units),
        caption=ctx.text(
            "Attainment = value ÷ target (target ÷ value where lower is better). On track at "
            f"100 % or more, at risk from {risk} (set as at_risk_ratio under [kpis]), off "
            "track below.",
            "Erreichung = Wert ÷ Ziel (Ziel ÷ Wert, wo weniger besser ist). Im Plan ab 100 %, "
            f"gefährdet ab {risk} (einstellbar als at_risk_ratio unter [kpis]), darunter "
            "verfehlt.",
        ),
    )


def _cards(ctx: ReportContext, frame: pd.DataFrame) -> tuple[Metric, ...]:
    """Each KPI's last month with the month before and its twelve-month sparkline."""
    from crmroi.metrics import REGISTRY

    cards = []
    for kpi in KPIS:
        part = frame[frame["kpi"] == kpi].sort_values("period_start")
        if part.empty:
            continue
        values = series(ctx, part, kpi)
        last = part.iloc[-1]
        note = ctx.text(
            f"{pd.Timestamp(last['period_start']):%Y-%m}",
            f"{pd.Timestamp(last['period_start']):%Y-%m}",
        )
        target = number(last["target"])
        if target is not None:
            shown = format_value(target, _unit(kpi), ctx.lang, ctx.currency)
            status = _status(ctx, last["status"]) or ""
            note += ctx.text(f"; target {shown} ({status})", f"; Ziel {shown} ({status})")
        cards.append(
            Metric(
                f"kpi_{kpi}",
                _label(ctx, kpi),
                values[-1],
                _unit(kpi),
                previous=values[-2] if len(values) > 1 else None,
                better=REGISTRY.get(kpi).direction.value,
                note=note,
                trend=tuple(values),
            )
        )
    return tuple(cards)


def _names(ctx: ReportContext) -> dict[str, str]:
    """User id → display name (the id where the users table has no name)."""
    if not ctx.rows.get("users"):
        return {}
    users = ctx.ws.table("users").select("user_id", "name").execute()
    return {
        str(u): str(n) for u, n in zip(users["user_id"], users["name"], strict=True) if pd.notna(n)
    }


def _people_table(ctx: ReportContext, dim: str) -> DataTable | None:
    """Per owner or team: the last full quarter against its target, and a monthly trend."""
    from crmroi.metrics import MetricQuery, query

    start, end = last_quarter(_last_day(ctx))
    q = MetricQuery(
        kpis=PEOPLE_KPIS, dimensions=(dim,), start=start, end=end, settings=ctx.config.kpis
    )
    frame = query(ctx.ws, q, now=ctx.as_of)
    frame = frame[frame[dim].notna() & (frame[dim].astype(str) != "(none)")]
    if frame.empty:
        return None
    trend = _monthly(ctx, ("won_revenue",), (dim,))
    trends = {str(k): series(ctx, g, "won_revenue") for k, g in trend.groupby(dim)}
    names = _names(ctx) if dim == "owner" else {}
    revenue = frame[frame["kpi"] == "won_revenue"].set_index(dim)
    deals = frame[frame["kpi"] == "won_deals"].set_index(dim)["value"]
    rate = frame[frame["kpi"] == "win_rate"].set_index(dim)["value"]
    rows: list[tuple[Any, ...]] = []
    for key in sorted(revenue.index, key=lambda k: -(number(revenue.loc[k, "value"]) or 0.0)):
        got = revenue.loc[key]
        rows.append(
            (
                names.get(str(key), str(key)),
                number(got["value"]),
                number(got["target"]),
                number(got["attainment"]),
                _status(ctx, got["status"]),
                number(deals.get(key)),
                number(rate.get(key)),
                trends.get(str(key), ()),
            )
        )
    if not revenue["target"].notna().any():
        rows = [(r[0], r[1], *r[5:]) for r in rows]
    who = {"owner": ("owner", "Verantwortlich"), "team": ("team", "Team")}[dim]
    targeted = revenue["target"].notna().any()
    columns: list[tuple[str | None, Unit]] = [
        (ctx.text(*who), Unit.text),
        (_label(ctx, "won_revenue"), Unit.currency),
        (ctx.text("target", "Ziel") if targeted else None, Unit.currency),
        (ctx.text("attainment", "Erreichung") if targeted else None, Unit.ratio),
        (ctx.text("status", "Status") if targeted else None, Unit.text),
        (_label(ctx, "won_deals"), Unit.integer),
        (_label(ctx, "win_rate"), Unit.ratio),
        (ctx.text("won revenue, 12 months", "Umsatz, 12 Monate"), Unit.trend),
    ]
    title = {
        "owner": ("By owner", "Je Verantwortlichem"),
        "team": ("By team", "Je Team"),
    }[dim]
    return DataTable(
        id=f"kpi-{dim}s",
        title=ctx.text(
            f"{title[0]}, {start.isoformat()} to {end.isoformat()}",
            f"{title[1]}, {start.isoformat()} bis {end.isoformat()}",
        ),
        columns=tuple(c for c, _ in columns if c is not None),
        rows=tuple(rows),
        units=tuple(u for c, u in columns if c is not None),
    )


@register_section("kpis")
def kpis(ctx: ReportContext) -> Section | None:
    """Sales KPIs by month against target, and per owner and team over the last full quarter."""
    if ctx.rows["deals"] == 0:
        return None
    frame = _monthly(ctx, KPIS)
    tables = [_period_table(ctx, frame)]
    for dim in ("owner", "team"):
        table = _people_table(ctx, dim)
        if table is not None:
            tables.append(table)
    missing: tuple[Missing, ...] = ()
    if not ctx.rows.get("targets"):
        missing = (missing_targets(ctx.text),)
    return Section(
        id="kpis",
        title=ctx.text("KPIs against targets", "Kennzahlen gegen Ziele"),
        summary=ctx.text(
            "Each card is the last month of the data with the month before and a twelve-month "
            "line; the tables compare every month, owner and team with its target.",
            "Jede Karte zeigt den letzten Monat der Daten mit dem Vormonat und einer Linie über "
            "zwölf Monate; die Tabellen vergleichen jeden Monat, jede verantwortliche Person "
            "und jedes Team mit dem Ziel.",
        ),
        metrics=_cards(ctx, frame),
        tables=tuple(tables),
        missing=missing,
    )
