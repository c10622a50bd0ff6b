"""A graceful stop on ``memory://``: drain the in-process queues before the workers stop.

On RabbitMQ a stopped worker's unsettled deliveries go back to their durable queue and wait for the next start.
On ``memory://`` the queues live in the hub's process and die with it, so ``HubSystem.stop`` first lets the
workers finish the backlog: it waits until no queue consumed in this process and no delay tier holds a message
(waiting or being handled) that can come back before the drain deadline (``DRAIN_SECONDS``), or until that deadline
has passed: a message waiting out a 5-minute retry does not hold the stop for the whole deadline. Whatever is still held
when the workers have stopped is lost with the process: ``report_lost`` logs it as an ERROR, one line per queue
with its count (dead letters included: nothing keeps them either).

Admission is already closed when this runs from the app's shutdown (uvicorn stopped taking requests first);
``AdmissionGate`` refuses new requests with 503 when ``HubSystem.stop`` is called while the server still runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping

__all__ = ["DRAIN_SECONDS", "POLL_SECONDS", "drain", "report_lost"]

log = logging.getLogger("onepoint.system")

DRAIN_SECONDS = 20.0  # how long a stop on memory:// waits for the workers to empty their queues and delay tiers
POLL_SECONDS = 0.05

Depths = Callable[[float], Mapping[str, int]]  # each queue's messages due before the instant given (monotonic)


def _held(depths: Mapping[str, int], queues: Collection[str]) -> dict[str, int]:
    return {queue: count for queue, count in depths.items() if queue in queues and count > 0}


def drain(depths: Depths, queues: Collection[str], deadline_seconds: float, *,
          clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> dict[str, int]:
    """Wait until none of ``queues`` holds a message that can be handled before ``deadline_seconds`` have passed
    (``depths(deadline)``: each queue's unsettled messages and those waiting that are due by then), or until the
    deadline; return what those queues still hold then (empty when drained).

    A handler settles its delivery only after it published what it sends on, so a moment when every one of
    ``queues`` is empty (nothing waiting, nothing being handled) is one when their work is done."""
    deadline = clock() + deadline_seconds
    held = _held(depths(deadline), queues)
    if not held:
        return {}
    log.info("draining the in-process queues before stopping",
             extra={"messages": sum(held.values()), "queues": held, "deadline_seconds": deadline_seconds})
    while held and clock() < deadline:
        sleep(POLL_SECONDS)
        held = _held(depths(deadline), queues)
    if not held:
        log.info("the in-process queues are drained")
    return held


def report_lost(depths: Mapping[str, int]) -> dict[str, int]:
    """Log (ERROR) each queue that still holds messages when the in-process broker is about to go; return them."""
    lost = {queue: count for queue, count in depths.items() if count > 0}
    for queue, count in sorted(lost.items()):
        log.error("messages lost at stop: memory:// keeps nothing over a restart (use RabbitMQ to keep them)",
                  extra={"queue": queue, "messages": count})
    return lost
