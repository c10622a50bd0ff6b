"""``Worker``: consumes one consumer queue and settles each delivery according to the ``Processor``.

Settlement rules (nothing accepted is lost, nothing is applied twice):

* **ACK** only after the handler returned and its outcome is recorded (committed) in the processed store;
  a duplicate (id already recorded) is acked without running the handler. A request's answer (recorded
  with the outcome) is sent to its reply-to first, and for a duplicate sent again; if the broker does not
  take the answer the request is requeued, and its redelivery sends the recorded answer.
* **RETRY** / **DEAD** / **BUSY** / **WAIT**: a copy is published (to the delay tier, or to the consumer's DLQ
  through the dead-letter exchange; a WAIT copy, whose system is down, to the tier nearest its ``retry_in``
  with no trip or attempt counted: ``hub.workers.waiting``) and the original is acked only once the broker
  *confirmed* the copy. If the copy cannot be published, the original is requeued (``nack``): it comes back,
  and at worst the copy exists twice, which the store's idempotency absorbs (the copies: ``hub.workers.copies``).
* A hub's command for a work order that is dead-lettered, or carried out on its replay from a DLQ, is told to its
  work order (``hub.workers.dead_letter_notes``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from hub.observability.metrics import Metrics
from hub.routing.broker_router import REPLAYED
from hub.routing.outbound import Outbound
from hub.store.base import ProcessedStore
from hub.transport.broker import Broker
from hub.transport.consumer import Consumer
from hub.transport.message import Delivery, Message
from hub.workers import headers as h
from hub.workers.batch import DEFAULT_BUDGET, BatchRun
from hub.workers.claims import BatchClaims
from hub.workers.classify import Classifier
from hub.workers.copies import dead_letter_copy, retry_copy
from hub.workers.dead_letter_notes import DeadLetterNotes
from hub.workers.processor import Action, Decision, Processor
from hub.workers.registry import HandlerRegistry
from hub.workers.requester_notices import DEAD_LETTERED, RequesterNotices
from hub.workers.retry import RetryPolicy, max_total_attempts
from hub.workers.waiting import MAX_HOLD, wait_copy

__all__ = ["DEAD_LETTERED", "Worker", "dead_letter_copy", "retry_copy"]

log = logging.getLogger("onepoint.worker")


class Worker:
    """Runs the handlers of ``consumer`` (``boss``, ``crm``, ...) on its queue. Use as a context manager.

    Batch mode (``hub.workers.batch``): when ``store`` runs batches of claims (``BatchClaims``, the work-order
    store) and ``max_batch`` (default: the store's ``max_batch``) is above 1, the worker consumes batches of up
    to ``max_batch`` waiting deliveries, with a prefetch of at least twice that, a transaction taking handlers for
    ``batch_budget`` seconds at most (the rest of the batch in the next one); otherwise one at a time.
    """

    def __init__(
        self,
        broker: Broker,
        consumer: str,
        registry: HandlerRegistry,
        *,
        store: ProcessedStore,
        dependencies: Mapping[str, Any] | None = None,
        policy: RetryPolicy | None = None,
        classifier: Classifier | None = None,
        metrics: Metrics | None = None,
        outbound: Outbound | None = None,
        prefetch: int = 16,
        concurrency: int = 1,
        confirm_timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        max_batch: int | None = None,
        batch_budget: float = DEFAULT_BUDGET,
    ) -> None:
        config = broker.config
        if consumer not in config.consumers:
            raise ValueError(f"unknown consumer {consumer!r}; the topology has {config.consumers}")
        self.broker = broker
        self.consumer = consumer
        self.queue = config.queue(consumer)
        self.metrics = metrics
        self.tiers = tuple(t.name for t in config.delay_tiers)
        self.processor = Processor(
            consumer, registry, store, tiers=self.tiers, delays=tuple(t.ttl_ms / 1000 for t in config.delay_tiers),
            dependencies=dependencies, policy=policy,
            classifier=classifier, metrics=metrics, outbound=outbound, confirm_timeout=confirm_timeout, sleep=sleep,
        )
        self.max_attempts = max_total_attempts(self.processor.policy, len(self.tiers))
        self.notes = DeadLetterNotes(outbound, consumer)  # a work order told of its command's dead letter
        self.requesters = RequesterNotices(broker, self.processor, consumer, confirm_timeout)  # callers told early
        self._prefetch = prefetch
        self._concurrency = concurrency
        self._confirm_timeout = confirm_timeout
        self._sleep = sleep
        self._consumer: Consumer | None = None
        self.stopping = False  # stop() was called: a batch returns what it has not begun (``hub.workers.batch``)
        claims = store if isinstance(store, BatchClaims) else None
        self.max_batch = 1 if claims is None else max(1, claims.max_batch if max_batch is None else max_batch)
        self._batch = (BatchRun(self, claims, confirm_timeout, batch_budget)
                       if claims is not None and self.max_batch > 1 else None)

    @property
    def confirm_timeout(self) -> float:
        return self._confirm_timeout

    def start(self) -> Worker:
        if self._consumer is None:
            self.stopping = False
            if self.metrics is not None:
                self.metrics.track_broker(self.broker.ready)
            if self._batch is not None:
                self._consumer = self.broker.consume_batches(
                    self.queue, self.handle_batch, max_batch=self.max_batch,
                    prefetch=max(self._prefetch, 2 * self.max_batch), concurrency=self._concurrency)
            else:
                self._consumer = self.broker.consume(
                    self.queue, self.handle, prefetch=self._prefetch, concurrency=self._concurrency
                )
            log.info("worker started", extra={"consumer": self.consumer, "queue": self.queue,
                                              "max_attempts": self.max_attempts, "max_batch": self.max_batch})
        return self

    def stop(self) -> None:
        """Stop consuming; running handlers finish, unsettled deliveries return to the queue."""
        self.stopping = True
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer.close()

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- one delivery ---------------------------------------------------------------------------------
    def handle(self, delivery: Delivery) -> None:
        """The consumer callback: process, then settle. Never raises."""
        self.settle(delivery, self.processor.process(delivery.message))

    def handle_batch(self, deliveries: list[Delivery]) -> None:
        """The batch consumer's callback (batch mode: ``hub.workers.batch``; otherwise one at a time)."""
        if self._batch is None:
            for delivery in deliveries:
                self.handle(delivery)
        else:
            self._batch.handle(deliveries)

    def settle(self, delivery: Delivery, decision: Decision) -> None:
        """Turn the processor's decision into broker operations (see the module docstring)."""
        message = delivery.message
        config = self.broker.config
        if decision.action is Action.ACK:
            if decision.reply is not None and message.reply_to and not self._answer(delivery, decision.reply,
                                                                                      replayed=decision.duplicate):
                return
            delivery.ack()
            self._count("duplicate" if decision.duplicate else "processed")
            if not decision.duplicate:
                self.notes.carried_out(message)
        elif decision.action is Action.RETRY:
            assert decision.tier is not None
            if self._forward(delivery, config.delay_exchange(decision.tier), retry_copy(message, self.queue, decision)):
                self._count("retried")
                if self.metrics is not None:
                    self.metrics.retried(self.consumer, decision.tier)
                self.requesters.retrying(message, decision)
        elif decision.action is Action.DEAD:
            copy = dead_letter_copy(message, self.queue, decision)
            if self._forward(delivery, config.dead_letter_exchange, copy):
                self._count("dead_lettered")
                if self.metrics is not None:
                    self.metrics.dead_lettered(self.consumer, decision.kind or "permanent")
                if message.reply_to:
                    self.requesters.dead_lettered(message, decision)
                self.notes.dead_lettered(message, decision.kind, decision.refusal_code, decision.failure_class)
        elif decision.action is Action.WAIT:
            self._wait(delivery, decision)
        elif self.tiers:  # BUSY: wait in the first tier without counting a trip
            copy = message.for_retry(self.queue).with_headers(**{h.RETRY_COUNT: message.retry_count})
            if self._forward(delivery, config.delay_exchange(self.tiers[0]), copy):
                self._count("busy")
        else:
            delivery.nack(requeue=True)
            self._count("requeued")

    def _wait(self, delivery: Delivery, decision: Decision) -> None:
        """The system is down: the copy waits in its tier (or, with no tiers, the delivery is held, then requeued);
        a request whose caller stops waiting before that is told so at once (``hub.workers.requester_notices``)."""
        message = delivery.message
        if decision.tier is not None:
            copy = wait_copy(message, self.queue, decision.reason or "", decision.headers)
            if not self._forward(delivery, self.broker.config.delay_exchange(decision.tier), copy):
                return
            self.requesters.held_back(message, decision)
        else:
            self._sleep(min(decision.wait or 0.0, MAX_HOLD))
            delivery.nack(requeue=True)
        self._count("waiting")

    def _answer(self, delivery: Delivery, reply: bytes, *, replayed: bool = False) -> bool:
        """Send a request's recorded answer and wait for the confirm; requeue the request if that fails.
        ``replayed``: the answer recorded for an earlier delivery (a duplicate), said so (``REPLAYED``)."""
        try:
            self.broker.reply(delivery.message, reply, content_type="application/xml",
                              headers={REPLAYED: True} if replayed else {}).result(timeout=self._confirm_timeout)
        except Exception as exc:
            log.error(
                "could not send the answer; requeueing the request",
                extra={"message_id": delivery.message.message_id, "consumer": self.consumer, "error": repr(exc)},
            )
            delivery.nack(requeue=True)
            self._count("requeued")
            return False
        return True

    def _forward(self, delivery: Delivery, exchange: str, copy: Message) -> bool:
        """Publish ``copy`` and wait for the confirm, then ack the original; requeue it if that fails."""
        try:
            self.broker.publish(exchange, copy).result(timeout=self._confirm_timeout)
        except Exception as exc:
            log.error(
                "could not publish the copy; requeueing the original",
                extra={"message_id": delivery.message.message_id, "consumer": self.consumer,
                       "exchange": exchange, "error": repr(exc)},
            )
            delivery.nack(requeue=True)
            self._count("requeued")
            return False
        delivery.ack()
        return True

    def count(self, outcome: str) -> None:
        self._count(outcome)

    def _count(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.consumed(self.consumer, outcome)
