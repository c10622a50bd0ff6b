"""The work-order store as the worker's processed-message store: the claim *is* the store transaction.

``WorkOrderProcessedStore`` plugs into ``hub.store.process_once`` / ``process_batch_once`` (and the workers built on
them): claiming a message id opens the work-order transaction (``claiming.claimable``: a recorded id is a duplicate,
answered from its record without holding it; an id not recorded is held, and a concurrent claim of it raises
``ClaimBusyError`` on PostgreSQL, waits its turn behind ``BEGIN IMMEDIATE`` on SQLite);
the handler makes its changes through ``store.current_transaction()``; completing the claim inserts the processed
row and commits — the effect and its record in one transaction. A claim released without completion (or whose
effect raised) rolls everything back. No lease is needed: a dead process's transaction ends with its connection.

It is also the batch worker's ``BatchClaims`` (``hub.workers.claims``): ``run_claims`` runs a batch of messages in
one transaction, each effect in a savepoint, records their outcomes and answers with one insert, and commits once.

A message that only reads (``WorkOrderStore.only_reads()``: QueryWorkOrder(s), QueryStatistics) is recorded without
its answer: the fingerprint alone (``hub.workers.fingerprint.unkept``), so a repeat is answered afresh (run again in
a transaction of its own, rolled back: ``attempt``) and an id reused for another document is still refused. Records
are deleted ``[workflow] keep_processed_days`` after they were made (``hub.workflow.store.retention``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import func, select

from hub.store.base import BatchOutcome, ClaimBusyError, ProcessedStore, Recorded
from hub.workers.claims import ClaimEffect, ClaimResult
from hub.workers.fingerprint import unkept
from hub.workflow.store import statements as st
from hub.workflow.store.claiming import claimable
from hub.workflow.store.dialect import READ_ONLY, insert_ignore
from hub.workflow.store.schema import processed_messages
from hub.workflow.store.store import WorkOrderStore
from hub.workflow.store.transaction import WorkOrderTransaction, recorded

__all__ = ["WorkOrderProcessedStore"]


class WorkOrderProcessedStore(ProcessedStore):
    """``max_batch``: how many messages a worker may run in one ``run_claims`` transaction (1: one at a time)."""

    def __init__(self, store: WorkOrderStore, *, max_batch: int = 1) -> None:
        super().__init__(lease_seconds=0.0)  # no lease: the open transaction holds the id
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.store = store
        self.max_batch = max_batch
        self._open: dict[str, tuple[WorkOrderTransaction, Callable[[], None]]] = {}
        self._lock = threading.Lock()

    def _read(self, message_id: str) -> Recorded | None:
        with self.store.engine.connect() as connection, connection.execution_options(**{READ_ONLY: True}).begin():
            return recorded(connection, message_id)

    def recorded(self, message_id: str) -> Recorded | None:
        return self._read(message_id)

    def _former_record(self, message_id: str) -> Recorded | None:
        return None  # looked up with the claim's own (``claiming.claimable``), the batches' too

    def outcome(self, message_id: str) -> str | None:
        found = self._read(message_id)
        return None if found is None else found.outcome

    def reply(self, message_id: str) -> bytes | None:
        found = self._read(message_id)
        return None if found is None else found.reply

    def record(self, message_id: str, outcome: str = "done", *, reply: bytes | None = None) -> bool:
        with self.store.engine.begin() as connection:
            inserted = insert_ignore(connection, processed_messages).values(
                message_id=message_id, outcome=outcome, reply=reply, recorded_at=self.store.clock())
            return connection.execute(inserted.returning(processed_messages.c.message_id)).first() is not None

    def count(self) -> int:
        with self.store.engine.connect() as connection, connection.execution_options(**{READ_ONLY: True}).begin():
            return int(connection.execute(select(func.count()).select_from(processed_messages)).scalar_one())

    def _acquire(self, message_id: str) -> Recorded | None:
        tx = self.store.begin(message_id)
        if tx.duplicate:
            return Recorded(tx.outcome or "", tx.reply)
        with self._lock:
            self._open[message_id] = (tx, self.store.make_current(tx))
        return None

    def attempt(self, message_id: str) -> AbstractContextManager[None]:
        """A savepoint in the claim's transaction: a failed attempt's rows go, the next one starts clean. A repeat
        run without a claim (a read, or an audited request, whose answer was not kept) gets a transaction of its
        own, rolled back at the end: it records nothing anew."""
        with self._lock:
            opened = self._open.get(message_id)
        return self._unclaimed() if opened is None else opened[0].savepoint("attempt")

    @contextmanager
    def _unclaimed(self) -> Iterator[None]:
        tx = self.store.begin(None)
        leave = self.store.make_current(tx)
        try:
            yield
        finally:
            try:
                self.store.finish(tx, commit=False)
            finally:
                leave()

    def _finish(self, message_id: str, outcome: str | None, reply: bytes | None = None) -> None:
        with self._lock:
            tx, leave = self._open.pop(message_id)
        try:
            if outcome is None:
                self.store.finish(tx, commit=False)
            else:
                tx.complete(outcome, reply=reply if tx.keeps_answer else unkept(reply))
                self.store.finish(tx, commit=True)
        finally:
            leave()

    def run_batch(self, items: Sequence[tuple[str, Callable[[], str]]]) -> list[BatchOutcome]:
        """The whole batch in one transaction (one commit), each effect in a savepoint: an effect that raises
        undoes only its own changes. Effects reach the transaction through ``store.current_transaction()``.
        The batch's ids are looked up (processed already?) and those not recorded held (``claiming``)."""
        try:
            tx = self.store.begin(None)
        except ClaimBusyError:
            return [BatchOutcome(message_id, busy=True) for message_id, _ in items]
        leave = self.store.make_current(tx)
        try:
            claims = claimable(tx.db, [message_id for message_id, _ in items])
            busy, known = claims.busy, {mid: rec.outcome for mid, rec in claims.recorded.items()}
            done: dict[str, str] = {}
            results = [self._run_one(tx, message_id, effect, busy, known, done) for message_id, effect in items]
            if done:
                now = self.store.clock()
                tx.db.execute(st.INSERT_PROCESSED, [
                    {"message_id": mid, "outcome": outcome, "reply": None, "recorded_at": now}
                    for mid, outcome in done.items()
                ])
        except BaseException:
            self.store.finish(tx, commit=False)
            raise
        else:
            self.store.finish(tx, commit=True)
        finally:
            leave()
        return results

    @staticmethod
    def _run_one(tx: WorkOrderTransaction, message_id: str, effect: Callable[[], str], busy: set[str],
                 known: dict[str, str], done: dict[str, str]) -> BatchOutcome:
        if message_id in busy:
            return BatchOutcome(message_id, busy=True)
        prior = done.get(message_id, known.get(message_id))
        if prior is not None:
            return BatchOutcome(message_id, duplicate=True, outcome=prior)
        try:
            with tx.savepoint():
                outcome = effect()
        except Exception as exc:
            return BatchOutcome(message_id, error=exc)
        done[message_id] = outcome
        return BatchOutcome(message_id, ran=True, outcome=outcome)

    def run_claims(self, items: Sequence[tuple[str, ClaimEffect]],
                   before_commit: Callable[[], None]) -> list[ClaimResult]:
        """``BatchClaims.run_claims``: one transaction, a savepoint per effect, the history rows of each effect
        carrying its own message id; the outcomes and answers inserted with one statement, then
        ``before_commit()``, then one commit. Anything raised outside an effect rolls the whole batch back."""
        tx = self.store.begin(None)  # ClaimBusyError: the whole batch is busy
        leave = self.store.make_current(tx)
        try:
            claims = claimable(tx.db, [message_id for message_id, _ in items])
            busy, known = claims.busy, claims.recorded
            done: dict[str, Recorded] = {}
            results = [self._claim_one(tx, message_id, effect, busy, known, done) for message_id, effect in items]
            tx.message_id = None
            if done:
                now = self.store.clock()
                tx.db.execute(st.INSERT_PROCESSED, [
                    {"message_id": mid, "outcome": rec.outcome, "reply": rec.reply, "recorded_at": now}
                    for mid, rec in done.items()
                ])
            tx.write_held_additions()  # before the confirms: a statement refused here sends nothing
            before_commit()
        except BaseException:
            tx.message_id = None
            self.store.finish(tx, commit=False)
            raise
        else:
            self.store.finish(tx, commit=True)
        finally:
            leave()
        return results

    @staticmethod
    def _claim_one(tx: WorkOrderTransaction, message_id: str, effect: ClaimEffect, busy: set[str],
                   known: dict[str, Recorded], done: dict[str, Recorded]) -> ClaimResult:
        if message_id in busy:
            return ClaimResult(message_id, busy=True)
        prior = done.get(message_id) or known.get(message_id)
        if prior is not None:
            return ClaimResult(message_id, duplicate=True, outcome=prior.outcome, reply=prior.reply)
        tx.message_id = message_id  # the history rows of this effect name its message
        try:
            with tx.savepoint("claim"):
                outcome, reply = effect()
            kept = tx.keeps_answer
        except Exception as exc:
            return ClaimResult(message_id, error=exc)
        finally:
            tx.message_id, tx.keeps_answer = None, True
        done[message_id] = Recorded(outcome, reply if kept else unkept(reply))  # the answer sent: ``reply``
        return ClaimResult(message_id, ran=True, outcome=outcome, reply=reply)
