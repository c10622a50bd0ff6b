"""What a queue of the ``memory://`` broker holds: its waiting messages, the deliveries not yet settled and its
subscribers (``hub.transport.memory``; the rules applied to them: ``hub.transport.memory_delivery``)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from hub.transport.consumer import Consumer
from hub.transport.message import Message

__all__ = ["MemoryQueue", "QueuedMessage", "Subscriber"]


@dataclass(slots=True)
class QueuedMessage:
    message: Message
    expires_at: float | None = None
    returns: int = 0
    redelivered: bool = False


@dataclass(slots=True)
class Subscriber:
    consumer: Consumer
    prefetch: int
    unacked: int = 0
    active: bool = True


@dataclass(slots=True)
class MemoryQueue:
    name: str
    args: dict[str, Any]
    ready: deque[QueuedMessage] = field(default_factory=deque)
    unacked: dict[int, tuple[QueuedMessage, Subscriber | None]] = field(default_factory=dict)  # None: taken by get()
    subs: list[Subscriber] = field(default_factory=list)
    turn: int = 0
