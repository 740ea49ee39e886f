"""The channel → campaign → workflow hierarchy of journey keys.

At campaign level a key is a (channel, campaign) pair and at workflow level a (channel, campaign,
workflow) triple, so every touch has exactly one parent at each level above: a campaign seen
under two channels (a webinar campaign reached by e-mail and on the webinar channel) is two keys,
one per channel. That is what lets a finer level nest exactly inside a coarser one: the touches
of a channel's keys are the channel's touches. Touches without a campaign or workflow sit in a
``(none)`` key of their parent.

:class:`Parents` records each key's parent; :func:`tree` builds keys and parents from paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from crmroi.attribution.paths import direct_codes

NO_KEY = "(none)"
"""Key of the touches without a campaign or workflow (shown as ``(no campaign)`` …)."""
SEPARATOR = " > "
"""Joins the names of a key's ancestors in the ``parent`` column."""


@dataclass(frozen=True, eq=False)
class Parents:
    """The level above some keys: its keys and names, and the parent of every key below.

    ``code[i]`` is the index in ``keys`` of the parent of key ``i`` of the level below;
    ``above`` is this level's own parent level (``None`` at the channels).
    """

    keys: tuple[str, ...]
    names: tuple[str, ...]
    code: NDArray[np.int32]
    above: Parents | None = None

    def __eq__(self, other: object) -> bool:
        """Same keys, names and parent codes at every level (journeys from two engines)."""
        if not isinstance(other, Parents):
            return NotImplemented
        return (
            self.keys == other.keys
            and self.names == other.names
            and np.array_equal(self.code, other.code)
            and self.above == other.above
        )

    __hash__ = None  # type: ignore[assignment]


def chain(parents: Parents | None, n_keys: int) -> list[NDArray[np.int32]]:
    """Code of every key's ancestor at each level, the top (channels) first, the keys last."""
    codes = [np.arange(n_keys, dtype=np.int32)]
    level = parents
    while level is not None:
        codes.insert(0, level.code[codes[0]])
        level = level.above
    return codes


def labels(parents: Parents | None, n_keys: int) -> tuple[str | None, ...]:
    """Per key the names of its ancestors joined by ``" > "``; empty at channel level.

    An ancestor without a campaign is left out below the top: a workflow touched outside any
    campaign reads as inside its channel.
    """
    if parents is None:
        return ()
    parts: list[list[str]] = [[] for _ in range(n_keys)]
    codes: NDArray[np.int32] = np.arange(n_keys, dtype=np.int32)
    level: Parents | None = parents
    while level is not None:
        codes = level.code[codes]
        top = level.above is None
        for i, c in enumerate(codes):
            if top or level.keys[c] != NO_KEY:
                parts[i].insert(0, level.names[c])
        level = level.above
    return tuple(SEPARATOR.join(p) for p in parts)


def tree(
    paths: Sequence[tuple[str, ...]], names: Sequence[tuple[str, ...]] | None = None
) -> tuple[tuple[str, ...], tuple[str, ...], Parents | None, frozenset[int]]:
    """Keys, names, parents and direct codes of distinct paths (channel, campaign[, workflow]).

    Key ``i`` is path ``i`` (its last element is the key); ``names`` are the display names along
    each path (default: the keys). A key counts as direct traffic when its channel does, so
    ``last_non_direct`` skips the same touches at every level.
    """
    names = names if names is not None else paths
    depth = len(paths[0]) if paths else 1
    prefix_names: dict[tuple[str, ...], tuple[str, ...]] = {}
    for path, name in zip(paths, names, strict=True):
        for d in range(1, depth):
            prefix_names.setdefault(path[:d], name[:d])
    parents: Parents | None = None
    for d in range(1, depth):
        distinct = list(dict.fromkeys(p[:d] for p in paths))
        index = {p: i for i, p in enumerate(distinct)}
        below = paths if d + 1 == depth else list(dict.fromkeys(p[: d + 1] for p in paths))
        parents = Parents(
            tuple(p[-1] for p in distinct),
            tuple(prefix_names[p][-1] for p in distinct),
            np.array([index[p[:d]] for p in below], dtype=np.int32),
            parents,
        )
    direct = direct_codes(tuple(n[0] for n in names))
    return tuple(p[-1] for p in paths), tuple(n[-1] for n in names), parents, direct
