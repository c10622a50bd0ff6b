"""One consumer on its own channel (prefetch, manual settlement), reopened after reconnects.

The deliveries of one read from the socket reach the worker threads together: one hand-off, and a batch
consumer gets them as one batch. Settlements from the worker threads are queued and sent by one I/O-thread
call per burst. Acks that settle the oldest outstanding deliveries of the channel leave as one
``basic.ack(multiple=True)``; an ack behind a delivery still being handled (``concurrency`` > 1) leaves on its
own, so no ack is ever held back.

A consumer the broker cancels (``basic.cancel``: its queue deleted, e.g. to re-create it with other arguments, or a
quorum queue's leader moving) is `interrupted`: one WARNING names the queue, its channel is closed (the broker
requeues what it had not acked; the settlements still coming for it are dropped, never sent on a dead channel) and a
new channel consumes again after a pause that doubles up to `MAX_RECONSUME_PAUSE` while the queue is missing. Until
the broker confirms the new consumer, ``interrupted`` says why (a worker's ``/readyz`` answers 503 naming the queue).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from typing import Any

import pika

from hub.transport.amqp.io import IOThread
from hub.transport.amqp.properties import from_pika
from hub.transport.consumer import ConsumerFactory
from hub.transport.message import Delivery, Message, Settlement

__all__ = ["FIRST_RECONSUME_PAUSE", "MAX_RECONSUME_PAUSE", "Subscription"]

log = logging.getLogger("onepoint.transport")
FIRST_RECONSUME_PAUSE = 0.5  # seconds before consuming again after the broker cancelled the consumer
MAX_RECONSUME_PAUSE = 30.0  # the pause doubles up to this while the queue is missing


class Subscription:
    """Connects a ``Consumer`` (worker threads) to a channel. Acks for a channel that is gone are dropped:
    the broker has already returned those messages to the queue and will deliver them again."""

    def __init__(
        self,
        io: IOThread,
        queue: str,
        make: ConsumerFactory,
        prefetch: int,
        concurrency: int,
        retry: Callable[[Message, str], Future[None]],
        on_closed: Callable[[Subscription], None],
    ) -> None:
        self._io = io
        self.queue = queue
        self.prefetch = prefetch
        self._retry = retry
        self._on_closed = on_closed
        self._channel: Any = None
        self._consumer_tag: str | None = None
        self._active = True
        self.interrupted: str | None = None  # why the broker's cancel left the queue unconsumed; None when consuming
        self._reconsume_pause = FIRST_RECONSUME_PAUSE
        self._lock = threading.Lock()
        self._settlements: list[tuple[Any, int, Settlement]] = []  # from worker threads, sent by _flush
        self._outstanding: deque[int] = deque()  # delivery tags of the current channel, oldest first
        self._settled: set[int] = set()  # outstanding tags already settled (waiting to leave the deque)
        self._burst: list[Delivery] = []  # deliveries of the current read, handed over together
        self.consumer = make(queue, concurrency, self._stop_deliveries, self._release)

    # -- I/O thread -----------------------------------------------------------------------------------
    def on_connected(self, connection: pika.SelectConnection) -> None:
        if self._active and connection.is_open:
            connection.channel(on_open_callback=self._on_channel_open)

    def on_disconnected(self) -> None:
        self._set_channel(None)
        self._consumer_tag = None

    def _set_channel(self, channel: Any) -> None:
        """A new (or no) channel: tags of the old one mean nothing to it; their messages are redelivered."""
        self._channel = channel
        self._outstanding.clear()
        self._settled.clear()
        self._burst = []  # not handed over: the broker redelivers them

    def _on_channel_open(self, channel: Any) -> None:
        if not self._active:
            channel.close()
            return
        self._set_channel(channel)
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_cancel_callback(partial(self._on_cancelled, channel))
        channel.basic_qos(prefetch_count=self.prefetch, callback=lambda _: self._start(channel))

    def _start(self, channel: Any) -> None:
        if channel is self._channel and channel.is_open and self._active:
            self._consumer_tag = channel.basic_consume(self.queue, self._on_message, auto_ack=False,
                                                       callback=self._on_consuming)

    def _on_consuming(self, _frame: Any) -> None:
        """The broker confirmed the consumer (``basic.consume-ok``)."""
        self._reconsume_pause = FIRST_RECONSUME_PAUSE
        if self.interrupted is not None:
            self.interrupted = None
            log.info("consuming again after the broker cancelled the consumer", extra={"queue": self.queue})

    def _on_cancelled(self, channel: Any, frame: Any) -> None:
        """``basic.cancel`` from the broker: close the channel (its unacked deliveries go back to the queue) and
        consume again on a new one after a pause."""
        if channel is not self._channel or frame.method.consumer_tag != self._consumer_tag:
            return
        self.interrupted = (f"the broker cancelled the consumer of queue {self.queue} (the queue deleted, or its "
                            "node or leader changed); consuming again once the queue exists")
        log.warning("the broker cancelled the consumer; consuming again once the queue exists",
                    extra={"queue": self.queue})
        self._set_channel(None)
        self._consumer_tag = None
        if channel.is_open:
            channel.close()
        self._reopen_later()

    def _reopen_later(self) -> None:
        connection = self._io.connection
        if not (self._active and connection is not None and connection.is_open):
            return
        pause = 1.0
        if self.interrupted is not None:  # the queue may be missing: wait longer each time
            pause, self._reconsume_pause = self._reconsume_pause, min(MAX_RECONSUME_PAUSE, 2 * self._reconsume_pause)
        self._io.call_later(pause, lambda: self.on_connected(connection))

    def _on_channel_closed(self, channel: Any, reason: BaseException) -> None:
        if channel is not self._channel:
            return
        self._set_channel(None)
        self._consumer_tag = None
        connection = self._io.connection
        if self._active and connection is not None and connection.is_open:
            log.warning("consumer channel closed; reopening", extra={"queue": self.queue, "reason": repr(reason)})
            self._reopen_later()

    def _on_message(self, channel: Any, method: Any, props: pika.BasicProperties, body: bytes) -> None:
        message = from_pika(method, props, body)
        if channel is self._channel:
            self._outstanding.append(method.delivery_tag)
        settle = partial(self._settle_threadsafe, channel, method.delivery_tag)
        self._burst.append(Delivery(message, self.queue, settle, self._retry))
        if len(self._burst) == 1:  # hand over after pika has dispatched everything this read brought
            self._io.call_later(0, self._hand_over)

    def _hand_over(self) -> None:
        burst, self._burst = self._burst, []
        if burst:
            self.consumer.dispatch_many(burst)

    def _settle_threadsafe(self, channel: Any, tag: int, how: Settlement) -> None:
        with self._lock:
            self._settlements.append((channel, tag, how))
            if len(self._settlements) > 1:
                return  # a flush is already queued
        self._io.call_soon(self._flush)

    def _flush(self) -> None:
        with self._lock:
            batch, self._settlements = self._settlements, []
        channel = self._channel
        acked: set[int] = set()
        stale = 0
        for ch, tag, how in batch:
            if ch is not channel or not ch.is_open:
                stale += 1
            elif how is Settlement.ACK:
                acked.add(tag)
            else:  # rare: sent at once, each on its own
                if how is Settlement.REQUEUE:
                    ch.basic_nack(tag, requeue=True)
                else:
                    ch.basic_reject(tag, requeue=False)
                self._settled.add(tag)
        if acked:
            self._send_acks(channel, acked)
        if stale:  # one line per burst, not per delivery: an outage settles many at once
            log.warning("settlements for a closed channel dropped (the broker redelivers those messages)",
                        extra={"queue": self.queue, "count": stale})

    def _send_acks(self, channel: Any, acked: set[int]) -> None:
        """One multiple ack for the settled head of the outstanding tags; single acks for the rest."""
        outstanding, settled = self._outstanding, self._settled
        last = 0
        while outstanding and (outstanding[0] in acked or outstanding[0] in settled):
            tag = outstanding.popleft()
            settled.discard(tag)
            if tag in acked:
                acked.discard(tag)
                last = tag
        if last:
            channel.basic_ack(last, multiple=True)
        for tag in sorted(acked):  # behind a delivery still in a handler
            channel.basic_ack(tag)
            settled.add(tag)

    # -- called by Consumer.close (caller thread) ------------------------------------------------------
    def _stop_deliveries(self) -> None:
        def cancel() -> None:
            if self._channel is not None and self._channel.is_open and self._consumer_tag is not None:
                self._channel.basic_cancel(self._consumer_tag)
            self._consumer_tag = None

        self._call(cancel)

    def _release(self) -> None:
        def close() -> None:
            self._active = False
            channel = self._channel
            self._set_channel(None)
            if channel is not None and channel.is_open:
                channel.close()

        self._call(close)
        self._on_closed(self)

    def _call(self, fn: Callable[[], None]) -> None:
        """Run a control call (cancel, close) on the I/O thread and wait for it; while the connection is known
        lost, queue it for the next connect and return at once: the broker already dropped the consumer and its
        channel with the connection, and waiting for a reconnect that may never come made a stop of every consumer
        take 20 s each (``onepoint serve`` stopped with RabbitMQ down took minutes)."""
        if not self._io.connected:
            self._io.call_soon(fn)
            return
        try:
            self._io.call(fn, timeout=10.0)
        except Exception as exc:
            log.warning("consumer control call failed", extra={"queue": self.queue, "error": repr(exc)})
