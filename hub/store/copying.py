"""``copy_processed``: one consumer's processed-message records of a machine's SQLite file
(``onepoint-<consumer>.sqlite3``, in a worker's working folder) carried into the shared PostgreSQL store
(``[workers] processed_store``) at the switch from one hub to several (``onepoint processed copy``).

Without them, a request a caller sends again across the switch (a ``SyncHLR`` it had no answer to, resent with the
same MessageId) or a dead letter replayed after it reaches a worker on the shared store as a new message and is
carried out again (BOSS synced twice); with them it is answered from the record, as on the old machine. What is
copied:

* **every record of a message carried out** (``state = 'done'``: its outcome and, for a request, its answer), its
  time kept, so the shared store's retention purges it when the file's would have;
* **not a claim** (``state = 'claimed'``): a worker stopped in the middle of that message, which the broker
  redelivers and a worker then carries out (the effect and its record never both happened);
* **not over a record the shared store holds** for that consumer and id: a worker on it carried that message out
  since the switch, and its record is the newer; **over a claim** there (a worker on the shared store took the
  redelivered message and stopped, or is at it): the file says the message was carried out, so its next delivery
  is answered from that record instead of being carried out again.

In transactions of ``BATCH`` records; copying a file twice changes nothing, so a copy broken off midway is finished
by running it again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

from hub.store.postgres_schema import PROCESSED, create_table

__all__ = ["BATCH", "ProcessedCopied", "copy_processed", "records_in"]

BATCH = 2_000  # records a transaction copies
_DONE = "SELECT message_id, outcome, reply, updated_at FROM processed_messages WHERE state = 'done' ORDER BY rowid"
_CLAIMS = "SELECT count(*) FROM processed_messages WHERE state = 'claimed'"


@dataclass
class ProcessedCopied:
    copied: int = 0  # records taken from the file (over a claim of the shared store too)
    kept: int = 0  # records the shared store held already (carried out there since the switch)
    claims: int = 0  # claims in the file, not copied (their messages are redelivered)


def records_in(file: sqlite3.Connection) -> bool:
    """Whether ``file`` is a SQLite processed-message store (its table is there)."""
    found = file.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'processed_messages'")
    return found.fetchone() is not None


def _record(consumer: str, row: tuple[object, ...]) -> dict[str, object]:
    message_id, outcome, reply, updated_at = row
    return {"consumer": consumer, "message_id": str(message_id), "state": "done", "outcome": outcome,
            "reply": reply, "lease_until": None, "owner": None,
            "updated_at": datetime.fromtimestamp(float(updated_at), UTC)}  # type: ignore[arg-type]


def copy_processed(file: sqlite3.Connection, shared: Engine, consumer: str) -> ProcessedCopied:
    """Copy ``consumer``'s records of ``file`` (read only) into ``shared`` (its table created); see the module."""
    create_table(shared)
    copied = ProcessedCopied(claims=int(file.execute(_CLAIMS).fetchone()[0]))
    insert = postgresql.insert(PROCESSED)
    statement = insert.on_conflict_do_update(
        index_elements=[PROCESSED.c.consumer, PROCESSED.c.message_id],
        set_={"state": insert.excluded.state, "outcome": insert.excluded.outcome, "reply": insert.excluded.reply,
              "lease_until": None, "owner": None, "updated_at": insert.excluded.updated_at},
        where=PROCESSED.c.state == "claimed").returning(PROCESSED.c.message_id)
    cursor = file.execute(_DONE)
    while batch := cursor.fetchmany(BATCH):
        with shared.begin() as db:
            added = len(db.execute(statement, [_record(consumer, row) for row in batch]).all())
        copied.copied += added
        copied.kept += len(batch) - added
    return copied
