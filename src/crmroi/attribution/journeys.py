"""Build journeys from the workspace: every touch before every conversion opportunity.

Touches are the union of ``touchpoints``, ``workflow_enrollments`` (channel ``crm_workflow``;
holdout members were not touched and are skipped) and GA4 ``web_sessions`` linked to a contact
(channel from the session's channel group, else ``source/medium``; its ``campaign`` name
resolves to ``campaigns.campaign_id``). A touch without an account inherits its contact's.

Journeys, for ``conversions="deals"``: one per deal, converting when won; lost and open deals and
leads without any deal are the non-converting journeys. B2B deals are account-level: every touch
on any contact of the deal's account counts; a deal without an account uses its contact. A
journey ends at its close (won or lost) or, when open, at the end of the data; touches after the
end or more than ``lookback_days`` before it are dropped. For ``conversions="orders"`` one journey
per order with a positive amount, plus one non-converting journey per contact without orders.

The engine does all joins and filters in one pass over the touches (each looks up its journeys
by two keys in one hash join, see :func:`_match`) and returns compact columns (journey index,
time, the raw key columns, days before the end, milestone flags), unordered, with the converted
journeys' touches older than the window, which tell the window's loss without a second pass
(:func:`journeys_and_loss`). Arrow dictionary-encodes the keys (channels, campaigns or
workflows), the engine normalises only the distinct channel names, and NumPy orders the
touches, so no path string is ever built and nothing is sorted by string per touch. At campaign
level a key is a (channel, campaign) pair and at workflow level a (channel, campaign, workflow)
triple, with ``Journeys.parents`` linking each to its channel and campaign (``hierarchy.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from crmroi.attribution.hierarchy import NO_KEY, chain, tree
from crmroi.attribution.paths import Journeys, direct_codes
from crmroi.errors import AnalysisError
from crmroi.metrics.currency import require_one_currency

if TYPE_CHECKING:
    from crmroi.workspace import Workspace

LEVELS = ("channel", "campaign", "workflow")
CONVERSIONS = ("deals", "orders")
WORKFLOW_CHANNEL = "crm_workflow"
PATH_COLUMNS = {
    "channel": ("channel",),
    "campaign": ("channel", "campaign"),
    "workflow": ("channel", "campaign", "workflow"),
}
"""The columns naming a key at each level, the channel first."""
_DAY = 86_400.0


def touches(ws: Workspace) -> ir.Table:
    """All touches: contact_id, account_id, occurred_at, channel, campaign_id, workflow_id.

    ``account_id`` is the touch's own (only touchpoints have one): :func:`_match` finds the
    account of a touch without one through its contact, on the journeys' side, so the touches
    (10.5M on the large company) are never joined to the contacts.
    """
    tp = ws.table("touchpoints")
    campaigns = ws.table("campaigns")
    tp = tp.left_join(
        campaigns.select(k_id=campaigns.campaign_id, k_channel=campaigns.channel),
        tp.campaign_id == campaigns.campaign_id,
    )
    from_tp = tp.select(
        contact_id=tp.contact_id,
        account_id=tp.account_id,
        occurred_at=tp.occurred_at,
        channel=ibis.coalesce(tp.channel, tp.k_channel, ibis.literal("(unknown)")),
        campaign_id=tp.campaign_id,
        workflow_id=tp.workflow_id,
    )
    we = ws.table("workflow_enrollments")
    from_wf = we.filter(ibis.coalesce(we.holdout, False) == False).select(  # noqa: E712
        contact_id=we.contact_id,
        account_id=ibis.null("string"),
        occurred_at=we.enrolled_at,
        channel=ibis.literal(WORKFLOW_CHANNEL),
        campaign_id=ibis.null("string"),
        workflow_id=we.workflow_id,
    )
    ses = ws.table("web_sessions").filter(lambda t: t.contact_id.notnull())
    names = campaigns.select(n_id=campaigns.campaign_id, n_name=campaigns.name)
    ses = ses.left_join(names, ses.campaign == names.n_name)
    source_medium = ibis.coalesce(ses.source, ibis.literal("(none)")).concat(
        "/", ibis.coalesce(ses.medium, ibis.literal("(none)"))
    )
    from_web = ses.select(
        contact_id=ses.contact_id,
        account_id=ibis.null("string"),
        occurred_at=ses.started_at,
        channel=ibis.coalesce(ses.channel, source_medium),
        campaign_id=ses.n_id,
        workflow_id=ibis.null("string"),
    )
    return ibis.union(from_tp, from_wf, from_web, distinct=False)


def _data_end(ws: Workspace) -> object:
    """The latest timestamp in deals, touches, sessions and orders: where open journeys end."""
    columns = [
        ("deals", "closed_at"),
        ("deals", "created_at"),
        ("touchpoints", "occurred_at"),
        ("web_sessions", "started_at"),
        ("workflow_enrollments", "enrolled_at"),
        ("orders", "occurred_at"),
    ]
    found = [ws.table(name)[column].max().execute() for name, column in columns]
    found = [value for value in found if value is not None and value == value]
    return max(found) if found else None


def conversion_journeys(ws: Workspace, conversions: str, end: ir.TimestampValue) -> ir.Table:
    """One row per journey: journey_id, account_id, contact_id, converted, amount, milestones."""
    contacts = ws.table("contacts")
    ts = ws.table("deals").created_at.type()
    end = end.cast(ts)
    if conversions == "deals":
        d = ws.table("deals")
        require_one_currency(d, what="deals")
        lead = contacts.select(l_contact=contacts.contact_id, lead_at=contacts.created_at)
        d = d.left_join(lead, d.contact_id == lead.l_contact)
        closed = d.status.isin(["won", "lost"]) & d.closed_at.notnull()
        rows = d.select(
            journey_id=d.deal_id,
            account_id=d.account_id,
            contact_id=d.contact_id,
            converted=d.status == "won",
            amount=ibis.coalesce(d.amount, 0.0),
            end_at=ibis.ifelse(closed, d.closed_at.cast(ts), end),
            lead_at=d.lead_at.cast(ts),
            opp_at=d.created_at.cast(ts),
        )
        has_deal = ws.table("deals").select(x=ws.table("deals").contact_id)
        by_account = ws.table("deals").select(y=ws.table("deals").account_id)
    else:
        o = ws.table("orders")
        require_one_currency(o, what="orders")
        o = o.filter(
            (o.amount > 0) & ibis.coalesce(o.kind, "order").isin(["order", "subscription"])
        )
        rows = o.select(
            journey_id=o.order_id,
            account_id=o.account_id,
            contact_id=o.contact_id,
            converted=ibis.literal(True),
            amount=o.amount,
            end_at=o.occurred_at.cast(ts),
            lead_at=ibis.null(ts),
            opp_at=ibis.null(ts),
        )
        has_deal = ws.table("orders").select(x=ws.table("orders").contact_id)
        by_account = ws.table("orders").select(y=ws.table("orders").account_id)
    # NOT IN over a column holding NULL is never true: drop the NULLs first
    leads = contacts.filter(~contacts.contact_id.isin(has_deal.filter(has_deal.x.notnull()).x))
    leads = leads.filter(
        leads.account_id.isnull()
        | ~leads.account_id.isin(by_account.filter(by_account.y.notnull()).y)
    )
    lead_rows = leads.select(
        journey_id=ibis.literal("lead:").concat(leads.contact_id),
        account_id=ibis.null("string"),
        contact_id=leads.contact_id,
        converted=ibis.literal(False),
        amount=ibis.literal(0.0),
        end_at=end,
        lead_at=leads.created_at.cast(ts),
        opp_at=ibis.null(ts),
    )
    return ibis.union(rows, lead_rows, distinct=False)


def build_journeys(
    ws: Workspace,
    *,
    level: str = "channel",
    conversions: str = "deals",
    lookback_days: int = 90,
) -> Journeys:
    """Reduce the workspace to compact journey arrays for the attribution models."""
    return _build(ws, level, conversions, lookback_days, loss=False)[0]


def journeys_and_loss(
    ws: Workspace,
    *,
    level: str = "channel",
    conversions: str = "deals",
    lookback_days: int = 90,
) -> tuple[Journeys, WindowLoss]:
    """The journeys of :func:`build_journeys` and what their lookback window cost, in one pass.

    A converted journey is lost to the window when it has touches up to its end but every one
    of them lies more than ``lookback_days`` before it. Its path is then empty; whether it had
    older touches comes back with the same query (the converted journeys' older touches ride
    along and are dropped here), instead of a second pass over every touch.
    """
    journeys, older = _build(ws, level, conversions, lookback_days, loss=True)
    converted = journeys.conversions > 0
    had_older = np.zeros(journeys.n_journeys, dtype=bool)
    had_older[older] = True
    dropped = converted & had_older & (journeys.offsets[1:] == journeys.offsets[:-1])
    return journeys, WindowLoss(
        conversions=int(converted.sum()),
        dropped=int(dropped.sum()),
        dropped_revenue=float(journeys.value[dropped].sum()),
        lookback_days=lookback_days,
    )


def _build(
    ws: Workspace, level: str, conversions: str, lookback_days: int, *, loss: bool
) -> tuple[Journeys, NDArray[np.int64]]:
    """The journeys, and the journey of every touch the window left out of a converted one.

    With ``loss`` the converted journeys' touches up to their end but more than
    ``lookback_days`` before it come back too; their journey indices are returned, the touches
    dropped. Without it the engine filters them out.
    """
    if level not in LEVELS:
        raise AnalysisError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    if conversions not in CONVERSIONS:
        raise AnalysisError(f"conversions must be deals or orders, not {conversions!r}")
    if lookback_days <= 0:
        raise AnalysisError("lookback_days must be a positive number of days")
    end = _data_end(ws)
    if end is None:
        raise AnalysisError("the workspace holds no deals or touches to attribute")
    end_lit = ibis.literal(end).cast("timestamp")
    journeys = conversion_journeys(ws, conversions, end_lit)
    journeys = journeys.mutate(jidx=ibis.row_number().over(order_by=journeys.journey_id))
    meta = journeys.select("jidx", "journey_id", "converted", "amount").order_by("jidx")
    meta_df = meta.to_pyarrow()
    t = touches(ws)
    columns = PATH_COLUMNS[level]
    t = t.mutate(**{f"k_{c}": _raw_key(t, c) for c in columns})
    matched = _match(ws, journeys, t, columns)
    seconds = matched.end_at.epoch_seconds() - matched.occurred_at.epoch_seconds()
    matched = matched.mutate(days=seconds.cast("float64") / _DAY)
    inside = matched.days <= lookback_days
    matched = matched.filter(
        (matched.days >= 0) & ((inside | matched.converted) if loss else inside)
    )
    rows = matched.select(
        "jidx",
        "occurred_at",
        *(f"k_{c}" for c in columns),
        "days",
        before_lead=ibis.coalesce(matched.occurred_at <= matched.lead_at, False),
        before_opp=ibis.coalesce(matched.occurred_at <= matched.opp_at, False),
    ).to_pyarrow()
    older = np.zeros(0, dtype=np.int64)
    if loss:
        days = np.asarray(rows.column("days").to_numpy(zero_copy_only=False))
        kept = days <= lookback_days
        older = np.asarray(rows.column("jidx").to_numpy(zero_copy_only=False))[~kept]
        rows = rows.filter(pa.array(kept))
    codes, paths, names = _encode(ws, rows, columns)
    return _assemble(meta_df, rows, codes, paths, names), older


def channel_journeys(journeys: Journeys) -> Journeys:
    """The channel-level journeys of campaign- or workflow-level ones, without the engine.

    Every key's channel is its top ancestor, and the touches keep their order: ties in time
    are ordered by key code, and codes sort by channel first, so they read as
    :func:`build_journeys` at channel level would return them (the same arrays). ROI per
    campaign builds campaign-level journeys; the report's channel comparison reuses them.
    """
    parents = journeys.parents
    if parents is None:
        return journeys
    top = parents
    while top.above is not None:
        top = top.above
    channel = chain(parents, journeys.n_keys)[0]
    return replace(
        journeys,
        keys=top.keys,
        names=top.names,
        codes=channel[journeys.codes].astype(np.int32),
        direct=direct_codes(top.names),
        parents=None,
    )


@dataclass(frozen=True)
class WindowLoss:
    """Conversions the lookback window leaves without any touch (they count as baseline)."""

    conversions: int
    """Converted journeys in total."""
    dropped: int
    """Of them, those whose touches all lie more than ``lookback_days`` before the end."""
    dropped_revenue: float
    lookback_days: int

    @property
    def share(self) -> float:
        """Dropped share of the conversions (0 when there are none)."""
        return self.dropped / self.conversions if self.conversions else 0.0

    def note(
        self,
        setting: str = (
            "`crmroi attribution --lookback-days N` or `[roi] attribution_lookback_days` "
            "in crmroi.toml"
        ),
    ) -> str | None:
        """One sentence for the user, or None when the window dropped nothing."""
        if not self.dropped:
            return None
        return (
            f"lookback window: {self.dropped:,} of {self.conversions:,} conversions "
            f"({self.share:.1%}, revenue {self.dropped_revenue:,.0f}) had touches, but none in "
            f"the {self.lookback_days} days before converting, and count as (baseline); "
            f"{setting} changes the window"
        )


def _raw_key(t: ir.Table, column: str) -> ir.StringValue:
    """A touch's key as stored: the channel is normalised later, once per distinct value."""
    if column == "channel":
        return t.channel
    return ibis.coalesce(t[f"{column}_id"], ibis.literal(NO_KEY))


def _channel_key(channel: ir.StringValue) -> ir.StringValue:
    # "Paid Search" (GA4 channel group) and "paid_search" (CRM) are one channel
    return channel.strip().lower().re_replace(r"[\s\-]+", "_")


_BY_ACCOUNT, _BY_ACCOUNT_CONTACT, _BY_CONTACT = 0, 1, 2
"""How a journey is looked up: by its account (touches that carry one), by each contact of its
account (touches without one), or by its own contact (a journey without an account)."""


def _match(ws: Workspace, journeys: ir.Table, t: ir.Table, columns: tuple[str, ...]) -> ir.Table:
    """Touches of each journey: by account where the journey has one, else by contact.

    A touch's account is its own, else its contact's. The engine reads the touches once: each
    looks up two keys in one hash join, (its account, or its contact for the journeys of the
    contact's account) and (its contact, for the journeys without an account). Joining every
    touch to the contacts, then the touches again per kind of journey, cost twice as much.
    """
    cols = ["jidx", "end_at", "lead_at", "opp_at", "converted"]
    by_account = journeys.filter(journeys.account_id.notnull())
    contacts = ws.table("contacts")
    people = contacts.filter(contacts.account_id.notnull()).select(
        p_contact=contacts.contact_id, p_account=contacts.account_id
    )
    via = by_account.inner_join(people, by_account.account_id == people.p_account)
    by_contact = journeys.filter(journeys.account_id.isnull() & journeys.contact_id.notnull())

    def keyed(table: ir.Table, by: int, key: ir.StringValue) -> ir.Table:
        return table.select(*cols, j_by=ibis.literal(by, "int8"), j_key=key)

    lookup = ibis.union(
        keyed(by_account, _BY_ACCOUNT, by_account.account_id),
        keyed(via, _BY_ACCOUNT_CONTACT, via.p_contact),
        keyed(by_contact, _BY_CONTACT, by_contact.contact_id),
        distinct=False,
    )
    second = ibis.memtable({"second": [False, True]}, schema={"second": "boolean"})
    probe = t.cross_join(second)
    own = ibis.ifelse(
        probe.account_id.notnull(),
        ibis.literal(_BY_ACCOUNT, "int8"),
        ibis.literal(_BY_ACCOUNT_CONTACT, "int8"),
    )
    probe = probe.mutate(
        t_by=ibis.ifelse(probe.second, ibis.literal(_BY_CONTACT, "int8"), own),
        t_key=ibis.ifelse(
            probe.second, probe.contact_id, ibis.coalesce(probe.account_id, probe.contact_id)
        ),
    )
    matched = lookup.inner_join(probe, [lookup.j_by == probe.t_by, lookup.j_key == probe.t_key])
    return matched.select(*cols, "occurred_at", *(f"k_{c}" for c in columns))


def _encode(
    ws: Workspace, rows: pa.Table, columns: tuple[str, ...]
) -> tuple[NDArray[np.int32], list[tuple[str, ...]], list[tuple[str, ...]]]:
    """Integer code of every touch's key path, the paths (sorted) and their display names.

    Each key column is dictionary-encoded in Arrow; only the distinct channels go back to the
    engine to be normalised (its string functions, so every backend treats them alike), and
    only the distinct paths are sorted in Python: no string is compared per touch.
    """
    n = rows.num_rows
    parts, values = [], []
    for column in columns:
        encoded = pc.dictionary_encode(rows.column(f"k_{column}").combine_chunks())
        parts.append(np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64))
        values.append([str(v) for v in encoded.dictionary.to_pylist()])
    values[0] = _normalise_channels(ws, values[0])
    combined = np.zeros(n, dtype=np.int64)
    for part, vals in zip(parts, values, strict=True):
        combined = combined * max(len(vals), 1) + part
    distinct, inverse = np.unique(combined, return_inverse=True)
    raw: list[tuple[str, ...]] = []
    for value in distinct.tolist():
        path: list[str] = []
        for vals in reversed(values):
            value, at = divmod(value, max(len(vals), 1))
            path.insert(0, vals[at])
        raw.append(tuple(path))
    paths = sorted(set(raw))
    code_of = {p: i for i, p in enumerate(paths)}
    remap = np.array([code_of[p] for p in raw], dtype=np.int32)
    codes = remap[inverse.ravel()] if n else np.zeros(0, dtype=np.int32)
    return codes, paths, _display_names(ws, paths, columns)


def _normalise_channels(ws: Workspace, channels: list[str]) -> list[str]:
    """The channel keys of distinct raw channel names, normalised by the engine."""
    if not channels:
        return []
    table = ibis.memtable({"raw": channels}, schema={"raw": "string"})
    frame = ws.con.execute(table.select(table.raw, key=_channel_key(table.raw)))
    key = dict(zip(frame["raw"], frame["key"], strict=True))
    return [str(key[c]) for c in channels]


def _display_names(
    ws: Workspace, paths: list[tuple[str, ...]], columns: tuple[str, ...]
) -> list[tuple[str, ...]]:
    """Per path the names to show: the channel key, campaign and workflow names."""
    lookup: dict[str, dict[str, str]] = {}
    for column in columns[1:]:
        table = ws.table(f"{column}s")
        frame = table.select(id=table[f"{column}_id"], name=table.name).execute()
        lookup[column] = {
            str(i): str(v) for i, v in zip(frame["id"], frame["name"], strict=True) if v is not None
        }
    names = []
    for path in paths:
        shown = [path[0]]
        for column, key in zip(columns[1:], path[1:], strict=True):
            fallback = f"(no {column})" if key == NO_KEY else key
            shown.append(lookup[column].get(key, fallback))
        names.append(tuple(shown))
    return names


def _assemble(
    meta: pa.Table,
    arrays: pa.Table,
    codes: NDArray[np.int32],
    paths: list[tuple[str, ...]],
    titles: list[tuple[str, ...]],
) -> Journeys:
    """Touches ordered by journey, time and code (the engine returns them unordered)."""
    n = meta.num_rows
    jidx = arrays.column("jidx").to_numpy().astype(np.int64)
    at = pc.cast(arrays.column("occurred_at").combine_chunks(), pa.int64()).to_numpy()
    order = np.lexsort((codes, at, jidx))
    jidx = jidx[order]
    lengths = np.bincount(jidx, minlength=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    converted = meta.column("converted").to_numpy(zero_copy_only=False).astype(bool)
    amount = meta.column("amount").to_numpy(zero_copy_only=False).astype(np.float64)
    before_lead = _column(arrays, "before_lead", order).astype(np.int64)
    before_opp = _column(arrays, "before_opp", order).astype(np.int64)
    lead_pos = np.bincount(jidx, weights=before_lead, minlength=n).astype(np.int32) - 1
    opp_pos = np.bincount(jidx, weights=before_opp, minlength=n).astype(np.int32) - 1
    keys, names, parents, direct = tree(paths, titles)
    return Journeys(
        keys=keys,
        names=names,
        offsets=offsets,
        codes=codes[order],
        conversions=converted.astype(np.float64),
        nulls=(~converted).astype(np.float64),
        value=np.where(converted, amount, 0.0),
        days=_column(arrays, "days", order).astype(np.float32),
        lead_pos=lead_pos,
        opp_pos=opp_pos,
        journey_ids=meta.column("journey_id").to_numpy(zero_copy_only=False).astype(object),
        direct=direct,
        parents=parents,
    )


def _column(arrays: pa.Table, name: str, order: NDArray[np.intp]) -> NDArray[Any]:
    return np.asarray(arrays.column(name).to_numpy(zero_copy_only=False))[order]
