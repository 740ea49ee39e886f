"""Benchmark: the full KPI set by month and owner on a large synthetic company.

The engine (``crmroi.metrics.query``: one query for the 35 KPIs that can be sliced by owner, by
month × owner, one for the other 11, by month) against hand-written DuckDB SQL computing the same
numbers (18 queries), in the same run, for the core set (18 KPIs, the six queries of the first
benchmark) and for the full set (all 46 KPIs). Before timing, every value of the engine is checked
against the SQL's (relative tolerance 1e-9). Then both sides run alternately ``--repeat`` times
and the best of each is compared; the first engine run (nothing warm in Python) is printed too.
Last: the peak memory (RSS high-water mark) of the measuring process.

    .venv/bin/python benchmarks/kpis.py [--size large] [--cache /tmp/crmroi_kpis_bench]
                                        [--repeat 3] [--db path/to/workspace.duckdb]

The company is generated once into ``<cache>/<size>/`` as Parquet and loaded once into
``<cache>/<size>.duckdb``; later runs reuse both (``--db`` measures a given workspace instead).
The large company has no targets, so quota attainment and pipeline coverage are empty on both
sides there.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmroi import open_workspace
from crmroi.metrics import REGISTRY, Grain, MetricQuery, query
from crmroi.schema import table as spec

START, END = date(2023, 1, 1), date(2025, 12, 31)
SKIP = {"web_sessions", "campaign_members", "workflow_enrollments", "workflows", "costs"}


def prepare(size: str, cache: Path) -> Path:
    """Generate the company (Parquet) and load it into a DuckDB workspace, once."""
    parquet, db = cache / size, cache / f"{size}.duckdb"
    if not (parquet / "deals.parquet").exists():
        from crmroi.synth import generate, write

        t = time.perf_counter()
        write(generate(size, 0), parquet, "parquet")
        print(f"generated {size} in {time.perf_counter() - t:.1f} s")
    if not db.exists():
        t = time.perf_counter()
        ws = open_workspace(db)
        for file in sorted(parquet.glob("*.parquet")):
            name = file.stem
            if name in SKIP:
                continue
            src = ws.con.read_parquet(file)
            cols = {}
            for c in spec(name).columns:
                cols[c.name] = src[c.name].cast(c.dtype) if c.name in src.columns else None
            import ibis

            expr = src.select(
                **{
                    k: (v if v is not None else ibis.null(spec(name).column(k).dtype))
                    for k, v in cols.items()
                }
            )
            ws.con.insert(name, expr)
        ws.close()
        print(f"loaded into {db} in {time.perf_counter() - t:.1f} s")
    return db


NOW = datetime(2026, 1, 1)
"""'Now' for both sides (the data ends here): neglected deals look back from the period end."""
MONTH = "date_trunc('month', {c})"
RANGE = "{c} >= TIMESTAMP '2023-01-01' AND {c} < TIMESTAMP '2026-01-01'"
OWNER = "coalesce({c}, '(none)') AS owner"
MONTHS = """months AS (
          SELECT m AS period_start, m + INTERVAL 1 MONTH AS period_end
          FROM range(TIMESTAMP '2023-01-01', TIMESTAMP '2026-01-01', INTERVAL 1 MONTH) t(m))"""
GONE = "coalesce(closed_at, CASE WHEN status <> 'open' THEN created_at END)"
HUMAN = "type <> 'login' AND NOT coalesce(automated, false)"
SEATS = """seats AS (
          SELECT period_start, coalesce(user_id, '(none)') AS owner,
            count(DISTINCT user_id) AS seats
          FROM users JOIN months
            ON coalesce(active_from, TIMESTAMP '1900-01-01') < period_end
           AND (active_to IS NULL OR active_to + INTERVAL 1 DAY > period_start)
          GROUP BY ALL)"""
CLOSED = f"""closed AS (
          SELECT {MONTH.format(c="closed_at")} AS period_start, {OWNER.format(c="owner_id")},
            sum(CASE WHEN status = 'won' THEN amount ELSE 0 END) AS won_revenue,
            sum(CASE WHEN status = 'won' THEN 1 ELSE 0 END)::DOUBLE AS won_deals,
            sum(CASE WHEN status = 'lost' THEN 1 ELSE 0 END)::DOUBLE AS lost_deals,
            avg(CASE WHEN status = 'won' THEN 1.0 ELSE 0.0 END) AS win_rate,
            sum(CASE WHEN status = 'won' THEN amount END)
              / nullif(sum(CASE WHEN status = 'won' THEN 1 ELSE 0 END), 0) AS avg_deal_size,
            avg(CASE WHEN status = 'won' THEN (epoch(closed_at) - epoch(created_at)) / 86400 END)
              AS sales_cycle_days,
            quantile_cont(CASE WHEN status = 'won'
              THEN (epoch(closed_at) - epoch(created_at)) / 86400 END, 0.5)
              AS sales_cycle_days_median
          FROM deals
          WHERE status IN ('won', 'lost') AND closed_at IS NOT NULL
            AND {RANGE.format(c="closed_at")}
          GROUP BY ALL)"""
OPEN = f"""open AS (
          SELECT period_start, {OWNER.format(c="owner_id")},
            count(DISTINCT deal_id)::DOUBLE AS open_deals, sum(amount) AS open_pipeline_value
          FROM deals JOIN months
            ON created_at < period_end AND ({GONE} IS NULL OR {GONE} >= period_end)
          GROUP BY ALL)"""
QUOTA = f"""quota AS (
          SELECT {MONTH.format(c="period_start")} AS period_start,
            coalesce(dimension_value, '(none)') AS owner, sum(value) AS quota
          FROM targets
          WHERE kpi = 'won_revenue' AND dimension = 'owner' AND grain = 'month'
            AND {RANGE.format(c="period_start")}
          GROUP BY ALL)"""
CAMPAIGN_COST = f"""cost AS (
          SELECT {MONTH.format(c="started_at")} AS period_start, sum(cost) AS cost
          FROM campaigns WHERE {RANGE.format(c="started_at")} GROUP BY ALL)"""
FIRST_WINS = f"""first_wins AS (
          SELECT {MONTH.format(c="closed_at")} AS period_start, {OWNER.format(c="owner_id")},
            count(*)::DOUBLE AS new_customers
          FROM (
            SELECT *, row_number() OVER (
              PARTITION BY coalesce(account_id, contact_id, deal_id) ORDER BY closed_at, deal_id
            ) AS n
            FROM deals WHERE status = 'won' AND closed_at IS NOT NULL)
          WHERE n = 1 AND {RANGE.format(c="closed_at")}
          GROUP BY ALL)"""
CUSTOMER_REVENUE = """o AS (
          SELECT date_trunc('month', o.occurred_at) AS m,
                 coalesce(o.account_id, o.contact_id) AS cust,
                 coalesce(a.owner_id, '(none)') AS owner, sum(amount) AS rev
          FROM orders o LEFT JOIN accounts a ON o.account_id = a.account_id
          WHERE coalesce(o.account_id, o.contact_id) IS NOT NULL
            AND o.occurred_at >= TIMESTAMP '2022-12-01' AND o.occurred_at < TIMESTAMP '2026-01-01'
          GROUP BY ALL)"""
RETENTION = f"""{CUSTOMER_REVENUE},
        retention AS (
          SELECT period_start, owner,
            avg(CASE WHEN kept <= 0 THEN 1.0 ELSE 0.0 END) AS customer_churn_rate,
            sum(kept) / sum(prev) AS nrr,
            sum(greatest(least(kept, prev), 0)) / sum(prev) AS grr,
            1 - sum(greatest(least(kept, prev), 0)) / sum(prev) AS revenue_churn_rate
          FROM (
            SELECT p.m + INTERVAL 1 MONTH AS period_start, p.owner, p.rev AS prev,
                   coalesce(c.rev, 0) AS kept
            FROM o p LEFT JOIN o c ON c.cust = p.cust AND c.owner = p.owner
                                  AND c.m = p.m + INTERVAL 1 MONTH
            WHERE p.rev > 0)
          WHERE period_start < TIMESTAMP '2026-01-01'
          GROUP BY ALL),
        arpa AS (
          SELECT m AS period_start, owner, sum(rev) / count(*) AS avg_revenue_per_account
          FROM o WHERE m >= TIMESTAMP '2023-01-01' GROUP BY ALL)"""
LTV = """ltv AS (
          SELECT *, avg_revenue_per_account * 1.0 / nullif(customer_churn_rate, 0) AS ltv_simple
          FROM arpa FULL JOIN retention USING (period_start, owner))"""

HAND_SQL: dict[str, tuple[bool, str]] = {
    # name: (by owner, SQL); each column other than period_start and owner is a KPI
    "deals": (
        True,
        f"""WITH {MONTHS}, {CLOSED}, {OPEN}, {QUOTA}
        SELECT period_start, owner, won_revenue, won_deals, lost_deals, win_rate, avg_deal_size,
          sales_cycle_days, sales_cycle_days_median,
          open_deals * avg_deal_size * win_rate / nullif(sales_cycle_days, 0)
            AS pipeline_velocity,
          coalesce(won_revenue, 0) / nullif(quota, 0) AS quota_attainment
        FROM closed FULL JOIN open USING (period_start, owner)
          FULL JOIN quota USING (period_start, owner)""",
    ),
    "open": (True, f"WITH {MONTHS}, {OPEN} SELECT * FROM open"),
    "coverage": (
        True,
        f"""WITH {MONTHS}, {QUOTA}, start AS (
          SELECT period_start, {OWNER.format(c="owner_id")}, sum(amount) AS amount
          FROM deals JOIN months
            ON created_at < period_start AND ({GONE} IS NULL OR {GONE} >= period_start)
          GROUP BY ALL)
        SELECT period_start, owner, coalesce(amount, 0) / nullif(quota, 0) AS pipeline_coverage
        FROM start FULL JOIN quota USING (period_start, owner)""",
    ),
    "weighted_pipeline": (
        True,
        f"""WITH {MONTHS},
        alive AS (
          SELECT deal_id, owner_id, coalesce(pipeline, '') AS pipeline, stage, amount,
            period_start, period_end
          FROM deals JOIN months
            ON created_at < period_end AND ({GONE} IS NULL OR {GONE} >= period_end)),
        stage_then AS (
          SELECT a.deal_id, a.period_start, arg_max(h.stage, h.entered_at) AS stage
          FROM alive a JOIN deal_stage_history h
            ON h.deal_id = a.deal_id AND h.entered_at < a.period_end
          GROUP BY ALL),
        closed AS (
          SELECT deal_id, coalesce(pipeline, '') AS pipeline, stage,
            CASE WHEN status = 'won' THEN 1 ELSE 0 END AS won
          FROM deals WHERE status IN ('won', 'lost')),
        probs AS (
          SELECT c.pipeline, s.stage, sum(won) / count(*) AS p
          FROM closed c JOIN (
            SELECT deal_id, stage FROM deal_stage_history
            UNION SELECT deal_id, stage FROM closed) s ON s.deal_id = c.deal_id
          WHERE s.stage IS NOT NULL
          GROUP BY ALL)
        SELECT a.period_start, {OWNER.format(c="a.owner_id")},
          sum(coalesce(a.amount, 0) * coalesce(p.p, 0)) AS weighted_pipeline_value
        FROM alive a
          LEFT JOIN stage_then t ON t.deal_id = a.deal_id AND t.period_start = a.period_start
          LEFT JOIN probs p ON p.stage = coalesce(t.stage, a.stage) AND p.pipeline = a.pipeline
        GROUP BY ALL""",
    ),
    "leads": (
        True,
        f"""SELECT {MONTH.format(c="c.created_at")} AS period_start,
          {OWNER.format(c="c.owner_id")}, count(*)::DOUBLE AS new_leads,
          avg(CASE WHEN c.converted_at IS NOT NULL OR d.contact_id IS NOT NULL
                   THEN 1.0 ELSE 0.0 END) AS lead_conversion_rate
        FROM contacts c
        LEFT JOIN (SELECT DISTINCT contact_id FROM deals WHERE contact_id IS NOT NULL) d
          ON c.contact_id = d.contact_id
        WHERE {RANGE.format(c="c.created_at")}
        GROUP BY ALL""",
    ),
    "response": (
        True,
        f"""WITH first AS (
          SELECT c.contact_id, c.created_at, c.owner_id, min(a.occurred_at) AS answered_at
          FROM contacts c JOIN activities a
            ON a.contact_id = c.contact_id AND a.occurred_at >= c.created_at
          WHERE {RANGE.format(c="c.created_at")} AND a.type IN ('call', 'email', 'meeting')
            AND NOT coalesce(a.automated, false)
          GROUP BY ALL)
        SELECT {MONTH.format(c="created_at")} AS period_start, {OWNER.format(c="owner_id")},
          quantile_cont((epoch(answered_at) - epoch(created_at)) / 3600, 0.5)
            AS lead_response_time_hours,
          quantile_cont((epoch(answered_at) - epoch(created_at)) / 3600, 0.95)
            AS lead_response_time_hours_p95
        FROM first GROUP BY ALL""",
    ),
    "new_customers": (True, f"WITH {FIRST_WINS} SELECT * FROM first_wins"),
    "stages": (
        True,
        f"""WITH s AS (
          SELECT pipeline, stage, position, coalesce(is_closed, false) AS is_closed,
            coalesce(is_closed, false) AND NOT coalesce(is_won, false) AS is_lost
          FROM stages),
        entries AS (
          SELECT f.deal_id, f.stage, s.pipeline, f.entered_at, s.position, s.is_closed, s.is_lost
          FROM (SELECT deal_id, stage, min(entered_at) AS entered_at
                FROM deal_stage_history GROUP BY ALL) f
          JOIN deals d ON d.deal_id = f.deal_id
          JOIN s ON s.stage = f.stage AND (d.pipeline IS NULL OR d.pipeline = s.pipeline)),
        reach AS (
          SELECT deal_id, max(position) AS reach FROM (
            SELECT d.deal_id, s.position FROM deals d
              JOIN s ON s.stage = d.stage AND (d.pipeline IS NULL OR d.pipeline = s.pipeline)
              WHERE NOT s.is_lost
            UNION ALL SELECT deal_id, position FROM entries WHERE NOT is_lost
            UNION ALL SELECT d.deal_id, t.top + 1 FROM deals d
              JOIN (SELECT pipeline, max(position) AS top FROM s WHERE NOT is_closed
                    GROUP BY ALL) t ON d.pipeline IS NULL OR d.pipeline = t.pipeline
              WHERE d.status = 'won')
          GROUP BY ALL),
        stays AS (
          SELECT e.entered_at, d.owner_id, (r.reach > e.position)::INT AS passed,
            (epoch(coalesce(min(h.entered_at), d.closed_at)) - epoch(e.entered_at)) / 86400
              AS days
          FROM entries e JOIN reach r ON r.deal_id = e.deal_id
            JOIN deals d ON d.deal_id = e.deal_id
            LEFT JOIN deal_stage_history h
              ON h.deal_id = e.deal_id AND h.entered_at > e.entered_at
          WHERE NOT e.is_closed AND {RANGE.format(c="e.entered_at")}
          GROUP BY e.deal_id, e.stage, e.pipeline, e.entered_at, e.position, d.owner_id,
            d.closed_at, r.reach)
        SELECT {MONTH.format(c="entered_at")} AS period_start, {OWNER.format(c="owner_id")},
          avg(passed) AS stage_conversion_rate, avg(days) AS time_in_stage_days
        FROM stays GROUP BY ALL""",
    ),
    "adoption": (
        True,
        f"""WITH {MONTHS}, {SEATS},
        acts AS (
          SELECT {MONTH.format(c="occurred_at")} AS period_start, {OWNER.format(c="user_id")},
            count(*) AS acts
          FROM activities WHERE {HUMAN} AND {RANGE.format(c="occurred_at")} GROUP BY ALL),
        recs AS (
          SELECT {MONTH.format(c="ts")} AS period_start, owner, count(*) AS recs FROM (
            SELECT owner_id AS owner, created_at AS ts FROM contacts
            UNION ALL SELECT owner_id, created_at FROM deals
            UNION ALL SELECT user_id, occurred_at FROM activities WHERE {HUMAN})
          WHERE owner IS NOT NULL AND {RANGE.format(c="ts")} GROUP BY ALL)
        SELECT period_start, owner,
          coalesce(acts, 0) / nullif(seats, 0) AS activities_per_rep,
          coalesce(recs, 0) / nullif(seats, 0) AS records_updated_per_user
        FROM acts FULL JOIN recs USING (period_start, owner)
          FULL JOIN seats USING (period_start, owner)""",
    ),
    "crm_adoption": (
        True,
        """WITH days AS (
          SELECT d AS day FROM range(TIMESTAMP '2023-01-01', TIMESTAMP '2026-01-01',
                                     INTERVAL 1 DAY) t(d)
          WHERE isodow(d) <= 5),
        used AS (
          SELECT DISTINCT user_id, date_trunc('day', occurred_at) AS day FROM activities
          WHERE user_id IS NOT NULL
            AND (type = 'login' OR (type <> 'login' AND NOT coalesce(automated, false)))
            AND occurred_at >= TIMESTAMP '2023-01-01' AND occurred_at < TIMESTAMP '2026-01-01')
        SELECT date_trunc('month', days.day) AS period_start, u.user_id AS owner,
          avg(CASE WHEN used.user_id IS NULL THEN 0.0 ELSE 1.0 END) AS crm_adoption_rate
        FROM users u JOIN days
          ON coalesce(u.active_from, TIMESTAMP '1900-01-01') < days.day + INTERVAL 1 DAY
         AND (u.active_to IS NULL OR u.active_to + INTERVAL 1 DAY > days.day)
        LEFT JOIN used ON used.user_id = u.user_id AND used.day = days.day
        GROUP BY ALL""",
    ),
    "neglected": (
        True,
        f"""WITH {MONTHS}, m AS (
          SELECT period_start,
            least(period_end, TIMESTAMP '{NOW:%Y-%m-%d %H:%M:%S}') AS moment FROM months)
        SELECT m.period_start, {OWNER.format(c="d.owner_id")},
          count(DISTINCT d.deal_id)::DOUBLE AS neglected_deals
        FROM deals d JOIN m
          ON d.created_at <= m.moment - INTERVAL 14 DAY
         AND ({GONE} IS NULL OR {GONE} >= m.moment)
        WHERE NOT EXISTS (
          SELECT 1 FROM activities a
          WHERE a.deal_id = d.deal_id AND a.type <> 'login'
            AND a.occurred_at >= m.moment - INTERVAL 14 DAY AND a.occurred_at < m.moment)
        GROUP BY ALL""",
    ),
    "completeness": (
        True,
        f"""WITH rates AS (
          SELECT {MONTH.format(c="created_at")} AS period_start, {OWNER.format(c="owner_id")},
            [avg((email_hash IS NOT NULL AND trim(email_hash) <> '')::INT),
             avg((account_id IS NOT NULL AND trim(account_id) <> '')::INT),
             avg((source IS NOT NULL AND trim(source) <> '')::INT),
             avg((owner_id IS NOT NULL AND trim(owner_id) <> '')::INT)] AS r
          FROM contacts WHERE {RANGE.format(c="created_at")} GROUP BY ALL
          UNION ALL
          SELECT {MONTH.format(c="created_at")}, {OWNER.format(c="owner_id")},
            [avg((amount IS NOT NULL)::INT),
             avg((account_id IS NOT NULL AND trim(account_id) <> '')::INT),
             avg((owner_id IS NOT NULL AND trim(owner_id) <> '')::INT),
             avg((source IS NOT NULL AND trim(source) <> '')::INT)]
          FROM deals WHERE {RANGE.format(c="created_at")} GROUP BY ALL
          UNION ALL
          SELECT {MONTH.format(c="created_at")}, {OWNER.format(c="owner_id")},
            [avg((industry IS NOT NULL AND trim(industry) <> '')::INT),
             avg((segment IS NOT NULL AND trim(segment) <> '')::INT),
             avg((region IS NOT NULL AND trim(region) <> '')::INT),
             avg((owner_id IS NOT NULL AND trim(owner_id) <> '')::INT)]
          FROM accounts WHERE {RANGE.format(c="created_at")} GROUP BY ALL)
        SELECT period_start, owner, avg(x) AS data_completeness
        FROM rates, unnest(r) AS t(x) GROUP BY ALL""",
    ),
    "duplicates": (
        True,
        f"""SELECT {MONTH.format(c="created_at")} AS period_start, {OWNER.format(c="owner_id")},
          avg(CASE WHEN email_hash IS NOT NULL AND n > 1 THEN 1.0 ELSE 0.0 END)
            AS duplicate_contact_rate
        FROM (SELECT *, row_number() OVER (
                PARTITION BY email_hash ORDER BY created_at, contact_id) AS n FROM contacts)
        WHERE {RANGE.format(c="created_at")}
        GROUP BY ALL""",
    ),
    "surveys": (
        True,
        f"""SELECT {MONTH.format(c="s.answered_at")} AS period_start,
          {OWNER.format(c="a.owner_id")},
          100.0 * avg(CASE WHEN score >= 9 THEN 1 WHEN score <= 6 THEN -1 ELSE 0 END)
            FILTER (WHERE survey = 'nps') AS nps,
          avg(CASE WHEN score > coalesce(scale_max, 5.0) - 2 THEN 1.0 ELSE 0.0 END)
            FILTER (WHERE survey = 'csat') AS csat,
          avg(score) FILTER (WHERE survey = 'ces') AS ces
        FROM survey_responses s LEFT JOIN accounts a ON s.account_id = a.account_id
        WHERE score IS NOT NULL AND {RANGE.format(c="s.answered_at")}
        GROUP BY ALL""",
    ),
    "retention": (
        True,
        f"WITH {RETENTION}, {LTV} SELECT * FROM ltv",
    ),
    # by month only: these KPIs cannot be sliced by owner
    "marketing": (
        False,
        f"""WITH {MONTHS}, {CAMPAIGN_COST}, {FIRST_WINS},
        leads AS (
          SELECT {MONTH.format(c="created_at")} AS period_start, count(*) AS leads
          FROM contacts WHERE {RANGE.format(c="created_at")} GROUP BY ALL),
        won AS (SELECT period_start, sum(new_customers) AS customers
                FROM first_wins GROUP BY ALL),
        {RETENTION.replace("a.owner_id, '(none)'", "'(all)'")},
        {LTV}
        SELECT period_start, coalesce(cost, 0) AS campaign_cost,
          cost / nullif(leads, 0) AS cost_per_lead, cost / nullif(customers, 0) AS cac,
          ltv_simple / nullif(cost / nullif(customers, 0), 0) AS ltv_to_cac
        FROM months LEFT JOIN cost USING (period_start) LEFT JOIN leads USING (period_start)
          LEFT JOIN won USING (period_start) LEFT JOIN ltv USING (period_start)""",
    ),
    "email": (
        False,
        f"""WITH messages AS (
          SELECT min(occurred_at) FILTER (WHERE interaction = 'delivered') AS sent_at,
            bool_or(interaction = 'open') AS opened, bool_or(interaction = 'click') AS clicked
          FROM touchpoints
          WHERE contact_id IS NOT NULL AND interaction IN ('delivered', 'open', 'click')
          GROUP BY contact_id, coalesce(campaign_id, workflow_id, ''))
        SELECT {MONTH.format(c="sent_at")} AS period_start,
          avg(opened::INT) AS email_open_rate, avg(clicked::INT) AS email_click_rate
        FROM messages WHERE {RANGE.format(c="sent_at")} GROUP BY ALL""",
    ),
    "web": (
        False,
        f"""WITH session_days AS (
          SELECT DISTINCT date_trunc('day', started_at) AS day FROM web_sessions),
        traffic AS (  -- aggregate rows count only on days without session rows
          SELECT *, (channel IS NULL AND source IS NULL AND medium IS NULL
                     AND campaign IS NULL) AS total
          FROM web_traffic t
          WHERE NOT EXISTS (
            SELECT 1 FROM session_days s
            WHERE s.day >= t.period_start AND s.day <= coalesce(t.period_end, t.period_start))),
        traffic_used AS (  -- a period's total row, else its breakdown rows
          SELECT *, sum(total::INT) OVER (
            PARTITION BY period_start, coalesce(period_end, period_start)) AS totals
          FROM traffic),
        web AS (
          SELECT started_at, 1 AS sessions, coalesce(conversions, 0)::DOUBLE AS conv,
            coalesce(revenue, 0.0) AS rev, user_pseudo_id AS visitor, 0 AS row_users
          FROM web_sessions
          UNION ALL
          SELECT period_start, coalesce(sessions, 0), coalesce(key_events, 0.0),
            coalesce(revenue, 0.0), NULL, coalesce(users, 0)
          FROM traffic_used WHERE total OR totals = 0)
        SELECT {MONTH.format(c="started_at")} AS period_start,
          sum(sessions)::DOUBLE AS web_sessions,
          (count(DISTINCT visitor) + sum(row_users))::DOUBLE AS web_users,
          sum(conv) AS web_conversions, sum(conv) / nullif(sum(sessions), 0)
            AS web_conversion_rate,
          sum(rev) AS web_revenue
        FROM web WHERE {RANGE.format(c="started_at")} GROUP BY ALL""",
    ),
}
# The core set as the first benchmark measured it: six queries, 18 KPIs (kept unchanged, so that
# the figures before and after stay comparable).
CORE_SQL = {
    "deals": f"""
        SELECT {MONTH.format(c="closed_at")} AS period_start, coalesce(owner_id, '(none)') AS owner,
          sum(CASE WHEN status = 'won' THEN amount ELSE 0 END) AS won_revenue,
          sum(CASE WHEN status = 'won' THEN 1 ELSE 0 END)::DOUBLE AS won_deals,
          sum(CASE WHEN status = 'lost' THEN 1 ELSE 0 END)::DOUBLE AS lost_deals,
          avg(CASE WHEN status = 'won' THEN 1.0 ELSE 0.0 END) AS win_rate,
          sum(CASE WHEN status = 'won' THEN amount END)
            / nullif(sum(CASE WHEN status = 'won' THEN 1 ELSE 0 END), 0) AS avg_deal_size,
          avg(CASE WHEN status = 'won' THEN (epoch(closed_at) - epoch(created_at)) / 86400 END)
            AS sales_cycle_days,
          quantile_cont(CASE WHEN status = 'won'
            THEN (epoch(closed_at) - epoch(created_at)) / 86400 END, 0.5) AS sales_cycle_days_median
        FROM deals
        WHERE status IN ('won', 'lost') AND closed_at IS NOT NULL AND {RANGE.format(c="closed_at")}
        GROUP BY ALL""",
    "leads": f"""
        SELECT {MONTH.format(c="c.created_at")} AS period_start,
          coalesce(c.owner_id, '(none)') AS owner, count(*)::DOUBLE AS new_leads,
          avg(CASE WHEN c.converted_at IS NOT NULL OR d.contact_id IS NOT NULL
                   THEN 1.0 ELSE 0.0 END) AS lead_conversion_rate
        FROM contacts c
        LEFT JOIN (SELECT DISTINCT contact_id FROM deals WHERE contact_id IS NOT NULL) d
          ON c.contact_id = d.contact_id
        WHERE {RANGE.format(c="c.created_at")}
        GROUP BY ALL""",
    "pipeline": """
        WITH months AS (
          SELECT m AS period_start, m + INTERVAL 1 MONTH AS period_end
          FROM range(TIMESTAMP '2023-01-01', TIMESTAMP '2026-01-01', INTERVAL 1 MONTH) t(m)),
        d AS (SELECT *, coalesce(closed_at, CASE WHEN status <> 'open' THEN created_at END) AS gone
              FROM deals)
        SELECT period_start, coalesce(owner_id, '(none)') AS owner,
          count(DISTINCT deal_id)::DOUBLE AS open_deals, sum(amount) AS open_pipeline_value
        FROM d JOIN months ON d.created_at < period_end AND (gone IS NULL OR gone >= period_end)
        GROUP BY ALL""",
    "surveys": f"""
        SELECT {MONTH.format(c="s.answered_at")} AS period_start,
          coalesce(a.owner_id, '(none)') AS owner, s.survey,
          100.0 * avg(CASE WHEN score >= 9 THEN 1 WHEN score <= 6 THEN -1 ELSE 0 END) AS nps,
          avg(CASE WHEN score > coalesce(scale_max, 5.0) - 2 THEN 1.0 ELSE 0.0 END) AS csat,
          avg(score) AS ces
        FROM survey_responses s LEFT JOIN accounts a ON s.account_id = a.account_id
        WHERE score IS NOT NULL AND {RANGE.format(c="s.answered_at")}
        GROUP BY ALL""",
    "revenue": f"""
        SELECT {MONTH.format(c="o.occurred_at")} AS period_start,
          coalesce(a.owner_id, '(none)') AS owner,
          sum(amount) / count(DISTINCT coalesce(o.account_id, o.contact_id))
            AS avg_revenue_per_account
        FROM orders o LEFT JOIN accounts a ON o.account_id = a.account_id
        WHERE coalesce(o.account_id, o.contact_id) IS NOT NULL AND {RANGE.format(c="o.occurred_at")}
        GROUP BY ALL""",
    "retention": """
        WITH o AS (
          SELECT date_trunc('month', o.occurred_at) AS m,
                 coalesce(o.account_id, o.contact_id) AS cust,
                 coalesce(a.owner_id, '(none)') AS owner, sum(amount) AS rev
          FROM orders o LEFT JOIN accounts a ON o.account_id = a.account_id
          WHERE coalesce(o.account_id, o.contact_id) IS NOT NULL
            AND o.occurred_at >= TIMESTAMP '2022-12-01' AND o.occurred_at < TIMESTAMP '2026-01-01'
          GROUP BY ALL),
        j AS (
          SELECT p.m + INTERVAL 1 MONTH AS period_start, p.owner, p.rev AS prev,
                 coalesce(c.rev, 0) AS kept
          FROM o p LEFT JOIN o c ON c.cust = p.cust AND c.owner = p.owner
                                AND c.m = p.m + INTERVAL 1 MONTH
          WHERE p.rev > 0)
        SELECT period_start, owner,
          avg(CASE WHEN kept <= 0 THEN 1.0 ELSE 0.0 END) AS customer_churn_rate,
          sum(kept) / sum(prev) AS nrr,
          sum(greatest(least(kept, prev), 0)) / sum(prev) AS grr
        FROM j WHERE period_start < TIMESTAMP '2026-01-01' GROUP BY ALL""",
}
CORE_COLUMNS = {
    "deals": (
        "won_revenue",
        "won_deals",
        "lost_deals",
        "win_rate",
        "avg_deal_size",
        "sales_cycle_days",
        "sales_cycle_days_median",
    ),
    "leads": ("new_leads", "lead_conversion_rate"),
    "pipeline": ("open_deals", "open_pipeline_value"),
    "surveys": ("nps", "csat", "ces"),
    "revenue": ("avg_revenue_per_account",),
    "retention": ("customer_churn_rate", "nrr", "grr"),
}
CORE = tuple(k for ks in CORE_COLUMNS.values() for k in ks)


def _long(name: str, df: pd.DataFrame, full: bool) -> pd.DataFrame:
    """A result of the hand-written SQL in long form: kpi, period_start, [owner], value."""
    if not full:  # the core queries: their KPI columns (surveys: one per survey)
        keys = ["period_start", "owner"]
        if name == "surveys":
            parts = [df[df["survey"] == k][[*keys, k]] for k in ("nps", "csat", "ces")]
            frames = [p.melt(id_vars=keys, var_name="kpi", value_name="value") for p in parts]
            return pd.concat(frames)
        return df.melt(id_vars=keys, value_vars=list(CORE_COLUMNS[name]), var_name="kpi")
    keys = ["period_start", "owner"] if HAND_SQL[name][0] else ["period_start"]
    return df.melt(id_vars=keys, var_name="kpi", value_name="value")


def hand(con: Any, full: bool) -> tuple[float, pd.DataFrame]:
    """Run the hand-written SQL (the full set, or the core set); its time and its values."""
    queries = {k: v[1] for k, v in HAND_SQL.items()} if full else CORE_SQL
    t = time.perf_counter()
    frames = {name: con.sql(sql).df() for name, sql in queries.items()}
    elapsed = time.perf_counter() - t
    rows = [_long(name, df, full) for name, df in frames.items()]
    return elapsed, pd.concat(rows, ignore_index=True).dropna(subset=["value"])


OWNER_KPIS = tuple(m.id for m in REGISTRY if "owner" in m.dimensions)
MONTH_KPIS = tuple(m.id for m in REGISTRY if "owner" not in m.dimensions)


def engine(ws: Any, full: bool) -> tuple[float, pd.DataFrame]:
    """The engine: one query per slicing (by month × owner, and by month for the rest)."""
    slicings = [(OWNER_KPIS, ("owner",)), (MONTH_KPIS, ())] if full else [(CORE, ("owner",))]
    queries = [
        MetricQuery(kpis=kpis, grain=Grain.month, dimensions=dims, start=START, end=END)
        for kpis, dims in slicings
    ]
    t = time.perf_counter()
    frames = [query(ws, q, now=NOW) for q in queries]
    return time.perf_counter() - t, pd.concat(frames, ignore_index=True)


def compare(got: pd.DataFrame, ref: pd.DataFrame) -> tuple[int, int, list[str]]:
    """Values equal (rel. 1e-9; empty equals missing), values compared, KPIs that differ."""
    got = got.assign(period_start=pd.to_datetime(got["period_start"]))
    ref = ref.assign(period_start=pd.to_datetime(ref["period_start"]))
    got["owner"] = got["owner"].fillna("") if "owner" in got else ""
    ref["owner"] = ref["owner"].fillna("") if "owner" in ref else ""
    keys = ["kpi", "period_start", "owner"]
    merged = got[[*keys, "value"]].merge(
        ref[[*keys, "value"]], on=keys, how="outer", suffixes=("", "_sql")
    )
    a, b = merged["value"].astype(float), merged["value_sql"].astype(float)
    same = np.isclose(a, b, rtol=1e-9, equal_nan=True)
    return int(same.sum()), len(merged), sorted(set(merged.loc[~same, "kpi"]))


def measure(db: Path, repeat: int) -> None:
    ws = open_workspace(db)
    con = ws.con.con
    counts = {n: ws.count(n) for n in ("contacts", "deals", "activities", "orders", "touchpoints")}
    print("rows:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    covered = {c for _, sql in HAND_SQL.values() for c in con.sql(sql).columns}
    missing = set(REGISTRY.ids()) - covered
    assert not missing, f"no hand-written SQL for {sorted(missing)}"
    for full, label in ((False, "core set"), (True, "full set")):
        n_kpis = len(REGISTRY) if full else len(CORE)
        t_first, got = engine(ws, full)  # the first query of a set: nothing warm in Python
        _, ref = hand(con, full)
        equal, total, differ = compare(got, ref)
        assert not differ, f"{label}: the engine and the SQL differ on {differ}"
        t_sql, t_eng = [], []
        for _ in range(repeat):  # alternate, so that both sides see the same machine load
            t_sql.append(hand(con, full)[0])
            t_eng.append(engine(ws, full)[0])
        print(
            f"{label} ({n_kpis} KPIs by month × owner where sliceable, else by month): "
            f"engine {min(t_eng):.2f} s (first run {t_first:.2f} s), hand-written SQL "
            f"{min(t_sql):.2f} s, ratio {min(t_eng) / min(t_sql):.2f}× (best of {repeat}); "
            f"{equal:,} of {total:,} values equal; engine rows {len(got):,}"
        )
        paired = float(np.median([e / h for e, h in zip(t_eng, t_sql, strict=True)]))
        print(f"  each run, SQL: {fmt(t_sql)}; engine: {fmt(t_eng)}")
        print(f"  median ratio of the paired runs (robust to load swings): {paired:.2f}×")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS high-water mark) of the measuring process: {peak:,.0f} MB")
    ws.close()


def fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="large")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/crmroi_kpis_bench"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path, help="measure this workspace (no generation)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.repeat)
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    db = args.db or prepare(args.size, args.cache)
    # measure in a fresh process, so that its peak memory is the queries' alone
    cmd = [sys.executable, __file__, "--measure", str(db), "--repeat", str(args.repeat)]
    subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
