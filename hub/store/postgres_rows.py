"""What the PostgreSQL processed store reads of a row (``hub.store.postgres``, ``hub.store.postgres_batch``): its
state, record and lease, judged by the database's clock, and whether its claim still holds its id."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hub.store import owner as owners
from hub.store.postgres_schema import PROCESSED as T

__all__ = ["CHUNK", "held", "look_row", "of_consumer"]

CHUNK = 500  # ids per statement


def of_consumer(consumer: str, message_id: str | None = None) -> sa.ColumnElement[bool]:
    """The rows of ``consumer`` (the one of ``message_id``)."""
    where = T.c.consumer == consumer
    return where if message_id is None else sa.and_(where, T.c.message_id == message_id)


def look_row(where: sa.ColumnElement[bool], *extra: sa.Column[Any]) -> sa.Select[Any]:
    """A row's state, record and lease, with whether the lease still runs by the database's clock."""
    return sa.select(*extra, T.c.state, T.c.outcome, T.c.reply, T.c.lease_until, T.c.owner,
                     sa.func.coalesce(T.c.lease_until > sa.func.now(), False).label("leased")).where(where)


def held(row: Any) -> bool:
    """A claim still holds its id: its lease runs and its owner is not known to be gone (``hub.store.owner``)."""
    return bool(row.leased) and not owners.gone(row.owner)
