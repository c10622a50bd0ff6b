"""The copies a ``Worker`` publishes instead of settling a delivery in place: to a delay tier, or to the DLQ.

Why the DLQ copy is published by the worker rather than with ``Delivery.reject``: native dead-lettering
records only ``x-death`` reason ``rejected``; publishing the copy ourselves puts the reason, the attempts
and the first and last failure times in headers, with the same confirm-then-ack guarantee as the retries
(``Delivery.retry`` is not used for the same reason: the copy must carry the failure headers). A WAIT copy
(the system is down) is ``hub.workers.waiting``'s.
"""

from __future__ import annotations

from dataclasses import replace

from hub.transport.message import Message
from hub.workers import headers as h
from hub.workers.decisions import Decision

__all__ = ["dead_letter_copy", "retry_copy"]


def retry_copy(message: Message, queue: str, decision: Decision) -> Message:
    """The copy for a delay tier: back to ``queue`` after the TTL, one more trip counted."""
    return message.for_retry(queue).with_headers(**decision.headers)


def dead_letter_copy(message: Message, queue: str, decision: Decision) -> Message:
    """The copy for the DLQ (routed by the dead-letter exchange with the consumer queue's name)."""
    headers = {k: v for k, v in message.headers.items() if k != "x-delivery-count"}
    headers.update(decision.headers)
    headers[h.ORIGINAL_ROUTING_KEY] = message.origin_routing_key
    headers[h.ORIGINAL_EXCHANGE] = h.text(message.headers.get(h.ORIGINAL_EXCHANGE, message.exchange))
    headers[h.DEAD_QUEUE] = queue
    return replace(message, routing_key=queue, exchange="", redelivered=False, delivery_count=None, headers=headers)
