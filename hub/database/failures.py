"""A database error as one line for a person (the commands that copy between databases say why nothing was copied):
the driver's exception, not SQLAlchemy's wrapper, and the first line of its message, without the SQL and the link
SQLAlchemy adds."""

from __future__ import annotations

__all__ = ["failure_line"]


def failure_line(exc: BaseException) -> str:
    """``OperationalError: no such table: notices`` for whatever a database call raised."""
    reason = getattr(exc, "orig", None) or exc
    return f"{type(reason).__name__}: {(str(reason).strip().splitlines() or [''])[0]}"
