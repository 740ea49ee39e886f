"""All-or-nothing writes on an engine without transactions (a plain Spark catalog).

A plain Spark (Hive) catalog has no ``BEGIN``/``ROLLBACK`` and no ``MERGE``, but two of its
operations are single metastore calls: renaming a table and dropping one. An :class:`UndoLog`
builds a transaction from them, as an undo log kept in the catalog itself:

- A one-row table ``_crmroi_tx_<tx>`` (the writer's host, PID and start time) says that
  transaction ``<tx>`` is open. It is created before the transaction's first write, and
  dropping it is the commit: one catalog call, so a transaction is committed or it is not.
- Every write builds the table's new rows beside it, as ``_crmroi_build_<tx>_<table>``, and
  :meth:`UndoLog.replace` renames them in. Before the transaction's first write to a table, the
  table itself is renamed aside to ``_crmroi_undo_<tx>_<table>`` (no copy); a later write
  drops what the previous one renamed in. A table the transaction creates gets an empty
  ``_crmroi_new_<tx>_<table>`` instead. Spark registers a table in the catalog only after its
  files are written, so a built or kept table that the catalog lists is whole.
- Rolling back drops each touched table and renames its kept rows back (or just drops it when
  the transaction created it), then drops the marker. Every step can run again, so a roll-back
  that is itself interrupted is finished by the next one.

A process killed before the commit leaves the marker: :func:`recover` (run when a Spark
workspace is opened) rolls that transaction back when its process is gone, and only reports it
while the process still runs on this host or ran on another one. Killed after the commit, only
kept tables without a marker remain, which :func:`recover` drops.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import ibis

_MARKER = re.compile(r"^_crmroi_tx_([0-9a-f]{12})$")
_KEPT = re.compile(r"^_crmroi_(undo|new|build)_([0-9a-f]{12})_(.+)$")


def marker_name(tx: str) -> str:
    """The table whose existence says that transaction ``tx`` is open."""
    return f"_crmroi_tx_{tx}"


def is_undo_table(name: str) -> bool:
    """Whether ``name`` is one of the undo log's own tables (a marker or kept rows)."""
    return _MARKER.match(name) is not None or _KEPT.match(name) is not None


class UndoLog:
    """One open transaction on an engine without transactions; see the module docstring."""

    def __init__(self, con: Any) -> None:
        self.con = con
        self.tx = uuid.uuid4().hex[:12]
        self._kept: set[str] = set()
        self._open = False

    def _name(self, kind: str, table: str) -> str:
        return f"_crmroi_{kind}_{self.tx}_{table}"

    def build_name(self, table: str) -> str:
        """Where the new rows of ``table`` are built before :meth:`replace` puts them in.

        The transaction is open from here on, so a build left by a killed process is undone.
        """
        self._begin()
        return self._name("build", table)

    def _begin(self) -> None:
        """Create the marker, lazily: a transaction that writes nothing costs nothing."""
        if self._open:
            return
        owner = ibis.memtable(
            {
                "host": [socket.gethostname()],
                "pid": [os.getpid()],
                "started": [datetime.now(UTC).replace(tzinfo=None)],
            }
        )
        self.con.create_table(marker_name(self.tx), owner)
        self._open = True

    def _exists(self, table: str) -> bool:
        return table in self.con.list_tables()

    def replace(self, table: str, built: str) -> None:
        """Put the finished table ``built`` in place of ``table``, keeping the old rows once."""
        if table in self._kept:
            self.con.drop_table(table, force=True)
        elif self._exists(table):
            self.con.rename_table(table, self._name("undo", table))
        else:
            self.con.create_table(self._name("new", table), schema={"created": "int8"})
        self._kept.add(table)
        self.con.rename_table(built, table)

    def commit(self) -> None:
        """Drop the marker (the commit itself), then the kept rows nobody needs any more."""
        if not self._open:
            return
        self.con.drop_table(marker_name(self.tx))
        _discard(self.con, self.tx, self.con.list_tables())

    def rollback(self) -> None:
        """Put every touched table back as it was before the transaction."""
        if self._open:
            roll_back(self.con, self.tx)


def roll_back(con: Any, tx: str) -> None:
    """Undo transaction ``tx`` from what the catalog holds; safe to run again if interrupted."""
    for name in con.list_tables():
        found = _KEPT.match(name)
        if found is None or found[2] != tx:
            continue
        kind, table = found[1], found[3]
        if kind == "undo":
            con.drop_table(table, force=True)
            con.rename_table(name, table)
        elif kind == "new":
            con.drop_table(table, force=True)
            con.drop_table(name)
        else:
            con.drop_table(name)
    con.drop_table(marker_name(tx), force=True)


def _discard(con: Any, tx: str, names: list[str]) -> None:
    for name in names:
        found = _KEPT.match(name)
        if found is not None and found[2] == tx:
            con.drop_table(name, force=True)


@dataclass(frozen=True)
class Unfinished:
    """A transaction left open by a process that was killed or is still running."""

    tx: str
    host: str
    pid: int
    started: datetime
    rolled_back: bool

    def describe(self) -> str:
        """One sentence for the user."""
        who = f"PID {self.pid} on {self.host}, started {self.started:%Y-%m-%d %H:%M} UTC"
        if self.rolled_back:
            return f"rolled back an unfinished write (transaction {self.tx}, {who})"
        return (
            f"transaction {self.tx} ({who}) is still open; if that process is gone, roll it "
            f"back with crmroi.undo.roll_back(ws.con, {self.tx!r})"
        )


def recover(con: Any) -> list[Unfinished]:
    """Roll back the transactions whose process is gone; drop what committed ones left.

    A marker whose process still runs on this host, or that was written on another host, is
    left alone and reported: rolling back another writer's open transaction would undo the
    tables under its feet.
    """
    names = con.list_tables()
    found: list[Unfinished] = []
    for name in names:
        marker = _MARKER.match(name)
        if marker is None:
            continue
        tx = marker[1]
        owner = con.table(name).execute()
        host, pid = str(owner["host"].iloc[0]), int(owner["pid"].iloc[0])
        alive = host != socket.gethostname() or _running(pid)
        if not alive:
            roll_back(con, tx)
        started = owner["started"].iloc[0].to_pydatetime()
        found.append(Unfinished(tx, host, pid, started, rolled_back=not alive))
    kept = {m[2] for n in names if (m := _KEPT.match(n)) is not None}
    for tx in kept - {u.tx for u in found}:  # committed: the marker went first
        _discard(con, tx, names)
    return found


def _running(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (signal 0 checks without sending)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True
