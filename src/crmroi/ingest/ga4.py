"""GA4's BigQuery event export: lift the nested ``event_params`` into plain columns.

One row of ``events_YYYYMMDD`` is one event; the session id, the session's source/medium/campaign
and the engagement flag hide in ``event_params``, a repeated ``key`` + ``value.{string_value,
int_value, float_value, double_value}`` record ([V] developers.google.com/analytics/bigquery/
event-schema). This quirk adds one text column ``event_params.<key>`` per key below, and
``ga4.conversion`` (1 for a ``purchase`` or other key event), so the declarative presets
``ga4-events`` and ``ga4-events-touchpoints`` can group events into sessions by
``(user_pseudo_id, ga_session_id)``. Vectorised: the list is flattened once per batch and each key
scattered back to its event by index.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

PARAMS = (
    "ga_session_id",
    "ga_session_number",
    "session_engaged",
    "engagement_time_msec",
    "source",
    "medium",
    "campaign",
    "term",
    "content",
    "gclid",
    "page_location",
    "page_referrer",
)
QUIRK_COLUMNS: dict[str, list[str]] = {
    "ga4_events": [*(f"event_params.{key}" for key in PARAMS), "ga4.conversion"]
}
"""Columns each quirk adds, so presets can be matched and bound before any row is read."""
CONVERSIONS = ("purchase", "generate_lead", "sign_up", "form_submit", "close_convert_lead")


def _value_text(values: pa.Array) -> pa.Array:
    names = [values.type.field(i).name for i in range(values.type.num_fields)]
    parts = [
        pc.struct_field(values, [names.index(n)]).cast(pa.string())
        for n in ("string_value", "int_value", "double_value", "float_value")
        if n in names
    ]
    return pc.coalesce(*parts) if parts else pa.nulls(len(values), pa.string())


def lift_event_params(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Add ``event_params.<key>`` text columns and ``ga4.conversion`` to a batch of events."""
    n = batch.num_rows
    if "event_params" in batch.schema.names:
        params = batch.column("event_params")
        flat = pc.list_flatten(params)
        parents = pc.list_parent_indices(params)
        keys = pc.struct_field(flat, [0])
        text = _value_text(pc.struct_field(flat, [1]))
        positions = pa.array(range(n), pa.int64())
        for key in PARAMS:
            hit = pc.fill_null(pc.equal(keys, key), False)
            where = pc.index_in(positions, parents.filter(hit).cast(pa.int64()))
            batch = batch.append_column(f"event_params.{key}", pc.take(text.filter(hit), where))
    if "event_name" in batch.schema.names:
        converted = pc.is_in(batch.column("event_name"), pa.array(CONVERSIONS))
        batch = batch.append_column(
            "ga4.conversion", pc.cast(converted, pa.int64()).cast(pa.string())
        )
    return batch
