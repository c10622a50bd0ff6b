"""Headers the consumer runtime puts on retried and dead-lettered copies, and reads back.

A copy sent to a delay tier carries how many handler attempts have failed so far and when the first and
the last failure happened, so that the dead letter finally written to the DLQ tells the whole story.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.transport.message import ORIGINAL_EXCHANGE, ORIGINAL_ROUTING_KEY, RETRY_COUNT, Message, counter

__all__ = [
    "ATTEMPTS",
    "DEAD_KIND",
    "DEAD_QUEUE",
    "DEAD_REASON",
    "ERROR_CLASS",
    "FIRST_DEAD",
    "FIRST_FAILURE",
    "LAST_ERROR",
    "LAST_FAILURE",
    "LAST_WAIT",
    "ORIGINAL_EXCHANGE",
    "ORIGINAL_ROUTING_KEY",
    "PREVIOUS_REASON",
    "REPLAYED",
    "RETRY_COUNT",
    "WAITS",
    "attempts_so_far",
    "now_iso",
    "text",
    "waits_so_far",
]

ATTEMPTS = "x-onepoint-attempts"  # handler attempts that failed, over every delivery of this message
FIRST_FAILURE = "x-onepoint-first-failure"  # ISO 8601 UTC
LAST_FAILURE = "x-onepoint-last-failure"
LAST_ERROR = "x-onepoint-last-error"  # "<ExceptionClass>: <text>" (phone numbers masked)
DEAD_REASON = "x-onepoint-dead-reason"  # why it is in the DLQ (phone numbers masked)
DEAD_KIND = "x-onepoint-dead-kind"  # "permanent" | "exhausted"
DEAD_QUEUE = "x-onepoint-dead-queue"  # the consumer queue it died in
ERROR_CLASS = "x-onepoint-error-class"
WAITS = "x-onepoint-waits"  # how many times it waited for a system that was down (not attempts: unbounded)
LAST_WAIT = "x-onepoint-last-wait"  # why it last waited ("<ExceptionClass>: <text>", phone numbers masked)
REPLAYED = "x-onepoint-replayed"  # how many times it was replayed from a DLQ
# Kept over a replay (not life headers, hub.workers.replay): the first failure of all its lives, the last reason
FIRST_DEAD = "x-onepoint-first-dead"
PREVIOUS_REASON = "x-onepoint-previous-reason"

# Headers that describe one life of the message: dropped when it is replayed from a DLQ.
LIFE_HEADERS = frozenset(
    {
        ATTEMPTS, FIRST_FAILURE, LAST_FAILURE, LAST_ERROR, DEAD_REASON, DEAD_KIND, DEAD_QUEUE, ERROR_CLASS,
        WAITS, LAST_WAIT, RETRY_COUNT, ORIGINAL_ROUTING_KEY, ORIGINAL_EXCHANGE, "x-death", "x-first-death-exchange",
        "x-first-death-queue", "x-first-death-reason", "x-last-death-exchange", "x-last-death-queue",
        "x-last-death-reason", "x-delivery-count",
    }
)


def text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def attempts_so_far(message: Message) -> int:
    """Failed handler attempts recorded on the message by earlier deliveries (0 for a fresh one). A header that is
    not a count (a message put on the queue by hand) is taken as 0 with a WARNING naming it: the handler runs."""
    return counter(message.headers, ATTEMPTS)


def waits_so_far(message: Message) -> int:
    """How many times earlier deliveries of the message waited for a system that was down."""
    return counter(message.headers, WAITS)
