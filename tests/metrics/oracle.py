"""An independent pandas computation of every KPI by month and owner, for the synthetic company.

Written from the KPI definitions in ``docs/kpis.md`` without the engine's code: plain pandas
group-bys and per-month loops. Each function returns a Series indexed by (period_start, owner)
(or period_start only, for KPIs that cannot be sliced by owner).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

Tables = dict[str, pd.DataFrame]
NONE = "(none)"
START, END = pd.Timestamp("2023-01-01"), pd.Timestamp("2026-01-01")
MONTHS = pd.date_range(START, END - pd.Timedelta(days=1), freq="MS")
HUMAN_TYPES = ("call", "email", "meeting")


def month(ts: pd.Series) -> pd.Series:
    return ts.dt.to_period("M").dt.start_time


def owner(s: pd.Series) -> pd.Series:
    return s.fillna(NONE).astype(str)


def inrange(df: pd.DataFrame, col: str) -> pd.DataFrame:
    return df[(df[col] >= START) & (df[col] < END)]


def by(df: pd.DataFrame, ts: str, own: str | None) -> list[pd.Series]:
    keys = [month(df[ts]).rename("period_start")]
    if own is not None:
        keys.append(owner(df[own]).rename("owner"))
    return keys


def div(a: pd.Series, b: pd.Series) -> pd.Series:
    a, b = a.align(b, join="outer")
    return a.astype(float) / b.astype(float).replace(0, np.nan)


class Oracle:
    """KPI values of one company computed with pandas."""

    def __init__(self, t: Tables) -> None:
        self.t = t
        d = t["deals"].copy()
        gone = d["closed_at"].where(
            d["closed_at"].notna(), d["created_at"].where(d["status"] != "open")
        )
        d["gone"] = gone
        self.deals = d
        a = t["activities"].copy()
        a["human"] = (a["type"] != "login") & ~a["automated"].fillna(False).astype(bool)
        self.acts = a
        acc = t["accounts"].set_index("account_id")["owner_id"]
        o = t["orders"].copy()
        o["customer"] = o["account_id"].fillna(o["contact_id"])
        o = o[o["customer"].notna()]
        o["owner_id"] = o["account_id"].map(acc)
        self.orders = o
        s = t["survey_responses"].copy()
        s["owner_id"] = s["account_id"].map(acc)
        self.surveys = s[s["score"].notna()]

    # -- deals ---------------------------------------------------------------------------
    def _closed(self) -> pd.DataFrame:
        d = self.deals
        c = d[d["status"].isin(["won", "lost"]) & d["closed_at"].notna()].copy()
        c = inrange(c, "closed_at")
        c["won"] = (c["status"] == "won").astype(int)
        c["cycle"] = (c["closed_at"] - c["created_at"]).dt.total_seconds() / 86400
        return c

    def won_revenue(self, own: str | None) -> pd.Series:
        c = self._closed()
        return (
            c.assign(v=c["amount"].where(c["won"] == 1, 0.0))
            .groupby(by(c, "closed_at", own))["v"]
            .sum()
        )

    def won_deals(self, own: str | None) -> pd.Series:
        c = self._closed()
        return c.groupby(by(c, "closed_at", own))["won"].sum().astype(float)

    def lost_deals(self, own: str | None) -> pd.Series:
        c = self._closed()
        return (1 - c["won"]).groupby(by(c, "closed_at", own)).sum().astype(float)

    def win_rate(self, own: str | None) -> pd.Series:
        c = self._closed()
        return c.groupby(by(c, "closed_at", own))["won"].mean()

    def avg_deal_size(self, own: str | None) -> pd.Series:
        w = self._closed()
        w = w[w["won"] == 1]
        return w.groupby(by(w, "closed_at", own))["amount"].mean()

    def sales_cycle_days(self, own: str | None) -> pd.Series:
        w = self._closed()
        w = w[w["won"] == 1]
        return w.groupby(by(w, "closed_at", own))["cycle"].mean()

    def sales_cycle_days_median(self, own: str | None) -> pd.Series:
        w = self._closed()
        w = w[w["won"] == 1]
        return w.groupby(by(w, "closed_at", own))["cycle"].median()

    def _per_month(
        self,
        fn: Callable[[pd.Timestamp, pd.Timestamp], pd.DataFrame],
        col: str,
        agg: str,
        own: str | None,
    ) -> pd.Series:
        parts = []
        for m in MONTHS:
            df = fn(m, m + pd.offsets.MonthBegin(1))
            keys = [pd.Series(m, index=df.index, name="period_start")]
            if own is not None:
                keys.append(owner(df[own]).rename("owner"))
            parts.append(df.groupby(keys)[col].agg(agg))
        return pd.concat(parts).astype(float)

    def _open_at(self, moment: pd.Timestamp) -> pd.DataFrame:
        d = self.deals
        return d[(d["created_at"] < moment) & (d["gone"].isna() | (d["gone"] >= moment))]

    def open_deals(self, own: str | None) -> pd.Series:
        return self._per_month(lambda s, e: self._open_at(e), "deal_id", "nunique", own)

    def open_pipeline_value(self, own: str | None) -> pd.Series:
        return self._per_month(lambda s, e: self._open_at(e), "amount", "sum", own)

    def probabilities(self) -> pd.Series:
        d = self.deals
        closed = d[d["status"].isin(["won", "lost"])]
        h = self.t["deal_stage_history"][["deal_id", "stage"]]
        sets = pd.concat([h, closed[["deal_id", "stage"]]]).drop_duplicates()
        sets = sets.merge(closed[["deal_id", "pipeline", "status"]], on="deal_id")
        sets["pipeline"] = sets["pipeline"].fillna("")
        return sets.groupby(["pipeline", "stage"])["status"].apply(lambda s: (s == "won").mean())

    def weighted_pipeline_value(self, own: str | None) -> pd.Series:
        probs = self.probabilities()
        h = self.t["deal_stage_history"].sort_values("entered_at")

        def rows(s: pd.Timestamp, e: pd.Timestamp) -> pd.DataFrame:
            alive = self._open_at(e).copy()
            last = h[h["entered_at"] < e].groupby("deal_id")["stage"].last()
            stage = alive["deal_id"].map(last).fillna(alive["stage"])
            key = list(zip(alive["pipeline"].fillna(""), stage, strict=True))
            p = pd.Series([probs.get(k, 0.0) for k in key], index=alive.index)
            alive["w"] = alive["amount"].fillna(0.0) * p
            return alive

        return self._per_month(rows, "w", "sum", own)

    def pipeline_velocity(self, own: str | None) -> pd.Series:
        n, a = self.open_deals(own), self.avg_deal_size(own)
        r, c = self.win_rate(own), self.sales_cycle_days(own)
        f = pd.concat([n, a, r, c], axis=1, join="outer", keys=["n", "a", "r", "c"])
        return f["n"] * f["a"] * f["r"] / f["c"].replace(0, np.nan)

    def neglected_deals(self, own: str | None) -> pd.Series:
        a = self.acts
        a = a[(a["type"] != "login") & a["deal_id"].notna()]
        n = pd.Timedelta(days=14)

        def rows(s: pd.Timestamp, e: pd.Timestamp) -> pd.DataFrame:
            alive = self._open_at(e)
            alive = alive[alive["created_at"] <= e - n]
            touched = a[(a["occurred_at"] >= e - n) & (a["occurred_at"] < e)]["deal_id"]
            return alive[~alive["deal_id"].isin(set(touched))]

        return self._per_month(rows, "deal_id", "nunique", own)

    # -- stages --------------------------------------------------------------------------
    def _stage_rows(self) -> pd.DataFrame:
        st = self.t["stages"].copy()
        st["lost"] = st["is_closed"].fillna(False) & ~st["is_won"].fillna(False)
        d = self.deals
        h = self.t["deal_stage_history"]
        first = h.groupby(["deal_id", "stage"], as_index=False)["entered_at"].min()
        first = first.merge(
            d[["deal_id", "pipeline", "owner_id", "closed_at", "status"]], on="deal_id"
        )
        first = first.merge(
            st[["pipeline", "stage", "position", "lost", "is_closed"]], on=["pipeline", "stage"]
        )
        cur = d.merge(st[["pipeline", "stage", "position", "lost"]], on=["pipeline", "stage"])
        top = st[~st["is_closed"].fillna(False)].groupby("pipeline")["position"].max()
        reach = (
            pd.concat(
                [
                    first[~first["lost"]][["deal_id", "position"]],
                    cur[~cur["lost"]][["deal_id", "position"]],
                    pd.DataFrame(
                        {
                            "deal_id": d.loc[d["status"] == "won", "deal_id"],
                            "position": d.loc[d["status"] == "won", "pipeline"].map(top) + 1,
                        }
                    ),
                ]
            )
            .groupby("deal_id")["position"]
            .max()
        )
        e = first[~first["is_closed"].fillna(False)].copy()
        e["passed"] = (e["deal_id"].map(reach) > e["position"]).astype(int)
        nxt = []
        hs = h.sort_values("entered_at")
        grouped = {k: v["entered_at"].to_numpy() for k, v in hs.groupby("deal_id")}
        for deal, at, closed in zip(e["deal_id"], e["entered_at"], e["closed_at"], strict=True):
            later = grouped[deal][grouped[deal] > np.datetime64(at)]
            nxt.append(pd.Timestamp(later[0]) if len(later) else closed)
        e["days"] = (pd.Series(nxt, index=e.index) - e["entered_at"]).dt.total_seconds() / 86400
        return inrange(e, "entered_at")

    def stage_conversion_rate(self, own: str | None) -> pd.Series:
        e = self._stage_rows()
        return e.groupby(by(e, "entered_at", own))["passed"].mean()

    def time_in_stage_days(self, own: str | None) -> pd.Series:
        e = self._stage_rows()
        return e.groupby(by(e, "entered_at", own))["days"].mean().dropna()

    # -- leads and marketing -------------------------------------------------------------
    def _leads(self) -> pd.DataFrame:
        c = self.t["contacts"].copy()
        with_deal = set(self.deals["contact_id"].dropna())
        c["converted"] = (c["converted_at"].notna() | c["contact_id"].isin(with_deal)).astype(int)
        return inrange(c, "created_at")

    def new_leads(self, own: str | None) -> pd.Series:
        c = self._leads()
        return c.groupby(by(c, "created_at", own))["contact_id"].count().astype(float)

    def lead_conversion_rate(self, own: str | None) -> pd.Series:
        c = self._leads()
        return c.groupby(by(c, "created_at", own))["converted"].mean()

    def _response(self) -> pd.DataFrame:
        c = self._leads()
        a = self.acts
        a = a[a["human"] & a["type"].isin(HUMAN_TYPES) & a["contact_id"].notna()]
        j = c[["contact_id", "created_at", "owner_id"]].merge(
            a[["contact_id", "occurred_at"]], on="contact_id"
        )
        j = j[j["occurred_at"] >= j["created_at"]]
        first = j.groupby(["contact_id", "created_at", "owner_id"], dropna=False, as_index=False)[
            "occurred_at"
        ].min()
        first["hours"] = (first["occurred_at"] - first["created_at"]).dt.total_seconds() / 3600
        return first

    def lead_response_time_hours(self, own: str | None) -> pd.Series:
        f = self._response()
        return f.groupby(by(f, "created_at", own))["hours"].quantile(0.5)

    def lead_response_time_hours_p95(self, own: str | None) -> pd.Series:
        f = self._response()
        return f.groupby(by(f, "created_at", own))["hours"].quantile(0.95)

    def _first_wins(self) -> pd.DataFrame:
        d = self.deals
        w = d[(d["status"] == "won") & d["closed_at"].notna()].copy()
        w["customer"] = w["account_id"].fillna(w["contact_id"]).fillna(w["deal_id"])
        w = w.sort_values(["closed_at", "deal_id"]).drop_duplicates("customer")
        return inrange(w, "closed_at")

    def new_customers(self, own: str | None) -> pd.Series:
        w = self._first_wins()
        return w.groupby(by(w, "closed_at", own))["deal_id"].count().astype(float)

    def campaign_cost(self, own: str | None) -> pd.Series:
        c = inrange(self.t["campaigns"], "started_at")
        return c.groupby(by(c, "started_at", None))["cost"].sum()

    def cost_per_lead(self, own: str | None) -> pd.Series:
        return div(self.campaign_cost(None), self.new_leads(None))

    def cac(self, own: str | None) -> pd.Series:
        return div(self.campaign_cost(None), self.new_customers(None))

    def _email(self, what: str) -> pd.Series:
        t = self.t["touchpoints"]
        t = t[t["contact_id"].notna()].copy()
        t["message"] = t["campaign_id"].fillna(t["workflow_id"]).fillna("")
        sent = (
            t[t["interaction"] == "delivered"]
            .groupby(["contact_id", "message"], as_index=False)["occurred_at"]
            .min()
        )
        hit = t[t["interaction"] == what][["contact_id", "message"]].drop_duplicates()
        hit["hit"] = 1
        j = sent.merge(hit, how="left", on=["contact_id", "message"]).fillna({"hit": 0})
        j = inrange(j, "occurred_at")
        return j.groupby(by(j, "occurred_at", None))["hit"].mean()

    def email_open_rate(self, own: str | None) -> pd.Series:
        return self._email("open")

    def email_click_rate(self, own: str | None) -> pd.Series:
        return self._email("click")

    # -- adoption and quality ------------------------------------------------------------
    def _licensed(self, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.Series:
        u = self.t["users"]
        start = u["active_from"].fillna(pd.Timestamp("1900-01-01"))
        end = u["active_to"] + pd.Timedelta(days=1)
        ok = (start < hi) & (end.isna() | (end > lo))
        return u.loc[ok, "user_id"]

    def _per_seat(self, counts: pd.Series, own: str | None) -> pd.Series:
        out = {}
        for m in MONTHS:
            seats = self._licensed(m, m + pd.offsets.MonthBegin(1))
            if own is None:
                out[m] = counts.get(m, 0) / len(seats) if len(seats) else np.nan
            else:
                for s in seats:
                    out[(m, s)] = float(counts.get((m, s), 0))
        s = pd.Series(out, dtype=float)
        if own is not None:
            extra = counts[~counts.index.isin(s.index)]
            s = pd.concat([s, pd.Series(np.nan, index=extra.index)])
        return s

    def activities_per_rep(self, own: str | None) -> pd.Series:
        a = inrange(self.acts[self.acts["human"]], "occurred_at")
        counts = a.groupby(by(a, "occurred_at", "user_id" if own else None))["activity_id"].count()
        return self._per_seat(counts, own)

    def records_updated_per_user(self, own: str | None) -> pd.Series:
        rows = pd.concat(
            [
                self.t["contacts"][["owner_id", "created_at"]].rename(columns={"created_at": "ts"}),
                self.deals[["owner_id", "created_at"]].rename(columns={"created_at": "ts"}),
                self.acts[self.acts["human"]][["user_id", "occurred_at"]].rename(
                    columns={"user_id": "owner_id", "occurred_at": "ts"}
                ),
            ]
        )
        rows = inrange(rows[rows["owner_id"].notna()], "ts")
        counts = rows.groupby(by(rows, "ts", "owner_id" if own else None))["ts"].count()
        return self._per_seat(counts, own)

    def crm_adoption_rate(self, own: str | None) -> pd.Series:
        a = self.acts
        a = a[(a["human"] | (a["type"] == "login")) & a["user_id"].notna()]
        a = inrange(a, "occurred_at")
        active = set(zip(a["user_id"], a["occurred_at"].dt.normalize(), strict=True))
        rows = []
        for day in pd.date_range(START, END - pd.Timedelta(days=1), freq="D"):
            if day.weekday() >= 5:
                continue
            for u in self._licensed(day, day + pd.Timedelta(days=1)):
                rows.append((day.to_period("M").start_time, u, int((u, day) in active)))
        df = pd.DataFrame(rows, columns=["period_start", "owner", "used"])
        keys = ["period_start", "owner"] if own else ["period_start"]
        return df.groupby(keys)["used"].mean()

    def data_completeness(self, own: str | None) -> pd.Series:
        from crmroi.metrics import KpiSettings

        parts = []
        for name in KpiSettings().completeness_fields:
            table, _, column = name.partition(".")
            t = self.t[table]
            col = t[column]
            filled = col.notna()
            if col.dtype == object:
                filled &= col.astype(str).str.strip() != ""
            parts.append(
                pd.DataFrame(
                    {
                        "owner_id": t["owner_id"],
                        "ts": t["created_at"],
                        "field": name,
                        "filled": filled.astype(int),
                    }
                )
            )
        df = inrange(pd.concat(parts), "ts")
        keys = by(df, "ts", "owner_id" if own else None)
        rates = df.groupby([*keys, df["field"]])["filled"].mean()
        return rates.groupby(level=list(range(len(keys)))).mean()

    def duplicate_contact_rate(self, own: str | None) -> pd.Series:
        c = self.t["contacts"].sort_values(["created_at", "contact_id"]).copy()
        c["dup"] = (c["email_hash"].notna() & c.duplicated("email_hash")).astype(int)
        c = inrange(c, "created_at")
        return c.groupby(by(c, "created_at", own))["dup"].mean()

    # -- customers -----------------------------------------------------------------------
    def _retention(self, own: str | None) -> pd.DataFrame:
        o = self.orders
        o = o[(o["occurred_at"] >= START - pd.offsets.MonthBegin(1)) & (o["occurred_at"] < END)]
        keys = [month(o["occurred_at"]).rename("m"), o["customer"]]
        if own:
            keys.append(owner(o["owner_id"]).rename("owner"))
        rev = o.groupby(keys)["amount"].sum().rename("rev").reset_index()
        prev = rev[rev["rev"] > 0].copy()
        prev["m"] = prev["m"] + pd.offsets.MonthBegin(1)
        on = ["m", "customer", *(["owner"] if own else [])]
        j = prev.rename(columns={"rev": "prev"}).merge(rev, on=on, how="left")
        j["kept"] = j["rev"].fillna(0.0)
        j["capped"] = np.maximum(np.minimum(j["kept"], j["prev"]), 0.0)
        j["churned"] = (j["kept"] <= 0).astype(int)
        j = j[(j["m"] >= START) & (j["m"] < END)].rename(columns={"m": "period_start"})
        return j.groupby(["period_start", *(["owner"] if own else [])]).agg(
            n=("customer", "count"),
            churned=("churned", "sum"),
            prev=("prev", "sum"),
            kept=("kept", "sum"),
            capped=("capped", "sum"),
        )

    def customer_churn_rate(self, own: str | None) -> pd.Series:
        r = self._retention(own)
        return r["churned"] / r["n"]

    def nrr(self, own: str | None) -> pd.Series:
        r = self._retention(own)
        return r["kept"] / r["prev"]

    def grr(self, own: str | None) -> pd.Series:
        r = self._retention(own)
        return r["capped"] / r["prev"]

    def revenue_churn_rate(self, own: str | None) -> pd.Series:
        return 1 - self.grr(own)

    def avg_revenue_per_account(self, own: str | None) -> pd.Series:
        o = inrange(self.orders, "occurred_at")
        g = o.groupby(by(o, "occurred_at", "owner_id" if own else None))
        return g["amount"].sum() / g["customer"].nunique()

    def ltv_simple(self, own: str | None) -> pd.Series:
        return div(self.avg_revenue_per_account(own), self.customer_churn_rate(own))

    def ltv_to_cac(self, own: str | None) -> pd.Series:
        return div(self.ltv_simple(None), self.cac(None))

    def _survey(self, kind: str) -> pd.DataFrame:
        s = self.surveys
        return inrange(s[s["survey"] == kind], "answered_at")

    def nps(self, own: str | None) -> pd.Series:
        s = self._survey("nps")
        net = np.select([s["score"] >= 9, s["score"] <= 6], [1, -1], 0)
        return (
            100
            * pd.Series(net, index=s.index)
            .groupby(by(s, "answered_at", "owner_id" if own else None))
            .mean()
        )

    def csat(self, own: str | None) -> pd.Series:
        s = self._survey("csat")
        ok = (s["score"] > s["scale_max"].fillna(5.0) - 2).astype(int)
        return ok.groupby(by(s, "answered_at", "owner_id" if own else None)).mean()

    def ces(self, own: str | None) -> pd.Series:
        s = self._survey("ces")
        return s.groupby(by(s, "answered_at", "owner_id" if own else None))["score"].mean()

    def quota_attainment(self, own: str | None) -> pd.Series:
        return pd.Series(dtype=float)  # the synthetic company sets no targets

    def pipeline_coverage(self, own: str | None) -> pd.Series:
        return pd.Series(dtype=float)

    # -- web analytics -------------------------------------------------------------------
    def _web(self) -> pd.DataFrame:
        """Per month: sessions, users, conversions, revenue; traffic rows only for days
        without sessions (totals where a period has one)."""
        s = inrange(self.t["web_sessions"], "started_at")
        rows = pd.DataFrame(
            {
                "at": s["started_at"],
                "sessions": 1,
                "conversions": s["conversions"].fillna(0).astype(float),
                "revenue": s["revenue"].fillna(0.0),
                "user": s["user_pseudo_id"],
                "row_users": 0,
            }
        )
        t = self.t["web_traffic"].copy()
        t["last"] = t["period_end"].fillna(t["period_start"])
        days = s["started_at"].dt.floor("D").drop_duplicates().sort_values().to_numpy()
        first_at_or_after = days.searchsorted(t["period_start"].to_numpy())
        covered = [
            i < len(days) and days[i] <= last
            for i, last in zip(first_at_or_after, t["last"].to_numpy(), strict=True)
        ]
        t = inrange(t[~pd.Series(covered, index=t.index)], "period_start")
        total = t[["channel", "source", "medium", "campaign"]].isna().all(axis=1)
        has_total = total.groupby([t["period_start"], t["last"]]).transform("any")
        t = t[total | ~has_total]
        traffic = pd.DataFrame(
            {
                "at": t["period_start"],
                "sessions": t["sessions"].fillna(0),
                "conversions": t["key_events"].fillna(0.0),
                "revenue": t["revenue"].fillna(0.0),
                "user": None,
                "row_users": t["users"].fillna(0),
            }
        )
        both = pd.concat([f for f in (rows, traffic) if len(f)], ignore_index=True)
        g = both.groupby(by(both, "at", None))
        return pd.DataFrame(
            {
                "sessions": g["sessions"].sum().astype(float),
                "users": g["user"].nunique() + g["row_users"].sum(),
                "conversions": g["conversions"].sum(),
                "revenue": g["revenue"].sum(),
            }
        )

    def web_sessions(self, own: str | None) -> pd.Series:
        return self._web()["sessions"]

    def web_users(self, own: str | None) -> pd.Series:
        return self._web()["users"].astype(float)

    def web_conversions(self, own: str | None) -> pd.Series:
        return self._web()["conversions"]

    def web_conversion_rate(self, own: str | None) -> pd.Series:
        w = self._web()
        return div(w["conversions"], w["sessions"])

    def web_revenue(self, own: str | None) -> pd.Series:
        return self._web()["revenue"]
