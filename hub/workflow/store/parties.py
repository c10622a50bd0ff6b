"""Whose complaint a work order is, and when: what the SMS-log purpose check reads of every query.

One indexed read of six columns (``SELECT_PARTIES``): the subscriber's number, the contact number given with the
complaint, the work order's state, when the trouble began (``occurred_at``, when the customer said), when the work
order was taken (``created_at``) and when it was closed (``closed_at``). On SQLite it runs on a pooled driver
connection (~8 µs; ~65 µs through ``Connection.execute``), its times read from the stored text as the column type
reads them (``UTCDateTime``: ISO text in UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Engine

from hub.workflow.store.statements import SELECT_PARTIES

__all__ = ["WorkOrderParties", "read_parties"]


class WorkOrderParties(NamedTuple):
    """A work order's subscriber and contact number, its state and its times (aware, UTC)."""

    msisdn: str
    contact_number: str | None
    state: str
    occurred_at: datetime | None
    created_at: datetime
    closed_at: datetime | None


def read_parties(engine: Engine, raw_sql: str | None, work_order_id: str) -> WorkOrderParties | None:
    """The parties of ``work_order_id`` (None: no such work order); ``raw_sql``: ``SELECT_PARTIES`` compiled for
    SQLite (run on the driver's cursor), None on another database (run through SQLAlchemy)."""
    if raw_sql is not None:
        pooled = engine.raw_connection()
        try:
            cursor = pooled.cursor()
            cursor.execute(raw_sql, (work_order_id,))
            found = cursor.fetchone()
        finally:
            pooled.close()
        if found is None:
            return None
        return _parties(found[0], found[1], found[2], _stored_time(found[3]), _stored_time(found[4]),
                        _stored_time(found[5]))
    with engine.connect() as connection:
        row = connection.execute(SELECT_PARTIES, {"wid": work_order_id}).first()
    return None if row is None else _parties(*row)


def _parties(msisdn: Any, contact: Any, state: Any, occurred: datetime | None, created: datetime | None,
             closed: datetime | None) -> WorkOrderParties:
    assert created is not None  # NOT NULL
    return WorkOrderParties(str(msisdn), None if contact is None else str(contact), str(state), occurred, created,
                            closed)


def _stored_time(value: str | datetime | None) -> datetime | None:
    """A ``UTCDateTime`` as SQLite's driver gives it (the stored text, in UTC), aware."""
    if value is None:
        return None
    at = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
