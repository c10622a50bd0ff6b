"""The worker's batch mode: a batch of deliveries in one store transaction, its confirms awaited once per batch.

For a consumer whose effects are local to its store (the workflow: ``WorkOrderProcessedStore`` is ``BatchClaims``),
``Worker`` consumes with ``Broker.consume_batches`` and hands each batch to ``BatchRun.handle``:

1. each delivery decoded and its handler found (an undecodable or unknown one goes the single-message way);
2. ``run_claims``: one transaction; per message a savepoint, one attempt of the handler (its sends held:
   ``Outbound.deferred_confirms``; a failed handler's sends never leave), the outcome and answer recorded;
   duplicates skipped and answered from their record; then the sends of the handlers that succeeded published,
   in order, and their confirms awaited together, then one commit;
3. the answers of the batch (ran or duplicate) published to their reply-to together, their confirms awaited;
4. acks (a request whose answer the broker did not take is requeued: its redelivery answers from the record);
   steps 3 and 4 are ``hub.workers.batch_answers``;
5. the messages whose handler raised, after the others are settled: a transient failure goes the single-message
   way (``Worker.handle``: claim, in-process retries, RETRY/DEAD/WAIT), a permanent or held-back one is settled
   from the batch's attempt (``Processor.failed``: dead-lettered or waiting, not run again). A message held by
   another transaction (PostgreSQL) goes the single-message way too (BUSY).

A batch's transaction takes handlers for ``budget`` seconds at most (2 s; at least one message): the messages
after it go into the next transaction of the same batch, so the answers of the first ones do not wait for the
whole batch (a handler waiting for a slow system, such as a tier lookup from BOSS, would otherwise hold every
answer of the batch past its requester's reply timeout). A failing handler's savepoint undoes its changes only: the
batch's other effects commit. If the batch cannot
commit (a confirm missing, the database, the whole batch busy), nothing of it is recorded and every delivery goes
the single-message way, which re-sends the same derived ids (receivers drop copies). The guarantees of the
single-message path thus hold for each message: effect and record in one transaction, once per id, acked only
after the commit (and after its answer's confirm).
"""

from __future__ import annotations

import logging
import time
from contextlib import AbstractContextManager, nullcontext

from hub.routing.confirms import PendingConfirms
from hub.transport.message import Delivery
from hub.workers.batch_answers import BatchItem, Settling, answer_committed
from hub.workers.claims import BatchClaims, ClaimEffect, ClaimResult
from hub.workers.fingerprint import seal

__all__ = ["DEFAULT_BUDGET", "BatchRun", "OverBudget"]

log = logging.getLogger("onepoint.worker")
DEFAULT_BUDGET = 2.0  # seconds: far inside a request route's reply timeout (the workflow's: 15 s)


class OverBudget(Exception):
    """A message of a batch left for the batch's next transaction: the time budget of this one ran out."""


class _Budget:
    """The handlers' time of one transaction: it starts with its first handler (not while the transaction waited
    for the database's lock), which always runs."""

    __slots__ = ("_ends", "_seconds")

    def __init__(self, seconds: float) -> None:
        self._seconds, self._ends = seconds, 0.0

    def take(self) -> bool:
        """Whether one more handler may run in this transaction."""
        now = time.monotonic()
        if not self._ends:
            self._ends = now + self._seconds
            return True
        return now <= self._ends


class BatchRun:
    """Handles the batches of one ``Worker`` whose store runs batches of claims (see the module docstring)."""

    def __init__(self, worker: Settling, claims: BatchClaims, confirm_timeout: float,
                 budget: float = DEFAULT_BUDGET) -> None:
        self.worker = worker
        self.claims = claims
        self.confirm_timeout = confirm_timeout
        self.budget = budget  # seconds of handlers per transaction (its answers wait for its commit)

    def handle(self, deliveries: list[Delivery]) -> None:
        """The batch consumer's callback: every delivery settled. Never raises (but ``BaseException``)."""
        processor = self.worker.processor
        items: list[BatchItem] = []
        alone: list[Delivery] = []
        for delivery in deliveries:
            try:
                envelope, spec = processor.resolve(delivery.message)
            except Exception:
                alone.append(delivery)  # dead-lettered by the single path, with its reason
                continue
            items.append(BatchItem(delivery, envelope, spec))
        if len(items) <= 1:
            alone = list(deliveries)  # nothing to share: the single path as before
            items = []
        later: list[tuple[BatchItem, ClaimResult]] = []
        while items:  # a transaction per share of the batch its time budget allows (at least one message each)
            if self.worker.stopping:
                alone = [item.delivery for item in items] + alone  # returned below, not begun
                break
            try:
                results = self._run(items)
            except Exception as exc:
                log.warning("batch not committed; each message on its own", extra={
                    "consumer": self.worker.consumer, "deliveries": len(items),
                    "error": f"{type(exc).__name__}: {exc}"})
                alone = [item.delivery for item in items] + alone
                break
            over = [i for i, result in enumerate(results) if isinstance(result.error, OverBudget)]
            cut = over[0] if over else len(items)
            # answered now, not after the whole batch
            later += answer_committed(self.worker, items[:cut], results[:cut], self.confirm_timeout)
            items = items[cut:]
        for delivery in alone:
            self._alone(delivery)
        for item, result in later:
            self._settle_failed(item, result)

    def _alone(self, delivery: Delivery) -> None:
        """The single path for one delivery, or back to its queue when the worker is stopping: each message
        alone can take a while (a broker that blocks publishing: its confirm, then its retry copy's, awaited), and
        a stop must not wait for a whole batch of them (the audit: 354 s for 5 complaints, ~30 min for 32)."""
        if self.worker.stopping:
            delivery.nack(requeue=True)
            self.worker.count("requeued")
        else:
            self.worker.handle(delivery)

    def _run(self, items: list[BatchItem]) -> list[ClaimResult]:
        """One transaction over ``items``: those the time budget leaves out end with ``OverBudget`` (not run)."""
        budget = _Budget(self.budget)  # this transaction's own (a worker may run batches on several threads)
        outbound = self.worker.processor.outbound
        scope: AbstractContextManager[PendingConfirms | None] = (
            outbound.deferred_confirms() if outbound is not None else nullcontext(None))
        with scope as pending:
            def before_commit() -> None:
                if pending is not None:
                    pending.wait(self.confirm_timeout)

            return self.claims.run_claims(
                [(self.worker.processor.key(item.envelope), self._effect(item, pending, budget))
                 for item in items],
                before_commit)

    def _effect(self, item: BatchItem, pending: PendingConfirms | None, budget: _Budget) -> ClaimEffect:
        processor = self.worker.processor

        def effect() -> tuple[str, bytes | None]:
            if not budget.take():
                raise OverBudget(item.envelope.message_id)
            try:
                done = processor.run_handler(item.spec, item.envelope, item.delivery.message)
            except BaseException:
                if pending is not None:
                    pending.discard(item.envelope.message_id)  # undone: its sends never leave
                raise
            if pending is not None:
                pending.release(item.envelope.message_id)  # published and confirmed before the commit
            outcome, answer = done
            return outcome, seal(answer, item.envelope, commands=processor.store.keeps_fingerprints,
                                 kept=item.envelope.command_type not in processor.audited)

        return effect

    def _settle_failed(self, item: BatchItem, result: ClaimResult) -> None:
        """A handler that raised in the batch (its changes undone): a transient failure is retried the single
        way (in-process retries first); a permanent or held-back one is settled from this attempt."""
        error = result.error
        if error is None or self.worker.processor.classifier(error).retried_now:
            self._alone(item.delivery)
            return
        self.worker.settle(item.delivery, self.worker.processor.failed(item.delivery.message, error, item.envelope))
