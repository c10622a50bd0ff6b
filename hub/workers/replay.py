"""What a replay publishes: the original id and key, without its failed life's headers, with its history.

**Where.** Through the commands exchange when the original key reaches exactly this consumer; otherwise straight to
the consumer queue, with the key in ``x-original-routing-key`` (a broadcast would reach the others again).

**What it carries.** A replay drops the headers of the failed life (`hub.workers.headers.LIFE_HEADERS`) so that
the message gets a fresh retry budget. Without more, a replayed letter that fails again looks brand new in
``onepoint dlq list``: its first failure (its age) reset to the replay's. So the replay keeps two headers the worker
passes on untouched: when the message first failed (over all its lives) and why it was dead-lettered last.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hub.transport.message import Message
from hub.transport.routing import topic_matches
from hub.transport.topology import TopologyConfig
from hub.workers import headers as h
from hub.workers.dead_letter import DeadLetter
from hub.workers.headers import FIRST_DEAD, PREVIOUS_REASON

__all__ = ["age", "carried_history", "cleaned", "replay_of"]


def replay_of(config: TopologyConfig, letter: DeadLetter) -> tuple[str, Message]:
    """The exchange and message a replay of ``letter`` publishes. Raises ValueError for a letter whose headers do
    not say where it came from or how often it was replayed (`DeadLetter.unreplayable`)."""
    if (unreplayable := letter.unreplayable) is not None or letter.replayed is None:
        raise ValueError(f"dead letter {letter.message_id} cannot be replayed: {unreplayable}")
    key = letter.original_routing_key
    headers = {k: v for k, v in letter.message.headers.items() if k not in h.LIFE_HEADERS}
    headers.update(carried_history(letter))
    headers[h.REPLAYED] = letter.replayed + 1
    reached = [x for x in config.consumers if any(topic_matches(b, key) for b in config.binding_keys(x))]
    if letter.original_exchange == config.commands_exchange and reached == [letter.consumer]:
        exchange, routing = config.commands_exchange, key
    else:  # a broadcast, or a key that would reach other consumers too: straight to the queue
        exchange, routing = "", config.queue(letter.consumer)
        headers[h.ORIGINAL_ROUTING_KEY] = key
    return exchange, replace(cleaned(letter.message), routing_key=routing, headers=headers)


def cleaned(message: Message) -> Message:
    """``message`` as published anew: no exchange, delivery count or redelivered flag of its last delivery."""
    headers = {k: v for k, v in message.headers.items() if k != "x-delivery-count"}
    return replace(message, exchange="", redelivered=False, delivery_count=None, headers=headers)


def carried_history(letter: DeadLetter) -> dict[str, str]:
    """The headers a replay of ``letter`` keeps: its first failure over every life, and its reason."""
    carried = {PREVIOUS_REASON: letter.reason[:500]}
    if (first := letter.first_dead) is not None:
        carried[FIRST_DEAD] = first
    return carried


def age(first_failure: str | None, now: datetime | None = None) -> str:
    """How long ago ``first_failure`` (ISO 8601) was, in the largest two units (``3d4h``, ``5m12s``); ``-`` when
    unknown or unreadable."""
    if first_failure is None:
        return "-"
    try:
        then = datetime.fromisoformat(first_failure)
    except ValueError:
        return "-"
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    seconds = max(0, int(((now or datetime.now(UTC)) - then).total_seconds()))
    parts = [(seconds // 86400, "d"), (seconds % 86400 // 3600, "h"), (seconds % 3600 // 60, "m"), (seconds % 60, "s")]
    shown = [f"{n}{unit}" for n, unit in parts if n][:2]
    return "".join(shown) or "0s"
