"""A system's listener registrations (TMF621's hub model): the one it already holds for a call-back and filter,
how many it holds, its registrations held while one is made (two identical ones at once find one another), and a
registration sent again renewing the listener's signing secret (``hub.workflow.event_signatures``)."""

from __future__ import annotations

from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Connection

from hub.workflow.store.outbox import Listener, listener_row
from hub.workflow.store.schema import event_listeners

__all__ = ["count_listeners", "find_listener", "lock_registrations", "renew_signing_secret"]

_li = event_listeners.c


def renew_signing_secret(connection: Connection, listener_id: str, signing_secret: str,
                         source_system: str | None = None) -> bool:
    """Sign the listener's next deliveries with ``signing_secret`` (its registration sent again); False if it is
    gone. ``source_system``: the system that sent it, for a listener registered without one (before migration
    0004), which it now holds."""
    values: dict[str, str] = {"signing_secret": signing_secret}
    if source_system is not None:
        values["source_system"] = source_system
    result = connection.execute(update(event_listeners).where(_li.id == listener_id).values(**values))
    return int(result.rowcount) > 0


_REGISTRATIONS_LOCK = 0x6F6E6570  # "onep": the class of the registration locks (two-key form, apart from the others)


def lock_registrations(connection: Connection, source_system: str | None) -> None:
    """Hold the listener registrations of ``source_system`` until this transaction ends (waiting for another
    transaction that holds them): two identical registrations at once find one another, and ``max_per_system``
    counts what is committed. PostgreSQL only; SQLite's ``BEGIN IMMEDIATE`` write lock already serializes."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:kind, hashtext(:system))"),
                           {"kind": _REGISTRATIONS_LOCK, "system": source_system or ""})


def find_listener(connection: Connection, source_system: str | None, callback_url: str,
                  filter_text: str | None) -> Listener | None:
    """The registration ``source_system`` already holds for this call-back and filter, if any."""
    query = select(event_listeners).where(
        _li.callback_url == callback_url,
        _li.source_system.is_(None) if source_system is None else _li.source_system == source_system,
        _li.filter.is_(None) if filter_text is None else _li.filter == filter_text)
    found = connection.execute(query.order_by(_li.created_at, _li.id).limit(1)).first()
    return None if found is None else listener_row(found)


def count_listeners(connection: Connection, source_system: str | None) -> int:
    """How many listeners ``source_system`` holds."""
    held = _li.source_system.is_(None) if source_system is None else _li.source_system == source_system
    return int(connection.execute(select(func.count()).select_from(event_listeners).where(held)).scalar_one())
