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
**original routing key** (`hub.workers.replay`), with a fresh retry budget; it is acked from the DLQ only after the
broker confirmed the replay, one replay at a time: the next letter is taken only once the last replay is confirmed
(a window of replays in flight was withdrawn: a refusal was read only after later replays were written, so later
commands of a work order could be delivered ahead of an earlier one kept in the DLQ). A letter whose headers do not
say where it came from, or how often it was replayed (`hub.workers.dead_letter`), is not replayed: the report's
``failed`` says why, and it stays in the DLQ, in its place.

**A pass stops at the broker's first refusal** (`hub.workers.dlq_outcome`): before each DLQ it publishes a probe
nobody receives (an alarm shows only once a connection publishes), and before each letter it asks the broker whether
it takes publishes. A pass keeps the letters' headers, never their bodies (``show``: the letters asked for), and at
most ``MOVE_BYTES`` of moved copies in flight. ``show`` and ``replay ID`` do not stop once the id is found: the
letters moved so far would end up behind the ones not reached, rotating the DLQ; for the same reason ``browse``'s
filter and limit (`hub.workers.dlq_filter`) narrow what it returns, never the pass. ``count`` reads the depth only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from datetime import UTC, datetime

from hub.observability.metrics import Metrics
from hub.transport.broker import Broker
from hub.transport.errors import PublishNackedError, TransportError, UnroutableError
from hub.transport.message import Delivery, Message
from hub.transport.probe import PROBE_EXCHANGE, probe_message
from hub.workers.dead_letter import DeadLetter
from hub.workers.dlq_filter import LetterFilter
from hub.workers.dlq_moves import Moves
from hub.workers.dlq_outcome import PassStopped, ReplayReport, outcome_unknown, refusal, summary
from hub.workers.replay import cleaned, replay_of

__all__ = ["DeadLetter", "DeadLetterQueues", "PassStopped", "ReplayReport"]

log = logging.getLogger("onepoint.worker")

_NOT_FOUND = 404  # the AMQP reply code of a passive declare of a queue that does not exist

Progress = Callable[[DeadLetter, bool], None]
Keep = Callable[[DeadLetter], None]

_PROBE_POLL = 0.05  # how often the probe's wait asks whether the broker blocked the connection meanwhile


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

    def browse(self, queue: str | None = None, progress: Progress | None = None,
               shown: LetterFilter | None = None) -> list[DeadLetter]:
        """Every dead letter (or those ``shown`` selects: its limit per DLQ), oldest first per consumer, in DLQ
        order, without its body (a full pass: the DLQs keep them, in order, whatever the filter; letters arriving
        during the pass are not listed and end up among them, see the module's doc). Raises `PassStopped` when the
        broker refuses the moves."""
        letters: list[DeadLetter] = []
        selected, now = shown or LetterFilter(), datetime.now(UTC)
        for consumer in self.counts(queue):
            kept: list[DeadLetter] = []

            def keep(letter: DeadLetter, kept: list[DeadLetter] = kept) -> None:
                if not selected.full(len(kept)) and selected.matches(letter, now):
                    kept.append(summary(letter))

            self._pass(consumer, lambda _letter: False, ReplayReport(), progress, keep)
            letters += kept
        return letters

    def show(self, message_id: str, queue: str | None = None, progress: Progress | None = None) -> list[DeadLetter]:
        """Every dead letter with this id (usually one), with its body; the others' bodies are not kept."""
        found: list[DeadLetter] = []

        def keep(letter: DeadLetter) -> None:
            if letter.message_id == message_id:
                found.append(letter)

        for consumer in self.counts(queue):
            self._pass(consumer, lambda _letter: False, ReplayReport(), progress, keep)
        return found

    def replay(
        self, message_ids: Collection[str] | None = None, queue: str | None = None, progress: Progress | None = None
    ) -> ReplayReport:
        """Replay the given ids (None: every message) from the DLQ(s); the rest stays, in order. At the broker's
        first refusal the replay ends (``report.stopped``): the letters not reached stay in their DLQ."""
        wanted = None if message_ids is None else set(message_ids)
        report = ReplayReport()
        for consumer in self.counts(queue):
            try:
                self._pass(consumer, lambda letter: wanted is None or letter.message_id in wanted, report, progress)
            except PassStopped as stopped:
                report.stopped = str(stopped)
                break
        return report

    def purge(self, queue: str | None = None, *, at_most: Mapping[str, int] | None = None,
              progress: Progress | None = None) -> dict[str, int]:
        """Delete dead letters; returns how many per consumer.

        With ``at_most`` (a consumer's count, as `counts` gave it), only that many of the *oldest* letters of
        each named DLQ are deleted, one by one (get and ack, ``progress`` told of each): letters dead-lettered since
        the count stay. Without it, every DLQ of ``queue`` is purged whole (``queue.purge``)."""
        if at_most is None:
            purged = {c: self.broker.purge(self.config.dead_letter_queue(c)) for c in self.counts(queue)}
        else:
            purged = {c: self._delete_oldest(c, n, progress) for c, n in at_most.items() if c in self.consumers(queue)}
        log.warning("dead-letter queues purged", extra={"purged": purged})
        return purged

    def _delete_oldest(self, consumer: str, n: int, progress: Progress | None) -> int:
        dlq, deleted = self.config.dead_letter_queue(consumer), 0
        while deleted < n and (delivery := self.broker.get(dlq)) is not None:
            delivery.ack()
            deleted += 1
            if progress is not None:
                progress(summary(DeadLetter(consumer, delivery.message)), True)
        return deleted

    # -- one pass over one DLQ ------------------------------------------------------------------------
    def _pass(self, consumer: str, pick: Callable[[DeadLetter], bool], report: ReplayReport,
              progress: Progress | None, keep: Keep | None = None) -> None:
        dlq = self.config.dead_letter_queue(consumer)
        moving = Moves(self.broker, dlq, self.confirm_timeout)
        self._probe(dlq)
        try:
            for _ in range(self.broker.message_count(dlq)):
                if (reason := self.broker.unready_reason()) is not None:
                    raise PassStopped(reason, dlq)
                delivery = self.broker.get(dlq)
                if delivery is None:
                    break
                letter = DeadLetter(consumer, delivery.message)
                try:
                    done = pick(letter) and self._replay(delivery, letter, report)
                except PassStopped:
                    delivery.nack(requeue=True)  # refused or unknown: it stays in the DLQ
                    raise
                if not done:
                    copy = replace(cleaned(delivery.message), routing_key=dlq)
                    moving.add(delivery, copy)
                    if keep is not None:
                        keep(letter)
                    if moving.full:
                        moving.settle()
                if progress is not None:
                    progress(summary(letter), done)
        except BaseException:
            moving.settle(raising=False)  # the first error is the one raised
            raise
        moving.settle()

    def _probe(self, dlq: str) -> None:
        """Publish a probe nobody receives (`hub.transport.probe`: the broker drops it) and wait for its
        confirm: a memory or disk alarm blocks a connection only once it publishes, and the probe is the one publish
        a blocked pass may leave unconfirmed (nothing a letter depends on). `PassStopped` when it is blocked."""
        future = self.broker.publish(PROBE_EXCHANGE, probe_message(self.config.probe_queue), mandatory=False)
        deadline = time.monotonic() + self.confirm_timeout
        while True:
            try:
                future.result(timeout=_PROBE_POLL)
                return
            except FutureTimeout:
                if (reason := self.broker.unready_reason()) is not None:
                    raise PassStopped(reason, dlq) from None
                if time.monotonic() >= deadline:
                    raise PassStopped(f"the broker did not confirm a publish in {self.confirm_timeout:g} s", dlq) \
                        from None
            except TransportError as exc:
                raise PassStopped(self.broker.unready_reason() or str(exc), dlq) from exc

    def _replay(self, delivery: Delivery, letter: DeadLetter, report: ReplayReport) -> bool:
        unreplayable = letter.unreplayable
        if unreplayable is not None:
            log.error("dead letter not replayed: its headers are unreadable; it stays in the DLQ",
                      extra={"message_id": letter.message_id, "consumer": letter.consumer, "error": unreplayable})
            report.failed.append((summary(letter), unreplayable))
            return False
        exchange, message = self.replay_message(letter)
        queue = self.config.queue(letter.consumer)
        try:
            self.broker.publish(exchange, message).result(timeout=self.confirm_timeout)
        except UnroutableError as exc:  # this letter's key only: the others may be routed
            log.error("replay failed; the message stays in the DLQ",
                      extra={"message_id": letter.message_id, "consumer": letter.consumer, "error": str(exc)})
            report.failed.append((summary(letter), str(exc)))
            return False
        except Exception as exc:
            depth = self._depth(queue) if isinstance(exc, PublishNackedError) else None
            blocked = self.broker.unready_reason()
            reason = refusal(exc, queue, depth) if blocked is None else f"{blocked}: {refusal(exc, queue, depth)}"
            log.error("replay refused; the message stays in the DLQ and the replay stops",
                      extra={"message_id": letter.message_id, "consumer": letter.consumer, "error": reason})
            (report.unknown if outcome_unknown(exc) else report.failed).append((summary(letter), reason))
            raise PassStopped(reason, self.config.dead_letter_queue(letter.consumer)) from exc
        delivery.ack()
        report.replayed.append(summary(letter))
        log.info("message replayed from the DLQ", extra={"message_id": letter.message_id,
                 "consumer": letter.consumer, "routing_key": message.routing_key, "exchange": exchange})
        if self.metrics is not None:
            self.metrics.replayed(letter.consumer)
        return True

    def _depth(self, queue: str) -> int | None:
        try:
            return self.broker.message_count(queue)
        except Exception:  # only to word a refusal
            return None

    def replay_message(self, letter: DeadLetter) -> tuple[str, Message]:
        """Where and what a replay publishes (`hub.workers.replay`); ValueError for a letter that cannot be."""
        return replay_of(self.config, letter)
