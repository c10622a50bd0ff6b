"""The confirm bookkeeping of a publisher, shared by the threaded `ConfirmPublisher` and the event-loop
`LoopPublisher` (through their `Outbox`, ``hub.transport.amqp.outbox``).

`ConfirmLedger`: delivery tag -> publish on one channel; an ack or nack with ``multiple`` settles every older
tag, a return is matched to the oldest in-flight publish of that message, everything unconfirmed is handed back
for resending when the channel goes. `PendingPublish`: one publish until settled; `settle`: its first outcome.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import pika
import pika.exceptions

from hub.transport.message import Message

__all__ = ["ConfirmLedger", "PendingPublish", "settle"]



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

    def in_flight(self) -> list[P]:
        """The publishes written on this channel and not confirmed yet (settled or not), oldest first."""
        return [p for t in self._order if (p := self._in_flight.get(t)) is not None]

    def clear(self) -> list[P]:
        """Every publish in the ledger (for shutdown), emptied."""
        publishes = list(self._in_flight.values())
        self._in_flight.clear()
        self._order.clear()
        return publishes


class SettleableFuture(Protocol):
    """``concurrent.futures.Future[None]`` or ``asyncio.Future[None]``."""

    def done(self) -> bool: ...

    def set_result(self, result: None, /) -> None: ...

    def set_exception(self, exception: BaseException, /) -> None: ...


def settle(future: SettleableFuture, error: BaseException | None = None) -> None:
    """Resolve ``future`` unless it already is (failed by its deadline, cancelled): the first outcome stands."""
    if future.done():
        return
    try:
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
    except (concurrent.futures.InvalidStateError, asyncio.InvalidStateError):
        pass  # settled by another thread (the deadline sweeper) in between


@dataclass(slots=True, eq=False)
class PendingPublish:
    exchange: str
    message: Message
    properties: pika.BasicProperties
    mandatory: bool
    future: SettleableFuture
    deadline: float
    returned: bool = False
    nacked: bool = False
    returned_while_recovering: bool = False
    maybe_stored: bool = False  # written, and no nack or return since that says the broker did not keep it
    lost_in_flight: bool = False  # written on a channel (or connection) that went before its confirm
