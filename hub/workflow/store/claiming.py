"""Which of a batch's message ids were processed already, and the hold on the others: the recorded answer first.

A recorded answer never changes, so reading it needs no lock: copies of an answered request (a client retrying
the same MessageId at once to several workers) are each answered from the record without holding the id, and never
find it busy because another copy is merely answering too. Only the ids not yet recorded are held
(``pg_try_advisory_xact_lock``, PostgreSQL) for the transaction.

PostgreSQL, one statement: the ids looked up in the processed table and, for those it has no record of, held
(``CASE``: the lock is tried only where the lookup found nothing). An id held so is looked up once more with a
second statement: its record may have been committed after the first statement's snapshot and before its holder
let go. So a new message costs the two statements it cost before (hold, then look up), a duplicate one. SQLite
(``BEGIN IMMEDIATE`` holds the write lock already): one lookup.

A key of a worker's (``hub.store.keys``: consumer, source system, MessageId) is looked up under its former key
too (consumer and MessageId, as records were written before the source was part of the key), first and without a
lock (nothing writes former keys any more): a record there is the message's, so nothing runs twice across the
upgrade. One statement more per batch while such keys are claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from hub.store.base import Recorded
from hub.store.keys import former_key
from hub.workflow.store import statements as st
from hub.workflow.store.schema import processed_messages

__all__ = ["Claimable", "claimable"]

_CHUNK = 500  # ids per SELECT … IN (well under SQLite's limit on bound parameters)

_LOOK_UP_THEN_HOLD = text(
    f"SELECT i.id, p.outcome, p.reply,"  # noqa: S608 (the table's name, not a value)
    " CASE WHEN p.message_id IS NULL THEN pg_try_advisory_xact_lock(hashtextextended(i.id, 0)) END"
    f" FROM unnest(CAST(:ids AS text[])) AS i(id) LEFT JOIN {processed_messages.name} AS p ON p.message_id = i.id"
)


class Claimable:
    """``recorded``: the records of the ids processed already; ``busy``: those another transaction holds."""

    __slots__ = ("busy", "recorded")

    def __init__(self, recorded: dict[str, Recorded], busy: set[str]) -> None:
        self.recorded, self.busy = recorded, busy


def _record(outcome: Any, reply: Any) -> Recorded:
    return Recorded(str(outcome), None if reply is None else bytes(reply))


def _look_up(connection: Connection, ids: Sequence[str]) -> dict[str, Recorded]:
    found: dict[str, Recorded] = {}
    for start in range(0, len(ids), _CHUNK):
        rows: Any = connection.execute(st.SELECT_RECORDED_MANY, {"mids": list(ids[start:start + _CHUNK])})
        for message_id, outcome, reply in rows:
            found[str(message_id)] = _record(outcome, reply)
    return found


def _recorded_formerly(connection: Connection, message_ids: Sequence[str]) -> dict[str, Recorded]:
    """The records of those of ``message_ids`` recorded under their former keys (``hub.store.keys``)."""
    formers = {message_id: former for message_id in message_ids if (former := former_key(message_id)) is not None}
    if not formers:
        return {}
    earlier = _look_up(connection, list(dict.fromkeys(formers.values())))
    return {message_id: earlier[former] for message_id, former in formers.items() if former in earlier}


def claimable(connection: Connection, message_ids: Sequence[str]) -> Claimable:
    """Look ``message_ids`` up and hold those not recorded for this transaction (see the module docstring)."""
    unique = list(dict.fromkeys(message_ids))
    if not unique:
        return Claimable({}, set())
    found = _recorded_formerly(connection, unique)
    unique = [message_id for message_id in unique if message_id not in found]
    if not unique:
        return Claimable(found, set())
    if connection.dialect.name != "postgresql":
        return Claimable({**found, **_look_up(connection, unique)}, set())
    busy: set[str] = set()
    held: list[str] = []
    for message_id, outcome, reply, locked in connection.execute(_LOOK_UP_THEN_HOLD, {"ids": unique}):
        if outcome is not None:
            found[str(message_id)] = _record(outcome, reply)
        elif locked:
            held.append(str(message_id))
        else:
            busy.add(str(message_id))
    if held:  # recorded since the lookup's snapshot? (committed just before its holder let go)
        found.update(_look_up(connection, held))
    return Claimable(found, busy)
