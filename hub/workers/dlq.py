"""Dead-letter queues: list, show, replay and purge (the API behind ``onepoint dlq``).

**Browsing never loses a message and keeps the order of the ones it handles.** A pass over a DLQ takes each of the
``n`` messages ready when it starts (``basic.get``, manual ack) and either replays it or *moves it to the tail* of
the same DLQ: the copy is published (same message id, body and headers) and confirmed, and only then the original
is acked. After a full pass the queue holds the same messages in the same order (letters arriving meanwhile:
below). Why not get + requeue: measured on RabbitMQ 3.10 quorum queues, a requeued message goes to the *back* of
the queue (a partial pass would rotate it anyway), returns on channel close come back in hash order (scrambled),
and every requeue increments ``x-delivery-count`` -- RabbitMQ 4.x gives quorum queues a default delivery limit of
20, and a DLQ has no dead-letter exchange, so repeated browsing would *drop* messages there. A moved copy starts
again at delivery count 0. If the process dies between the confirm and the ack, a message is in the DLQ twice
(same id): replaying both is harmless, the worker's idempotency skips the second.

**Messages dead-lettered while a pass runs are not part of it**, but they do not stay behind the ``n`` it
handles: a newcomer lands at the tail as it is then, behind the copies moved so far and so ahead of the copies
the pass makes afterwards. After the pass the ``n`` keep their order among themselves and the newcomer sits
among them (after the ones moved before it arrived); a pass with no arrivals keeps the queue exactly as it was.
Keeping newcomers last would take a second queue.

Replay publishes the message with its **original message id** (so the processed store still applies) on its
**original routing key** (through the commands exchange when that key reaches exactly this consumer; otherwise
straight to the consumer queue, with the key in ``x-original-routing-key``), without the headers of its failed
life, so it gets a fresh retry budget; it is acked from the DLQ only after the broker confirmed the replay. A letter
whose headers do not say where it came from, or how often it was replayed (`hub.workers.dead_letter`), is not
replayed: the report's ``failed`` says why, and it stays in the DLQ, in its place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

from hub.observability.metrics import Metrics
from hub.transport.broker import Broker
from hub.transport.errors import TransportError
from hub.transport.message import Delivery, Message
from hub.transport.routing import topic_matches
from hub.workers import headers as h
from hub.workers.dead_letter import DeadLetter

__all__ = ["DeadLetter", "DeadLetterQueues", "ReplayReport"]

log = logging.getLogger("onepoint.worker")

_NOT_FOUND = 404  # the AMQP reply code of a passive declare of a queue that does not exist


@dataclass(slots=True)
class ReplayReport:
    replayed: list[DeadLetter] = field(default_factory=list)
    failed: list[tuple[DeadLetter, str]] = field(default_factory=list)  # kept in the DLQ, with the error


Progress = Callable[[DeadLetter, bool], None]

# How many moved copies a pass has in flight before it waits for their confirms: awaiting each copy's confirm before
# the next get costs a broker round trip per letter; a window of them costs about one (bench/README.md, "dlq list").
MOVE_WINDOW = 256


class DeadLetterQueues:
    def __init__(self, broker: Broker, *, metrics: Metrics | None = None, confirm_timeout: float = 30.0) -> None:
        self.broker = broker
        self.config = broker.config
        self.metrics = metrics
        self.confirm_timeout = confirm_timeout

    def consumers(self, queue: str | None = None) -> tuple[str, ...]:
        """``queue`` may be a consumer (``boss``), its queue or its DLQ name; None means every consumer."""
        if queue is None:
            return self.config.consumers
        for c in self.config.consumers:
            if queue in (c, self.config.queue(c), self.config.dead_letter_queue(c)):
                return (c,)
        raise KeyError(f"no consumer queue {queue!r}; have {', '.join(self.config.consumers)}")

    def count(self, consumer: str) -> int | None:
        """Messages ready in the consumer's DLQ; None when that DLQ does not exist (other errors are raised)."""
        try:
            return self.broker.message_count(self.config.dead_letter_queue(consumer))
        except KeyError:  # memory://: no such queue
            return None
        except TransportError as exc:
            if getattr(exc.__cause__, "reply_code", None) == _NOT_FOUND:  # RabbitMQ: 404 NOT_FOUND, no such queue
                return None
            raise

    def counts(self, queue: str | None = None) -> dict[str, int]:
        """Ready messages per consumer whose DLQ exists (`missing` names the others)."""
        return {c: n for c in self.consumers(queue) if (n := self.count(c)) is not None}

    def missing(self, queue: str | None = None) -> list[str]:
        """The DLQs (of ``queue``, or every consumer's) that do not exist on the broker: a wrong prefix or vhost."""
        return [self.config.dead_letter_queue(c) for c in self.consumers(queue) if self.count(c) is None]

    def browse(self, queue: str | None = None, progress: Progress | None = None) -> list[DeadLetter]:
        """Every dead letter, oldest first per consumer (a full pass: the DLQs keep them, in order; letters arriving
        during the pass are not listed and end up among them, see the module's doc)."""
        letters: list[DeadLetter] = []
        for consumer in self.counts(queue):
            letters.extend(self._pass(consumer, lambda _letter: False, ReplayReport(), progress))
        return letters

    def show(self, message_id: str, queue: str | None = None, progress: Progress | None = None) -> list[DeadLetter]:
        """Every dead letter with this id (usually one)."""
        return [letter for letter in self.browse(queue, progress) if letter.message_id == message_id]

    def replay(
        self, message_ids: Collection[str] | None = None, queue: str | None = None, progress: Progress | None = None
    ) -> ReplayReport:
        """Replay the given ids (None: every message) from the DLQ(s); the rest stays, in order."""
        wanted = None if message_ids is None else set(message_ids)
        report = ReplayReport()
        for consumer in self.counts(queue):
            self._pass(consumer, lambda letter: wanted is None or letter.message_id in wanted, report, progress)
        return report

    def purge(self, queue: str | None = None, *, at_most: Mapping[str, int] | None = None) -> dict[str, int]:
        """Delete dead letters; returns how many per consumer.

        With ``at_most`` (a consumer's count, as `counts` gave it), only that many of the *oldest* letters of
        each named DLQ are deleted, one by one (get and ack): letters dead-lettered since the count stay. Without
        it, every DLQ of ``queue`` is purged whole (``queue.purge``)."""
        if at_most is None:
            purged = {c: self.broker.purge(self.config.dead_letter_queue(c)) for c in self.counts(queue)}
        else:
            purged = {c: self._delete_oldest(c, n) for c, n in at_most.items() if c in self.consumers(queue)}
        log.warning("dead-letter queues purged", extra={"purged": purged})
        return purged

    def _delete_oldest(self, consumer: str, n: int) -> int:
        dlq, deleted = self.config.dead_letter_queue(consumer), 0
        while deleted < n and (delivery := self.broker.get(dlq)) is not None:
            delivery.ack()
            deleted += 1
        return deleted

    # -- one pass over one DLQ ------------------------------------------------------------------------
    def _pass(
        self, consumer: str, pick: Callable[[DeadLetter], bool], report: ReplayReport, progress: Progress | None
    ) -> list[DeadLetter]:
        dlq = self.config.dead_letter_queue(consumer)
        kept: list[DeadLetter] = []
        moving: list[tuple[Delivery, Future[None]]] = []
        try:
            for _ in range(self.broker.message_count(dlq)):
                delivery = self.broker.get(dlq)
                if delivery is None:
                    break
                letter = DeadLetter(consumer, delivery.message)
                done = pick(letter) and self._replay(delivery, letter, report)
                if not done:
                    copy = replace(self._clean(delivery.message), routing_key=dlq)
                    moving.append((delivery, self._publish_copy(delivery, copy)))
                    kept.append(letter)
                    if len(moving) >= MOVE_WINDOW:
                        self._settle(moving)
                if progress is not None:
                    progress(letter, done)
        finally:
            self._settle(moving)
        return kept

    def _replay(self, delivery: Delivery, letter: DeadLetter, report: ReplayReport) -> bool:
        unreplayable = letter.unreplayable
        if unreplayable is not None:
            log.error("dead letter not replayed: its headers are unreadable; it stays in the DLQ",
                      extra={"message_id": letter.message_id, "consumer": letter.consumer, "error": unreplayable})
            report.failed.append((letter, unreplayable))
            return False
        exchange, message = self.replay_message(letter)
        try:
            self.broker.publish(exchange, message).result(timeout=self.confirm_timeout)
        except Exception as exc:
            log.error("replay failed; the message stays in the DLQ",
                      extra={"message_id": letter.message_id, "consumer": letter.consumer, "error": repr(exc)})
            report.failed.append((letter, repr(exc)))
            return False
        delivery.ack()
        report.replayed.append(letter)
        log.info("message replayed from the DLQ", extra={"message_id": letter.message_id,
                 "consumer": letter.consumer, "routing_key": message.routing_key, "exchange": exchange})
        if self.metrics is not None:
            self.metrics.replayed(letter.consumer)
        return True

    def replay_message(self, letter: DeadLetter) -> tuple[str, Message]:
        """Where and what a replay publishes: the original id and key, without its failed life's headers.
        Raises ValueError for a letter whose headers do not say that (`DeadLetter.unreplayable`)."""
        if (unreplayable := letter.unreplayable) is not None or letter.replayed is None:
            raise ValueError(f"dead letter {letter.message_id} cannot be replayed: {unreplayable}")
        c, key = self.config, letter.original_routing_key
        headers = {k: v for k, v in letter.message.headers.items() if k not in h.LIFE_HEADERS}
        headers[h.REPLAYED] = letter.replayed + 1
        reached = [x for x in c.consumers if any(topic_matches(b, key) for b in c.binding_keys(x))]
        if letter.original_exchange == c.commands_exchange and reached == [letter.consumer]:
            exchange, routing = c.commands_exchange, key
        else:  # a broadcast, or a key that would reach other consumers too: straight to the queue
            exchange, routing = "", c.queue(letter.consumer)
            headers[h.ORIGINAL_ROUTING_KEY] = key
        return exchange, replace(self._clean(letter.message), routing_key=routing, headers=headers)

    @staticmethod
    def _clean(message: Message) -> Message:
        headers = {k: v for k, v in message.headers.items() if k != "x-delivery-count"}
        return replace(message, exchange="", redelivered=False, delivery_count=None, headers=headers)

    def _publish_copy(self, delivery: Delivery, copy: Message) -> Future[None]:
        """Publish the moved ``copy`` of a letter (its confirm awaited by `_settle`); if even that fails, the
        original goes back to the DLQ and the error is raised."""
        try:
            return self.broker.publish("", copy)
        except BaseException:
            delivery.nack(requeue=True)
            raise

    def _settle(self, moving: list[tuple[Delivery, Future[None]]]) -> None:
        """Wait for the moved copies' confirms, in order: ack each original whose copy the broker confirmed; once one
        fails, requeue that original and every later one (their copies may be in the DLQ too: the same id twice,
        which a replay takes once) and raise the first error. Empties ``moving``."""
        error: BaseException | None = None
        for delivery, confirm in moving:
            if error is None:
                try:
                    confirm.result(timeout=self.confirm_timeout)
                except BaseException as exc:
                    error = exc
                else:
                    delivery.ack()
                    continue
            delivery.nack(requeue=True)
        moving.clear()
        if error is not None:
            raise error
