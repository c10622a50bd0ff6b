"""A value the database refused itself: a statement that fails the same way however often it is tried.

PEP 249's ``DataError`` ("problems with the processed data"), which PostgreSQL raises for its SQLSTATE class 22,
data exception: a text longer than its column (``value too long for type character varying(64)``, 22001), a number
out of range (22003), an invalid input (22P02), a NUL character in a text (refused by psycopg before it is sent).
The same message brings the same values, so another attempt is refused again: such a failure is permanent
(``hub.workers.classify``: dead-lettered at once with its reason, not retried until the attempts run out).
"""

from __future__ import annotations

from sqlalchemy.exc import DataError

__all__ = ["refused_value"]

_DATA_EXCEPTION = "22"  # SQLSTATE class 22


def refused_value(exc: BaseException) -> bool:
    """Whether ``exc`` (SQLAlchemy's wrapper or the driver's error) is the database refusing a value."""
    if isinstance(exc, DataError):
        return True
    reason = getattr(exc, "orig", None) or exc
    return str(getattr(reason, "sqlstate", None) or "").startswith(_DATA_EXCEPTION)
