"""The mass-complaint sliding window: complaints per key (phenomenon category | intake point) and minute, in the
``complaint_windows`` table, and the one open incident per key in ``open_incidents``.

A complaint costs a bounded number of statements whatever the store holds: the open incident of its key (one
primary-key read); else its minute's bucket upserted (``count = count + 1``), the key's buckets older than the window
deleted, and the key's remaining buckets summed — at most ``window minutes + 1`` rows, all under the primary key.
The window of ``now`` covers the buckets from ``minute(now − window)`` to ``minute(now)``: a complaint less than
``window`` earlier is always counted, one ``window + 1 minute`` or more earlier never.

Concurrency (PostgreSQL, READ COMMITTED): two complaints of one key in one minute queue on their bucket's row; an
incident is claimed with ``INSERT … ON CONFLICT DO NOTHING`` on ``open_incidents``' primary key, so of two
transactions crossing the threshold at once the second waits for the first and then inserts nothing (SQLite's
``BEGIN IMMEDIATE`` serializes them anyway).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from hub.workflow.store.schema import complaint_windows, open_incidents

__all__ = ["PHENOMENON_LENGTH", "ComplaintWindow", "WindowCount", "bucket_of", "window_key"]

_cw, _oi = complaint_windows.c, open_incidents.c

_OPEN_INCIDENT = select(_oi.incident_id).where(_oi.window_key == bindparam("key"))
_PRUNE = delete(complaint_windows).where(_cw.window_key == bindparam("key"), _cw.bucket_start < bindparam("since"))
_SUM = (select(func.coalesce(func.sum(_cw.count), 0))
        .where(_cw.window_key == bindparam("key"), _cw.bucket_start >= bindparam("since")))
_RELEASE = delete(open_incidents).where(_oi.incident_id == bindparam("incident"))
_RESET = delete(complaint_windows).where(_cw.window_key == bindparam("key"))
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
    """What the window says after a complaint was counted: the sum of its buckets and since when they count."""

    count: int
    since: datetime


@dataclass(frozen=True, slots=True)
class ComplaintWindow:
    """The window's length; every method works in the caller's transaction (``connection``)."""

    length: timedelta

    def since(self, now: datetime) -> datetime:
        """The first bucket the window of ``now`` covers."""
        return bucket_of(now - self.length)

    def open_incident(self, connection: Connection, key: str) -> str | None:
        """The incident open for ``key``, if any."""
        found = connection.execute(_OPEN_INCIDENT, {"key": key}).scalar_one_or_none()
        return None if found is None else str(found)

    def count(self, connection: Connection, key: str, now: datetime) -> WindowCount:
        """Count one complaint of ``key`` at ``now``; prune the key's buckets the window left; sum the rest."""
        since = self.since(now)
        connection.execute(_upsert(connection.dialect.name), {"key": key, "bucket": bucket_of(now)})
        connection.execute(_PRUNE, {"key": key, "since": since})
        return WindowCount(int(connection.execute(_SUM, {"key": key, "since": since}).scalar_one()), since)

    def recount(self, connection: Connection, key: str, buckets: Mapping[datetime, int]) -> None:
        """Replace the key's buckets by ``buckets`` (minute -> count): the count made to say what the window's
        complaints were found to be worth, so it reaches the threshold again only with that many more."""
        connection.execute(_RESET, {"key": key})
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
        """The incident no longer holds its key (resolved or cancelled), and the key's count starts again from zero:
        a later burst opens a new incident only with ``threshold`` new complaints. Returns the key it held."""
        key = connection.execute(_KEY_OF_INCIDENT, {"incident": incident_id}).scalar_one_or_none()
        if key is None:
            return None
        connection.execute(_RELEASE, {"incident": incident_id})
        connection.execute(_RESET, {"key": key})
        return str(key)
