"""A statement PostgreSQL cannot run on a plan it cached before the schema changed under it.

psycopg prepares a statement on the server once a connection has run it a few times. When another process then
changes the type of a column such a statement returns (a newer hub's migration, e.g. 0014 widening
``work_orders.district``, while older hubs still run), PostgreSQL refuses the next execution on each such
connection with ``cached plan must not change result type`` (SQLSTATE 0A000, raised by
``RevalidateCachedQuery``); psycopg forgets the statement at that failure, so the next attempt prepares it again and
runs. Such a failure is transient: retried, never taken as the work's own fault (a deadline marked failed, a
message dead-lettered).
"""

from __future__ import annotations

__all__ = ["stale_plan"]

_FEATURE_NOT_SUPPORTED = "0A000"
_REVALIDATE = "RevalidateCachedQuery"  # the server function that raises it: the same in every message language


def stale_plan(exc: BaseException) -> bool:
    """Whether ``exc`` (SQLAlchemy's wrapper or the driver's error) is a plan cached before a schema change."""
    reason = getattr(exc, "orig", None) or exc
    if getattr(reason, "sqlstate", None) != _FEATURE_NOT_SUPPORTED:
        return False
    diag = getattr(reason, "diag", None)
    return getattr(diag, "source_function", None) == _REVALIDATE or "cached plan" in str(reason)
