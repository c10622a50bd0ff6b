"""Column types that behave the same on SQLite and PostgreSQL.

``UTCDateTime``: an aware UTC ``datetime`` in and out. PostgreSQL keeps it as ``timestamptz``; SQLite as SQLAlchemy's
fixed-width ISO text (``2026-12-03 08:00:00.000000``), always converted to UTC first, so text order is time order and
comparisons such as ``due_at <= now`` are right on both.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["UTCDateTime"]


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC; a naive value is refused (time in this engine is always explicit)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: give the work-order store aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
