"""The confirm ledger of one publishing channel: delivery tag -> publish, from basic.publish to the confirm.

Shared by the threaded `ConfirmPublisher` and the event-loop `LoopPublisher`: the subtle parts — an ack or nack
with ``multiple`` settling every older tag, returns matched to the oldest in-flight publish of that message,
everything unconfirmed handed back for resending when the channel goes — live here once.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar

from hub.transport.message import Message

__all__ = ["ConfirmLedger"]

log = logging.getLogger("onepoint.transport")


class _Future(Protocol):
    def done(self) -> bool: ...


class _Publish(Protocol):
    exchange: str
    message: Message
    returned: bool

    @property
    def future(self) -> _Future: ...


P = TypeVar("P", bound=_Publish)


class ConfirmLedger(Generic[P]):
    def __init__(self) -> None:
        self._in_flight: dict[int, P] = {}
        self._order: deque[int] = deque()  # in-flight tags, oldest first (lazily pruned)
        self._tag = 0

    def __len__(self) -> int:
        return len(self._in_flight)

    def __iter__(self) -> Iterator[P]:
        return iter(list(self._in_flight.values()))

    def new_channel(self) -> None:
        """Delivery tags start again at 1 on a new channel."""
        self._tag = 0

    def sent(self, publish: P) -> None:
        """Record a publish just handed to ``basic_publish`` (its tag is the channel's next one)."""
        publish.returned = False
        self._tag += 1
        self._in_flight[self._tag] = publish
        self._order.append(self._tag)

    def confirmed(self, tag: int, multiple: bool) -> list[P]:
        """The publishes an ack or nack of ``tag`` settles (with ``multiple``: every tag up to it)."""
        done: list[P] = []
        order, in_flight = self._order, self._in_flight
        if not multiple and (p := in_flight.pop(tag, None)) is not None:
            done.append(p)
        while order and (order[0] <= tag if multiple else order[0] not in in_flight):
            if (p := in_flight.pop(order.popleft(), None)) is not None:
                done.append(p)
        return done

    def mark_returned(self, exchange: str, routing_key: str, message_id: str | None) -> bool:
        """Flag the oldest in-flight publish a basic.return names (returns come in publish order)."""
        for p in (self._in_flight.get(tag) for tag in self._order):
            if p is None or p.returned or p.message.message_id != message_id:
                continue
            if p.exchange == exchange and p.message.routing_key == routing_key:
                p.returned = True
                return True
        return False

    def take_unconfirmed(self) -> list[P]:
        """Every publish still waiting for its confirm, oldest first, and forget the channel's tags."""
        unconfirmed = [p for t in self._order if (p := self._in_flight.get(t)) is not None and not p.future.done()]
        self._in_flight.clear()
        self._order.clear()
        return unconfirmed

    def requeue_unconfirmed(self, waiting: deque[P], why: str) -> int:
        """Put every unconfirmed publish back at the front of ``waiting`` (oldest first) to be resent; logged.
        Returns how many."""
        unconfirmed = self.take_unconfirmed()
        if unconfirmed:
            log.warning("resending unconfirmed messages", extra={"count": len(unconfirmed), "reason": why})
        waiting.extendleft(reversed(unconfirmed))
        return len(unconfirmed)

    def clear(self) -> list[P]:
        """Every publish in the ledger (for shutdown), emptied."""
        publishes = list(self._in_flight.values())
        self._in_flight.clear()
        self._order.clear()
        return publishes
