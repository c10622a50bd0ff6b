"""PostgreSQL processed-message store: the adapters' workers of every machine share one record of what they processed.

The SQLite store (``hub.store.sqlite``) is a file in a worker's working folder, so two workers of one consumer on two
machines each keep their own: a request resent with the same MessageId that reaches the other machine runs again.
This store keeps the records of every consumer in one table (``hub.store.postgres_schema``), keyed by
``(consumer, message_id)``, with the same contract as the SQLite store:

* A claim is a row ``state='claimed'`` with a lease (``lease_until``) and its process (``owner``), written by one
  autocommit ``INSERT … ON CONFLICT DO NOTHING`` (the common case, an id never seen: one statement). No transaction
  stays open while the effect runs. An id already present is read without a lock: a record (``state='done'``) is a
  duplicate, answered with its outcome and reply; a claim whose lease runs and whose owner is not known to be gone is
  busy (``ClaimBusyError``); an ended claim is taken over by a compare-and-set ``UPDATE`` on the lease and owner read,
  so of two workers taking it over at once one wins and the other finds it busy.
* ``complete`` writes the outcome and the answer in one upsert, which never overwrites a record already there. An
  outcome whose write cannot reach the database (a restart, a failover) is written again until the database answers
  (``hub.store.postgres_recording``): the message is kept meanwhile and its claim's lease renewed, so its effect, done
  once, is not taken over and done again. The retry reads the record a lost COMMIT answer left and writes no other.
* Leases are renewed while the effect runs (``_renew``, the store's ``LeaseKeeper``); the times are the database
  server's, so workers whose clocks differ agree on when a lease ends.
* ``run_batch`` runs the batch in one transaction (``hub.store.postgres_batch``).

Records are deleted after ``keep_seconds`` by ``hub.store.postgres_retention`` (the store the workers open).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Engine

from hub.observability.quiet import short_reason
from hub.store import owner as owners
from hub.store.base import DEFAULT_LEASE_SECONDS, BatchOutcome, ClaimBusyError, ProcessedStore, Recorded
from hub.store.postgres_batch import run_batch
from hub.store.postgres_recording import OutcomeRecorder
from hub.store.postgres_rows import CHUNK, held, look_row, of_consumer
from hub.store.postgres_schema import PROCESSED as T
from hub.store.postgres_schema import create_processed_engine, create_table
from hub.transport.urls import redacted

__all__ = ["PostgresProcessedStore", "ProcessedStoreUnavailable"]

_TRIES = 3  # an id released or taken over between two statements is looked at again, this often at most


class ProcessedStoreUnavailable(RuntimeError):
    """The shared store's database could not be opened (unreachable, refused, no such database)."""


class PostgresProcessedStore(ProcessedStore):
    """The records of ``consumer`` in the shared table of ``engine``'s database; thread-safe (a connection pool)."""

    renews_leases = True

    def __init__(self, engine: Engine, consumer: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> None:
        if not consumer:
            raise ValueError("a shared processed store needs the consumer whose records it keeps")
        super().__init__(lease_seconds)
        self.engine = engine
        self.consumer = consumer
        self._auto = engine.execution_options(isolation_level="AUTOCOMMIT")  # one statement, one transaction
        self._owner = owners.owner()
        # what a claim that cannot reach the database raises instead of the driver's error (None: that error), set
        # by hub.system.store_outage: the message waits while the store's probe fails
        self.outage: Callable[[Exception], Exception | None] | None = None
        self._closing = threading.Event()  # ends the wait of an outcome for the database (``close``)
        self._recorder = OutcomeRecorder(consumer, self._closing, reason=self._outage_reason)
        create_table(engine)

    @classmethod
    def open(cls, url: str, consumer: str, **options: Any) -> Self:
        """A store on the database at ``url`` (``postgresql://`` or ``postgresql+psycopg://``)."""
        engine = create_processed_engine(url)
        try:
            return cls(engine, consumer, **options)
        except sa.exc.SQLAlchemyError as exc:  # one line naming the store (without its password) and the reason
            engine.dispose()
            reason = getattr(exc, "orig", None) or exc
            first_line = (str(reason).strip().splitlines() or [""])[0]
            raise ProcessedStoreUnavailable(f"the processed store {redacted(url)} cannot be opened: "
                                            f"{type(reason).__name__}: {first_line}") from None
        except BaseException:
            engine.dispose()
            raise

    def _mine(self, message_id: str | None = None) -> sa.ColumnElement[bool]:
        return of_consumer(self.consumer, message_id)

    def _lease_end(self) -> sa.ColumnElement[Any]:
        return sa.func.now() + sa.literal(timedelta(seconds=self.lease_seconds), sa.Interval)

    def _done(self, message_id: str, column: sa.Column[Any]) -> Any:
        with self._auto.connect() as db:
            return db.execute(sa.select(column).where(self._mine(message_id), T.c.state == "done")).first()

    def outcome(self, message_id: str) -> str | None:
        row = self._done(message_id, T.c.outcome)
        return None if row is None else str(row[0])

    def reply(self, message_id: str) -> bytes | None:
        row = self._done(message_id, T.c.reply)
        return None if row is None or row[0] is None else bytes(row[0])

    def recorded(self, message_id: str) -> Recorded | None:
        with self._auto.connect() as db:
            found = sa.select(T.c.outcome, T.c.reply).where(self._mine(message_id), T.c.state == "done")
            row = db.execute(found).first()
        return None if row is None else Recorded(str(row[0]), None if row[1] is None else bytes(row[1]))

    def _record_statement(self, message_id: str, outcome: str, reply: bytes | None) -> Any:
        """Insert the record, or turn a claim into it; a record already there stays (no row returned)."""
        insert = pg_insert(T).values(consumer=self.consumer, message_id=message_id, state="done", outcome=outcome,
                                     reply=reply, lease_until=None, updated_at=sa.func.now(), owner=self._owner)
        return insert.on_conflict_do_update(
            index_elements=[T.c.consumer, T.c.message_id],
            set_={"state": "done", "outcome": insert.excluded.outcome, "reply": insert.excluded.reply,
                  "lease_until": None, "updated_at": insert.excluded.updated_at, "owner": insert.excluded.owner},
            where=T.c.state == "claimed",
        ).returning(T.c.message_id)

    def record(self, message_id: str, outcome: str = "done", *, reply: bytes | None = None) -> bool:
        with self._auto.connect() as db:
            return db.execute(self._record_statement(message_id, outcome, reply)).first() is not None

    def _acquire(self, message_id: str) -> Recorded | None:
        try:
            return self._claim_one(message_id)
        except sa.exc.OperationalError as exc:
            self._raise_outage(exc)
            raise

    def _former_record(self, message_id: str) -> Recorded | None:
        """A claim's first statement: a database that cannot be reached makes the message wait (``outage``), as
        ``_acquire``'s does."""
        try:
            return super()._former_record(message_id)
        except sa.exc.OperationalError as exc:
            self._raise_outage(exc)
            raise

    def _raise_outage(self, exc: Exception) -> None:
        """Raise what the ``outage`` hook makes of a database that cannot be reached (a message that waits), if any."""
        instead = None if self.outage is None else self.outage(exc)
        if instead is not None:
            raise instead from exc

    def _outage_reason(self, exc: Exception) -> str:
        """Why the database cannot be reached: the ``outage`` hook's word (its probe's reason) when it knows it down."""
        instead = None if self.outage is None else self.outage(exc)
        return short_reason(exc) if instead is None else str(instead)

    def _claim_one(self, message_id: str) -> Recorded | None:
        claim = (pg_insert(T).values(consumer=self.consumer, message_id=message_id, state="claimed",
                                     lease_until=self._lease_end(), updated_at=sa.func.now(), owner=self._owner)
                 .on_conflict_do_nothing().returning(T.c.message_id))
        with self._auto.connect() as db:
            for _ in range(_TRIES):
                if db.execute(claim).first() is not None:
                    return None  # a new id: claimed
                row = db.execute(look_row(self._mine(message_id))).first()
                if row is None:
                    continue  # its claim was released meanwhile: claim it anew
                if row.state == "done":
                    return Recorded(str(row.outcome), None if row.reply is None else bytes(row.reply))
                if held(row):
                    raise ClaimBusyError(message_id)
                if self._take_over(db, message_id, row):
                    return None
        raise ClaimBusyError(message_id)  # it kept changing hands under us: another worker is at it

    def _take_over(self, db: Connection, message_id: str, seen: Any) -> bool:
        """Claim an ended claim, unless another worker changed it since it was read (compare and set)."""
        taken = db.execute(
            T.update()
            .where(self._mine(message_id), T.c.state == "claimed",
                   T.c.lease_until.is_not_distinct_from(seen.lease_until), T.c.owner.is_not_distinct_from(seen.owner))
            .values(lease_until=self._lease_end(), updated_at=sa.func.now(), owner=self._owner)
            .returning(T.c.message_id)
        ).first()
        return taken is not None

    def _renew(self, message_ids: Sequence[str]) -> None:
        with self._auto.connect() as db:
            for start in range(0, len(message_ids), CHUNK):
                db.execute(T.update()
                           .where(self._mine(), T.c.state == "claimed", T.c.owner == self._owner,
                                  T.c.message_id.in_(list(message_ids[start:start + CHUNK])))
                           .values(lease_until=self._lease_end()))

    def _finish(self, message_id: str, outcome: str | None, reply: bytes | None = None) -> Recorded | None:
        if outcome is None:  # released: only this process's claim (one taken over since is another's)
            with self._auto.connect() as db:
                db.execute(T.delete().where(self._mine(message_id), T.c.state == "claimed", T.c.owner == self._owner))
            return None
        try:  # the effect is done: its outcome is written until the database takes it (hub.store.postgres_recording)
            return self._recorder.record(message_id, lambda: self._write_record(message_id, outcome, reply))
        except sa.exc.OperationalError as exc:  # the store closed before the database answered: nothing recorded
            self._raise_outage(exc)
            raise

    def _write_record(self, message_id: str, outcome: str, reply: bytes | None) -> Recorded:
        """Write the record once; the record the id has now. Idempotent: a record already there is kept and read
        (ours, if an earlier write's COMMIT went through and only its answer was lost; or another worker's)."""
        with self._auto.connect() as db:
            if db.execute(self._record_statement(message_id, outcome, reply)).first() is not None:
                return Recorded(outcome, reply)
            row = db.execute(look_row(self._mine(message_id))).first()
        if row is None or row.state != "done":  # purged since (days later): the outcome given is the record
            return Recorded(outcome, reply)
        return Recorded(str(row.outcome), None if row.reply is None else bytes(row.reply))

    def run_batch(self, items: Sequence[tuple[str, Callable[[], str]]]) -> list[BatchOutcome]:
        """The whole batch in one transaction (``hub.store.postgres_batch``); the effects run while it is open, so
        they must be local and short."""
        if not items:
            return []
        with self.engine.begin() as db:
            return run_batch(db, self.consumer, self._owner, items)

    def count(self) -> int:
        with self._auto.connect() as db:
            query = sa.select(sa.func.count()).select_from(T).where(self._mine(), T.c.state == "done")
            return int(db.execute(query).scalar_one())

    def close(self) -> None:
        self._closing.set()  # an outcome waiting for the database is given up (not recorded: the message comes back)
        super().close()  # the lease keeper first: it uses the pool too
        self.engine.dispose()
