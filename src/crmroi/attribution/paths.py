"""Journeys as compact arrays: the one input every attribution model reads.

A journey is the ordered list of touches before one conversion opportunity (a deal, an order, a
lead that never converted). The engine reduces the workspace to these arrays (see
``journeys.py``); the aggregated path file (``path;total_conversions;total_conversion_value;
total_null``) and the validation worlds produce them too. Channels, campaigns and workflows are
dictionary-encoded integers (``codes``); no model ever builds or splits a path string.

Layout (CSR, like a sparse matrix): the touches of journey ``j`` are
``codes[offsets[j]:offsets[j + 1]]``, oldest first. ``conversions`` and ``nulls`` count how many
journeys of that shape converted and did not (1/0 for one journey, any count for an aggregated
path); ``value`` is the revenue of its conversions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import scipy.sparse as sp
from numpy.typing import NDArray

from crmroi.errors import InputError

if TYPE_CHECKING:
    from crmroi.attribution.hierarchy import Parents

BASELINE = "(baseline)"
"""Name of the bucket holding conversions no channel caused (or no touch explains)."""

DIRECT_NAMES = frozenset({"direct", "(direct)", "direct traffic", "direct_traffic", "(none)"})
"""Channel names ``last_non_direct`` skips (compared in lower case)."""

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Journeys:
    """Touch sequences of many journeys, with their outcomes, as flat NumPy arrays.

    ``days`` is the time from each touch to the journey's end (conversion, loss or data end) in
    days, NaN where unknown (the path file has no times: time-decay then counts one day per
    step). ``lead_pos``/``opp_pos`` are the positions within the journey of the touches at lead
    and opportunity creation (-1: unknown), used by ``w_shaped`` and ``full_path``. ``parents``
    gives every key's channel (and campaign) at campaign and workflow level (``hierarchy.py``).
    """

    keys: tuple[str, ...]
    names: tuple[str, ...]
    offsets: I64
    codes: NDArray[np.int32]
    conversions: F64
    nulls: F64
    value: F64
    days: NDArray[np.float32] | None = None
    lead_pos: NDArray[np.int32] | None = None
    opp_pos: NDArray[np.int32] | None = None
    journey_ids: NDArray[np.object_] | None = None
    direct: frozenset[int] = field(default=frozenset())
    parents: Parents | None = None

    def __post_init__(self) -> None:
        if self.offsets.shape[0] != self.conversions.shape[0] + 1:
            raise ValueError("offsets must have one entry more than journeys")
        if int(self.offsets[-1]) != self.codes.shape[0]:
            raise ValueError("offsets[-1] must equal the number of touches")
        if len(self.keys) != len(self.names):
            raise ValueError("keys and names must have the same length")

    @property
    def n_journeys(self) -> int:
        """Number of journeys (rows)."""
        return int(self.conversions.shape[0])

    @property
    def n_keys(self) -> int:
        """Number of distinct channels / campaigns / workflows."""
        return len(self.keys)

    @cached_property
    def lengths(self) -> I64:
        """Touches per journey."""
        return np.diff(self.offsets)

    @cached_property
    def _touch_journey(self) -> NDArray[np.int32]:
        return np.repeat(np.arange(self.n_journeys, dtype=np.int32), self.lengths)

    @cached_property
    def _touch_position(self) -> NDArray[np.int32]:
        starts = np.repeat(self.offsets[:-1], self.lengths)
        return (np.arange(self.codes.shape[0], dtype=np.int64) - starts).astype(np.int32)

    @cached_property
    def _touch_length(self) -> NDArray[np.int32]:
        return np.repeat(self.lengths, self.lengths).astype(np.int32)

    def touch_length(self) -> NDArray[np.int32]:
        """Length of the journey of every touch (computed once, read-only)."""
        return self._touch_length

    def touch_journey(self) -> NDArray[np.int32]:
        """Journey index of every touch (computed once, read-only)."""
        return self._touch_journey

    def touch_position(self) -> NDArray[np.int32]:
        """Position of every touch within its journey, 0 = first (computed once, read-only)."""
        return self._touch_position

    @cached_property
    def touch_matrix(self) -> sp.csr_matrix:
        """Journey x key matrix with a 1 per touch, repeats kept as separate entries.

        ``touch_matrix.T @ r`` gives every touch its journey's row of ``r`` and sums by key in
        one pass; the rule-based models use it on the converted journeys (8 bytes per touch).
        Shares ``codes`` and ``offsets``: read-only (no ``sum_duplicates`` or sorting).
        """
        shape = (self.n_journeys, max(self.n_keys, 1))
        ones = np.ones(self.codes.shape[0])
        return sp.csr_matrix((ones, self.codes, self.offsets), shape=shape, copy=False)

    @cached_property
    def converting(self) -> tuple[Journeys, I64]:
        """The journeys with at least one conversion, and their indices in ``self``.

        Rule-based models only ever read converted journeys, typically a small minority; only
        their touches are gathered (no pass over every touch).
        """
        index = np.flatnonzero(self.conversions > 0)
        if index.shape[0] == self.n_journeys:
            return self, index
        starts = self.offsets[index]
        lengths = self.offsets[index + 1] - starts
        offsets = np.zeros(index.shape[0] + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        keep = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])
        sub = Journeys(
            keys=self.keys,
            names=self.names,
            offsets=offsets,
            codes=self.codes[keep],
            conversions=self.conversions[index],
            nulls=self.nulls[index],
            value=self.value[index],
            days=None if self.days is None else self.days[keep],
            lead_pos=None if self.lead_pos is None else self.lead_pos[index],
            opp_pos=None if self.opp_pos is None else self.opp_pos[index],
            journey_ids=None,
            direct=self.direct,
            parents=self.parents,
        )
        return sub, index


def direct_codes(names: tuple[str, ...]) -> frozenset[int]:
    """Codes of the channels that count as direct traffic."""
    return frozenset(i for i, n in enumerate(names) if n.strip().lower() in DIRECT_NAMES)


def from_sequences(
    sequences: list[list[str]],
    conversions: list[float] | F64,
    nulls: list[float] | F64,
    value: list[float] | F64,
) -> Journeys:
    """Build journeys from lists of channel names (small inputs: tests and files)."""
    names = sorted({c for seq in sequences for c in seq})
    index = {n: i for i, n in enumerate(names)}
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    offsets = np.zeros(len(sequences) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    codes = np.fromiter(
        (index[c] for seq in sequences for c in seq), dtype=np.int32, count=int(offsets[-1])
    )
    keys = tuple(names)
    return Journeys(
        keys=keys,
        names=keys,
        offsets=offsets,
        codes=codes,
        conversions=np.asarray(conversions, dtype=np.float64),
        nulls=np.asarray(nulls, dtype=np.float64),
        value=np.asarray(value, dtype=np.float64),
        direct=direct_codes(keys),
    )


def read_paths(path: str | Path, *, separator: str = ">") -> Journeys:
    """Read the aggregated path file ``path;total_conversions;total_conversion_value;total_null``.

    The de-facto standard of ChannelAttribution and its R/Python siblings: one row per distinct
    path (``a > b > c``), with the conversions, their value and the non-converting journeys of
    that path. ``total_conversion_value`` and ``total_null`` are optional columns.

    Arrow's CSV reader and string kernels do the work (split, trim, dictionary-encode): no
    Python loop runs over the rows, so 5M paths read in seconds.
    """
    file = str(path)
    table = _read_table(path, file)
    if table.num_rows == 0:
        raise InputError("the path file holds no paths", file=file)
    steps = pc.split_pattern(table.column("path").combine_chunks(), separator)
    assert isinstance(steps, pa.ListArray)
    # encode the raw steps, then trim the few distinct ones: no second copy of every step
    encoded = pc.dictionary_encode(steps.flatten())
    trimmed = pc.utf8_trim_whitespace(encoded.dictionary).to_pylist()
    keys = tuple(sorted(set(trimmed) - {""}))
    code_of = {name: code for code, name in enumerate(keys)}
    lookup = np.array([code_of.get(name, -1) for name in trimmed], dtype=np.int32)
    codes = lookup[_numpy(encoded.indices, np.int32)]
    bounds = _numpy(steps.offsets, np.int32).astype(np.int64)
    offsets = bounds - bounds[0]
    if (lookup < 0).any():  # an empty step ("a > > b", a trailing ">"): not a touch
        empty = codes < 0
        row = np.searchsorted(offsets, np.flatnonzero(empty), side="right") - 1
        offsets[1:] -= np.cumsum(np.bincount(row, minlength=table.num_rows))
        codes = codes[~empty]
    return Journeys(
        keys=keys,
        names=keys,
        offsets=offsets,
        codes=codes,
        conversions=_numbers(table, "total_conversions", file),
        nulls=_numbers(table, "total_null", file),
        value=_numbers(table, "total_conversion_value", file),
        direct=direct_codes(keys),
    )


def _read_table(path: str | Path, file: str) -> pa.Table:
    """The file's columns as text (numbers are checked here, with their row numbers)."""
    try:
        with open(path, "rb") as handle:
            header = handle.readline().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read path file: {exc.strerror}", file=file) from exc
    columns = [c.strip() for c in header.rstrip("\r\n").split(";")]
    if "path" not in columns or "total_conversions" not in columns:
        raise InputError(
            "expected a ';'-separated header with path;total_conversions"
            "[;total_conversion_value][;total_null]",
            file=file,
        )
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=columns, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=";"),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(columns, pa.string()), strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InputError(f"cannot read path file: {exc}", file=file) from None


def _numbers(table: pa.Table, column: str, file: str) -> F64:
    """A count column as floats (empty or absent: 0); the first bad value names its row."""
    if column not in table.column_names:
        return np.zeros(table.num_rows)
    text = pc.utf8_trim_whitespace(table.column(column).combine_chunks())
    text = pc.replace_substring_regex(
        text, "^$", "0"
    )  # no Python scalar: pyarrow would load pandas
    try:
        values = _numpy(pc.cast(text, pa.float64()), np.float64).copy()
    except pa.ArrowInvalid:
        raw = text.to_pylist()
        row = next(i for i, v in enumerate(raw) if not _parses(v))
        raise InputError(
            f"{raw[row]!r} is not a number", file=file, row=row + 1, column=column
        ) from None
    bad = np.flatnonzero(~(np.isfinite(values) & (values >= 0)))
    if bad.shape[0]:
        raw_value = text[int(bad[0])].as_py()
        raise InputError(
            f"{raw_value!r} must be a finite count >= 0",
            file=file,
            row=int(bad[0]) + 1,
            column=column,
        )
    return values


def _numpy(array: pa.Array, dtype: type[np.generic]) -> NDArray[Any]:
    """A primitive Arrow array without nulls as a read-only NumPy view of its data buffer.

    ``Array.to_numpy`` imports pandas (pyarrow 26), a third of a second of start-up that
    reading a path file never needs.
    """
    if array.null_count:
        raise ValueError("an array with nulls has no plain NumPy view")
    values = np.frombuffer(array.buffers()[1], dtype=dtype)
    return values[array.offset : array.offset + len(array)]


def _parses(value: str | None) -> bool:
    try:
        float(value or "")
    except ValueError:
        return False
    return True
