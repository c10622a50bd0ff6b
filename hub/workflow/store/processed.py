"""The work-order store as the worker's processed-message store: the claim *is* the store transaction.

``WorkOrderProcessedStore`` plugs into ``hub.store.process_once`` / ``process_batch_once`` (and the workers built on
them): claiming a message id opens the work-order transaction (``dialect.lock_message`` holds the id: a concurrent
claim of the same id raises ``ClaimBusyError`` on PostgreSQL, waits its turn behind ``BEGIN IMMEDIATE`` on SQLite);
the handler makes its changes through ``store.current_transaction()``; completing the claim inserts the processed
row and commits — the effect and its record in one transaction. A claim released without completion (or whose
effect raised) rolls everything back. No lease is needed: a dead process's transaction ends with its connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from sqlalchemy import func, select

from hub.store.base import BatchOutcome, ClaimBusyError, ProcessedStore, Recorded
from hub.workflow.store.dialect import READ_ONLY, insert_ignore, lock_message
from hub.workflow.store.schema import processed_messages
from hub.workflow.store.store import WorkOrderStore
from hub.workflow.store.transaction import WorkOrderTransaction, recorded

__all__ = ["WorkOrderProcessedStore"]


class WorkOrderProcessedStore(ProcessedStore):
    def __init__(self, store: WorkOrderStore) -> None:
        super().__init__(lease_seconds=0.0)  # no lease: the open transaction holds the id
        self.store = store
        self._open: dict[str, tuple[WorkOrderTransaction, Callable[[], None]]] = {}
        self._lock = threading.Lock()

    def _read(self, message_id: str) -> Recorded | None:
        with self.store.engine.connect() as connection, connection.execution_options(**{READ_ONLY: True}).begin():
            return recorded(connection, message_id)

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
            self._open[message_id] = (tx, self.store._enter(tx))
        return None

    def _finish(self, message_id: str, outcome: str | None, reply: bytes | None = None) -> None:
        with self._lock:
            tx, leave = self._open.pop(message_id)
        try:
            if outcome is None:
                self.store.finish(tx, commit=False)
            else:
                tx.complete(outcome, reply=reply)
                self.store.finish(tx, commit=True)
        finally:
            leave()

    def run_batch(self, items: Sequence[tuple[str, Callable[[], str]]]) -> list[BatchOutcome]:
        """The whole batch in one transaction (one commit), each effect in a savepoint: an effect that raises
        undoes only its own changes. Effects reach the transaction through ``store.current_transaction()``."""
        results: list[BatchOutcome] = []
        try:
            tx = self.store.begin(None)
        except ClaimBusyError:
            return [BatchOutcome(message_id, busy=True) for message_id, _ in items]
        leave = self.store._enter(tx)
        try:
            done: dict[str, str] = {}
            for message_id, effect in items:
                results.append(self._run_one(tx, message_id, effect, done))
            if done:
                tx.db.execute(processed_messages.insert(), [
                    {"message_id": mid, "outcome": outcome, "reply": None, "recorded_at": self.store.clock()}
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
    def _run_one(tx: WorkOrderTransaction, message_id: str, effect: Callable[[], str],
                 done: dict[str, str]) -> BatchOutcome:
        if message_id in done:
            return BatchOutcome(message_id, duplicate=True, outcome=done[message_id])
        if not lock_message(tx.db, message_id):
            return BatchOutcome(message_id, busy=True)
        prior = recorded(tx.db, message_id)
        if prior is not None:
            return BatchOutcome(message_id, duplicate=True, outcome=prior.outcome)
        try:
            with tx.savepoint():
                outcome = effect()
        except Exception as exc:
            return BatchOutcome(message_id, error=exc)
        done[message_id] = outcome
        return BatchOutcome(message_id, ran=True, outcome=outcome)
