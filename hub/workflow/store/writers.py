"""Which transactions that write this database are still open (PostgreSQL), for the event publisher's holes.

An outbox position is drawn from a sequence when its event is written and becomes visible when its transaction
commits, so the publisher may see a younger event before an older one's transaction has ended: a hole that may
still fill. A hole is passed only once every transaction that was writing this database when the hole was seen has
ended (`hub.workflow.turns.Holes`): whichever of them held the hole has committed (its event is then visible) or
rolled back (the hole stays empty for ever). Ages do not tell that: a transaction may stay open for minutes (a
scheduler pass awaiting its confirms, a batch awaiting slow tier lookups) and its event must not be passed.

The writers are the other sessions of this database that hold a transaction id (``pg_stat_activity.backend_xid``:
a session gets one at its transaction's first write, before it writes an outbox event, which every transaction
does after writing its work order or deadline rows). Sessions of other databases of the cluster do not count, so
their long transactions hold no listener back. The hub's sessions all sign in as the same user, who sees their ids.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

__all__ = ["oldest_open_write", "running_writers"]

_WRITERS = text("SELECT backend_xid::text FROM pg_stat_activity"
                " WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()")
_OLDEST = text("SELECT extract(epoch FROM clock_timestamp() - min(xact_start)) FROM pg_stat_activity"
               " WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()")


def running_writers(connection: Connection) -> frozenset[int] | None:
    """The transaction ids of this database's other open writing transactions; None where positions leave no holes
    that may still fill (SQLite serializes writers: a hole there is a rolled-back transaction)."""
    if connection.dialect.name != "postgresql":
        return None
    return frozenset(int(xid) for xid in connection.execute(_WRITERS).scalars())


def oldest_open_write(connection: Connection) -> timedelta:
    """How long the oldest of this database's other open writing transactions has been open, by the database's
    clock (zero when none is, and on SQLite): a new listener's start looks that much further back for holes."""
    if connection.dialect.name != "postgresql":
        return timedelta(0)
    seconds = connection.execute(_OLDEST).scalar_one_or_none()
    return timedelta(seconds=max(0.0, float(seconds or 0)))
