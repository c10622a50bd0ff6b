"""Waiting out a system that is down: where a held-back message waits, and the copy that waits there.

A handler whose call is held back (``CallsHeldBack``: the system's circuit is open, ``retry_in`` seconds until
a trial call) gets ``Action.WAIT`` from the ``Processor``: nothing is retried in-process, and the message is
republished to the *shortest delay tier at least as long as* ``retry_in`` (the longest tier if none is) with its
trip count (``x-retry-count``) unchanged and no attempt counted but the calls this delivery made before it was
held back (a half-open trial that failed among them: a message the system always fails on, while nothing else
calls it, is dead-lettered at the bound of ``hub.workers.retry`` instead of being the trial of every reopening).
It comes back when the system may be up again; if it still is not, it waits again. So an outage of any length
dead-letters nothing, costs one publish per waiting message per tier TTL and no call to the system, and when the
circuit closes the backlog flows. ``x-onepoint-waits`` counts the waits (for the DLQ tool and the curious; never
a bound).

Why wait in a delay tier rather than pause the queue's consumer: a consumer queue may carry commands for
more than one system, or commands that need no call at all, which should not stop for one system's outage;
the worker would have to know which system each command needs, and time its resumption. Waiting per message
needs neither, keeps the "ack only after a confirmed copy" rule of every other settlement, and the open circuit
already keeps the system itself free of calls. Without delay tiers (a topology with none) the worker holds the
delivery for ``retry_in`` (at most ``MAX_HOLD`` seconds) and then returns it to the queue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hub.transport.message import Message
from hub.workers import headers as h

__all__ = ["MAX_HOLD", "wait_copy", "wait_tier"]

MAX_HOLD = 1.0  # seconds a worker without delay tiers holds a waiting delivery before requeueing it


def wait_tier(tiers: Sequence[str], delays: Sequence[float], retry_in: float) -> tuple[str | None, float]:
    """The tier a message held back for ``retry_in`` seconds waits in, and how long it waits there.

    ``delays`` are the tiers' TTLs in seconds, in the same order (empty when unknown: the first tier, and the
    wait is ``retry_in``). No tiers: ``(None, retry_in)``.
    """
    if not tiers:
        return None, retry_in
    if not delays:
        return tiers[0], retry_in
    by_length = sorted(zip(delays, tiers, strict=True))
    for delay, tier in by_length:
        if delay >= retry_in:
            return tier, delay
    delay, tier = by_length[-1]
    return tier, delay


def wait_copy(message: Message, queue: str, reason: str, failures: Mapping[str, Any] | None = None) -> Message:
    """The copy that waits in a delay tier: back to ``queue`` after the TTL, with no trip counted; ``failures``: the
    failure headers of the calls the delivery made before it was held back (``Decision.headers``), else none."""
    return message.for_retry(queue).with_headers(
        **{**(failures or {}), h.RETRY_COUNT: message.retry_count, h.WAITS: h.waits_so_far(message) + 1,
           h.LAST_WAIT: reason}
    )
