"""The mass-complaint sliding window: complaints per key (phenomenon category | intake point) and minute, in the
``complaint_windows`` table, and the one open incident per key in ``open_incidents``.

A complaint costs a bounded number of statements whatever the store holds: the open incident of its key (one
primary-key read); else its minute's bucket upserted (``count = count + 1``), the key's buckets older than the window
deleted, and the key's remaining buckets summed, all under the primary key. The window is measured on when the
ingress accepted each complaint (its ``created_at``), not on when the workflow got to it: a backlog or a restart
does not spread a burst out. The window of a complaint accepted at ``at`` covers the buckets from
``minute(at − window)`` to ``minute(at + window)``: those after ``at`` exist only when complaints were handled out of
the order they were accepted in (several workers, a redelivered message), and a complaint handled late is counted
with the ones accepted around it, never with those of hours later.

Concurrency (PostgreSQL, READ COMMITTED): two complaints of one key in one minute queue on their bucket's row; an
incident is claimed with ``INSERT … ON CONFLICT DO NOTHING`` on ``open_incidents``' primary key, so of two
transactions crossing the threshold at once the second waits for the first and then inserts nothing (SQLite's
``BEGIN IMMEDIATE`` serializes them anyway). A complaint linked to the open incident read its row ``FOR SHARE``:
the incident's release (its reply) deletes that row, so it waits for the linking transaction to end and then reads
the new child among the children it answers; a complaint whose read waits behind a release finds no row.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.store.schema import complaint_windows, open_incidents, work_orders

__all__ = ["HOLDING", "PHENOMENON_LENGTH", "ComplaintWindow", "WindowCount", "bucket_of", "window_key"]

log = logging.getLogger("onepoint.workflow.incidents")

_cw, _oi = complaint_windows.c, open_incidents.c
S = WorkOrderState

# the states of an incident that still holds its key: later complaints are its children. Replied, cancelled, closed
# or rejected by its department (DISPATCH_REJECTED: no fault report is being worked on), it answers no new child.
HOLDING = frozenset({S.NEW, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.PENDING, S.SUSPENDED, S.ESCALATED})

# FOR SHARE (PostgreSQL; SQLite's write lock is held): the release's DELETE waits for the reader's transaction
_OPEN_INCIDENT = select(_oi.incident_id).where(_oi.window_key == bindparam("key")).with_for_update(read=True)
_INCIDENT_STATE = select(work_orders.c.state).where(work_orders.c.id == bindparam("incident"))
_PRUNE = delete(complaint_windows).where(_cw.window_key == bindparam("key"), _cw.bucket_start < bindparam("since"))
_SUM = (select(func.coalesce(func.sum(_cw.count), 0))
        .where(_cw.window_key == bindparam("key"), _cw.bucket_start >= bindparam("since"),
               _cw.bucket_start <= bindparam("until")))
_RELEASE = delete(open_incidents).where(_oi.incident_id == bindparam("incident"))
_RESET = delete(complaint_windows).where(_cw.window_key == bindparam("key"))
_RESET_WINDOW = delete(complaint_windows).where(_cw.window_key == bindparam("key"),
                                                _cw.bucket_start >= bindparam("since"),
                                                _cw.bucket_start <= bindparam("until"))
_KEY_OF_INCIDENT = select(_oi.window_key).where(_oi.incident_id == bindparam("incident"))


PHENOMENON_LENGTH = 8  # 01.02.03: the level-3 phenomenon, its level-4 local refinements counted with it


def window_key(category_code: str, intake_point: str) -> str:
    """The key complaints are counted by: the phenomenon (the category's level 3, as the repeat mark reads it: a
    level-4 refinement is the same phenomenon) and where the complaint was taken."""
    return f"{category_code[:PHENOMENON_LENGTH]}|{intake_point}"[:160]


def bucket_of(at: datetime) -> datetime:
    """The minute ``at`` falls in (its bucket's start)."""
    return at.replace(second=0, microsecond=0)


@functools.cache
def _upsert(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(complaint_windows).values(window_key=bindparam("key"), bucket_start=bindparam("bucket"),
                                                 count=1)
    return statement.on_conflict_do_update(index_elements=[_cw.window_key, _cw.bucket_start],
                                           set_={"count": statement.excluded.count + _cw.count})


@functools.cache
def _recount(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(complaint_windows).values(window_key=bindparam("key"), bucket_start=bindparam("bucket"),
                                                 count=bindparam("count"))
    return statement.on_conflict_do_update(index_elements=[_cw.window_key, _cw.bucket_start],
                                           set_={"count": statement.excluded.count})


@functools.cache
def _claim(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (insert(open_incidents)
            .values(window_key=bindparam("key"), incident_id=bindparam("incident"), opened_at=bindparam("at"))
            .on_conflict_do_nothing(index_elements=[_oi.window_key]).returning(_oi.incident_id))


@dataclass(frozen=True, slots=True)
class WindowCount:
    """What the window says after a complaint was counted: the sum of its buckets, the first bucket and the last
    one it covers."""

    count: int
    since: datetime
    until: datetime

    @property
    def ends(self) -> datetime:
        """The first moment after the window: its last bucket's minute ends there."""
        return self.until + timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ComplaintWindow:
    """The window's length; every method works in the caller's transaction (``connection``)."""

    length: timedelta

    def since(self, at: datetime) -> datetime:
        """The first bucket the window of a complaint accepted at ``at`` covers."""
        return bucket_of(at - self.length)

    def open_incident(self, connection: Connection, key: str) -> str | None:
        """The incident that holds ``key``, if any, its row read ``FOR SHARE`` (a release waits for this transaction).
        An incident no longer in a ``HOLDING`` state (its reply was missed, or its department rejected it) lets the
        key go here and is none: the complaint is counted, never linked to an incident that will not answer it."""
        found = connection.execute(_OPEN_INCIDENT, {"key": key}).scalar_one_or_none()
        if found is None:
            return None  # the common case: no more than this one primary-key read
        incident_id = str(found)
        state = connection.execute(_INCIDENT_STATE, {"incident": incident_id}).scalar_one_or_none()
        if state in HOLDING:
            return incident_id
        log.warning("incident no longer open: its window key let go", extra={
            "work_order_id": incident_id, "window_key": key, "state": state})
        self.release(connection, incident_id)
        return None

    def count(self, connection: Connection, key: str, at: datetime) -> WindowCount:
        """Count one complaint of ``key`` accepted at ``at``; prune the key's buckets before its window (a complaint
        handled late prunes less, never the window of one accepted after it); sum the buckets of its window."""
        since, until = self.since(at), bucket_of(at + self.length)
        connection.execute(_upsert(connection.dialect.name), {"key": key, "bucket": bucket_of(at)})
        connection.execute(_PRUNE, {"key": key, "since": since})
        total = connection.execute(_SUM, {"key": key, "since": since, "until": until}).scalar_one()
        return WindowCount(int(total), since, until)

    def recount(self, connection: Connection, key: str, counted: WindowCount,
                buckets: Mapping[datetime, int]) -> None:
        """Replace the buckets of the ``counted`` window by ``buckets`` (minute -> count): the count made to say
        what the window's complaints were found to be worth, so it reaches the threshold again only with that many
        more."""
        connection.execute(_RESET_WINDOW, {"key": key, "since": counted.since, "until": counted.until})
        if buckets:
            connection.execute(_recount(connection.dialect.name),
                               [{"key": key, "bucket": bucket, "count": n} for bucket, n in buckets.items()])

    def claim(self, connection: Connection, key: str, incident_id: str, now: datetime) -> bool:
        """Make ``incident_id`` the open incident of ``key``; False when another one holds the key (it waits for a
        concurrent claim of the same key to end first)."""
        claimed = connection.execute(_claim(connection.dialect.name),
                                     {"key": key, "incident": incident_id, "at": now}).first()
        return claimed is not None

    def release(self, connection: Connection, incident_id: str) -> str | None:
        """The incident no longer holds its key (resolved, cancelled, or found no longer open), and the key's count
        starts again from zero: a later burst opens a new incident only with ``threshold`` new complaints. Returns
        the key it held."""
        key = connection.execute(_KEY_OF_INCIDENT, {"incident": incident_id}).scalar_one_or_none()
        if key is None:
            return None
        connection.execute(_RELEASE, {"incident": incident_id})
        connection.execute(_RESET, {"key": key})
        return str(key)
