"""A batch's committed messages settled: their answers published together, then each acked.

``BatchRun`` (``hub.workers.batch``) hands ``answer_committed`` each share of a batch its transaction committed:

1. the answers of the share (ran or duplicate) published to their reply-to together, their confirms then awaited;
2. acks: a request whose answer the broker did not take is requeued (its redelivery answers from the record);
3. what is left for ``BatchRun`` to settle on its own returned: a handler that raised, a message another
   transaction held (BUSY), a duplicate whose kept answer cannot serve (audited, or a read: run again, alone), a
   command under a reused id (dead-lettered, with the reason).

``BatchItem`` (a delivery with its envelope and handler) and ``Settling`` (what a batch needs of its ``Worker``)
are shared with ``BatchRun``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from hub.envelope import Envelope
from hub.routing.broker_router import REPLAYED
from hub.transport.broker import Broker
from hub.transport.message import Delivery
from hub.workers.claims import ClaimResult
from hub.workers.fingerprint import answer_for, answered_unkept, reused_id_error
from hub.workers.processor import Decision, Processor
from hub.workers.registry import HandlerSpec

__all__ = ["BatchItem", "Settling", "answer_committed"]

log = logging.getLogger("onepoint.worker")


@dataclass(frozen=True, slots=True)
class BatchItem:
    """A delivery of a batch, decoded, with the handler it goes to."""

    delivery: Delivery
    envelope: Envelope
    spec: HandlerSpec


class Settling(Protocol):
    """What a batch needs of its ``Worker``: the processor, the broker, the single path and the settlement."""

    consumer: str
    processor: Processor
    broker: Broker
    stopping: bool  # the worker is stopping: what the batch has not begun goes back to the queue

    def handle(self, delivery: Delivery) -> None: ...

    def settle(self, delivery: Delivery, decision: Decision) -> None: ...

    def count(self, outcome: str) -> None: ...


def answer_committed(worker: Settling, items: list[BatchItem], results: list[ClaimResult],
                     confirm_timeout: float) -> list[tuple[BatchItem, ClaimResult]]:
    """Answer and ack what the batch committed; returns the items still to settle (failed, busy)."""
    broker = worker.broker
    answering: list[tuple[BatchItem, ClaimResult, Callable[[], None] | None]] = []
    later: list[tuple[BatchItem, ClaimResult]] = []
    for item, result in zip(items, results, strict=True):
        if result.error is not None or result.busy:
            later.append((item, result))
            continue
        wait: Callable[[], None] | None = None
        message = item.delivery.message
        if result.duplicate and message.reply_to and answered_unkept(item.envelope, result.reply,
                                                                      reads=item.spec.reads):
            later.append((item, replace(result, duplicate=False)))  # audited, or a read: run again, alone
            continue
        answer, reused = answer_for(item.envelope, result.reply)
        if reused and not message.reply_to:  # a command under a reused id: dead-lettered, with the reason
            later.append((item, replace(result, error=reused_id_error(item.envelope))))
            continue
        if reused:
            log.warning("message id reused for another request: refused",
                        extra=worker.processor.log_extra(message, item.envelope))
        if answer is not None and message.reply_to:
            try:
                future = broker.reply(message, answer, content_type="application/xml",
                                      headers={REPLAYED: True} if result.duplicate else {})
                wait = _waiter(future.result, confirm_timeout)
            except Exception as exc:
                wait = _raiser(exc)
        answering.append((item, result, wait))
    processed = duplicates = 0
    for item, result, wait in answering:
        if wait is not None:
            try:
                wait()
            except Exception as exc:
                log.error("could not send the answer; requeueing the request", extra={
                    "message_id": item.envelope.message_id, "consumer": worker.consumer, "error": repr(exc)})
                item.delivery.nack(requeue=True)
                worker.count("requeued")
                continue
        item.delivery.ack()
        worker.count("duplicate" if result.duplicate else "processed")
        extra = worker.processor.log_extra(item.delivery.message, item.envelope)
        if result.duplicate:
            log.info("duplicate message: effect skipped", extra=extra)
        else:  # each message's trace, as the single path writes it
            log.info("message processed", extra={**extra, "outcome": result.outcome})
        duplicates += result.duplicate
        processed += not result.duplicate
    if answering:
        log.info("batch processed", extra={"consumer": worker.consumer, "processed": processed,
                                           "duplicates": duplicates, "failed": len(later)})
    return later


def _waiter(result: Callable[..., object], timeout: float) -> Callable[[], None]:
    def wait() -> None:
        result(timeout=timeout)

    return wait


def _raiser(exc: Exception) -> Callable[[], None]:
    def wait() -> None:
        raise exc

    return wait
