"""``process_once``: the idempotent-consumer sequence for one delivery (claim → effect → record → ack)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from hub.store.base import ClaimBusyError, ProcessedStore
from hub.store.keys import message_key
from hub.transport.message import Delivery, Message

__all__ = ["process_once"]

log = logging.getLogger("onepoint.store")


def _wait_until_recorded(store: ProcessedStore, message_id: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if store.seen(message_id):
            return True
        time.sleep(0.02)
    return store.seen(message_id)


def process_once(
    store: ProcessedStore, delivery: Delivery, effect: Callable[[Message], str], *, busy_wait: float = 5.0
) -> bool:
    """Apply ``effect`` once per message id of its source system (``hub.store.keys.message_key``: the same id from
    two systems is two messages), then ack. Returns True if the effect ran now.

    A duplicate is acked without running the effect. If another worker holds the id (the same message
    delivered twice at once, e.g. redelivered after a reconnect while the first copy is still being handled),
    this waits up to ``busy_wait`` seconds for that worker to record it and then acks it as a duplicate;
    requeueing at once instead would spin the copy against the queue's delivery limit and dead-letter it.
    If it is still held after the wait, the delivery is requeued. If ``effect`` raises, nothing is recorded,
    the delivery is requeued and the error re-raised (the queue's delivery limit dead-letters a message
    that always fails).
    """
    message = delivery.message
    key = message_key(message.app_id or "", message.message_id)
    try:
        with store.claim(key) as claim:
            if claim.duplicate:
                log.info("duplicate message skipped", extra={"message_id": message.message_id})
            else:
                claim.complete(effect(message))
    except ClaimBusyError:
        if _wait_until_recorded(store, key, busy_wait):
            log.info("duplicate skipped after its first copy finished", extra={"message_id": message.message_id})
            delivery.ack()
        else:
            delivery.nack(requeue=True)
        return False
    except Exception:
        delivery.nack(requeue=True)
        raise
    delivery.ack()
    return not claim.duplicate
