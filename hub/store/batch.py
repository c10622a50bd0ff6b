"""``process_batch_once``: the idempotent-consumer sequence for a batch of deliveries with local effects.

One ``ProcessedStore.run_batch`` (with SQLite: one write transaction and one commit for the whole batch),
then each delivery is settled: acked when its effect ran or it was a duplicate, requeued when its effect
raised. Use it with ``Broker.consume_batches`` for handlers whose effects are local and short (the workflow's
state changes); an effect that calls another system belongs in ``process_once``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from hub.store.base import ProcessedStore
from hub.store.keys import message_key
from hub.transport.message import Delivery, Message

__all__ = ["BatchResult", "process_batch_once"]

log = logging.getLogger("onepoint.store")


@dataclass(frozen=True, slots=True)
class BatchResult:
    ran: int = 0
    duplicates: int = 0
    requeued: int = 0  # effects that raised, or ids another worker still held after ``busy_wait``


def process_batch_once(
    store: ProcessedStore,
    deliveries: Sequence[Delivery],
    effect: Callable[[Message], str],
    *,
    busy_wait: float = 5.0,
) -> BatchResult:
    """Apply ``effect`` once per message id of its source system (``hub.store.keys.message_key``) for the whole
    batch, commit, then settle every delivery.

    An id held by another worker (the same message redelivered while its first copy is in ``process_once``)
    is waited for, up to ``busy_wait`` seconds for the whole batch, and acked as a duplicate once recorded;
    requeueing it at once would spin it against the queue's delivery limit.
    """
    keys = [message_key(d.message.app_id or "", d.message.message_id) for d in deliveries]
    outcomes = store.run_batch([(key, partial(effect, d.message)) for key, d in zip(keys, deliveries, strict=True)])
    ran = duplicates = requeued = 0
    deadline = time.monotonic() + busy_wait
    for delivery, key, outcome in zip(deliveries, keys, outcomes, strict=True):
        mid = delivery.message.message_id
        if outcome.error is not None:
            log.error("effect failed; requeueing", exc_info=outcome.error,
                      extra={"message_id": mid, "queue": delivery.queue})
            delivery.nack(requeue=True)
            requeued += 1
        elif outcome.busy and not _recorded_before(store, key, deadline):
            delivery.nack(requeue=True)
            requeued += 1
        else:
            delivery.ack()
            ran += outcome.ran
            duplicates += not outcome.ran
    return BatchResult(ran, duplicates, requeued)


def _recorded_before(store: ProcessedStore, message_id: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if store.seen(message_id):
            return True
        time.sleep(0.02)
    return store.seen(message_id)
