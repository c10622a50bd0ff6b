"""The raw references of the backbone benchmark: pika alone, and pika with the hub's validation bolted on.

``RawRun``: one ``SelectConnection``; channel 1 publishes in confirm mode with up to ``window`` unconfirmed
(mandatory, persistent), channel 2 consumes with ``prefetch`` and acks every message; done when all N are
confirmed and acked. ``ValidatedRawRun`` is the same loop, except that each document is validated with the
hub's ``DocumentValidator`` right before its publish: nothing else of the hub. It is the ceiling of any
pipeline that must validate every document on this machine.
"""

from __future__ import annotations

import time
from typing import Any

import pika
import pika.exceptions

from bench.ingest.documents import message_id
from hub.transport import Topology
from hub.validation import DocumentValidator

__all__ = ["COMMAND", "BenchFailure", "RawRun", "ValidatedRawRun", "declare"]

COMMAND = "workorder.CreateWorkOrder"


class BenchFailure(Exception):
    """A check failed (lost messages, non-2xx answers): reported loudly, exit status 1."""


def declare(url: str, topology: Topology) -> None:
    """Declare a topology exactly as the hub does (the raw side gets the same exchange, queue arguments, bindings)."""
    conn = pika.BlockingConnection(pika.URLParameters(url))
    try:
        ch = conn.channel()
        for ex in topology.exchanges:
            ch.exchange_declare(ex.name, ex.type, durable=True)
        for q in topology.queues:
            ch.queue_declare(q.name, durable=True, arguments=dict(q.arguments))
        for b in topology.bindings:
            ch.queue_bind(b.queue, b.exchange, routing_key=b.routing_key)
    finally:
        conn.close()


class RawRun:
    def __init__(self, url: str, exchange: str, key: str, queue: str, documents: list[bytes], tag: str,
                 window: int, prefetch: int, timeout: float) -> None:
        self.url, self.exchange, self.key, self.queue = url, exchange, key, queue
        self.documents, self.n, self.tag = documents, len(documents), tag
        self.window, self.prefetch, self.timeout = window, prefetch, timeout
        self.sent = self.confirmed = self.consumed = 0
        self.outstanding: dict[int, None] = {}
        self.error: str | None = None
        self.t0 = self.t1 = 0.0
        self.pub: Any = None
        self.conn: Any = None

    def run(self) -> float:
        self.conn = pika.SelectConnection(pika.URLParameters(self.url), on_open_callback=self._on_open,
                                          on_open_error_callback=self._fail_open, on_close_callback=self._closed)
        self.conn.ioloop.call_later(self.timeout, lambda: self._finish(f"timed out after {self.timeout:.0f}s"))
        self.conn.ioloop.start()
        if self.error is not None:
            raise BenchFailure(f"{type(self).__name__}: {self.error} (sent {self.sent}, confirmed {self.confirmed},"
                               f" consumed {self.consumed})")
        return self.n / (self.t1 - self.t0)

    def _fail_open(self, conn: Any, exc: BaseException) -> None:
        self.error = f"connection failed: {exc!r}"
        conn.ioloop.stop()

    def _closed(self, conn: Any, reason: BaseException) -> None:
        conn.ioloop.stop()

    def _on_open(self, conn: Any) -> None:
        conn.channel(on_open_callback=self._consumer_open)

    def _consumer_open(self, ch: Any) -> None:
        ch.basic_qos(prefetch_count=self.prefetch,
                     callback=lambda _: (ch.basic_consume(self.queue, self._on_message, auto_ack=False),
                                         self.conn.channel(on_open_callback=self._publisher_open)))

    def _publisher_open(self, ch: Any) -> None:
        self.pub = ch
        ch.add_on_return_callback(lambda *_: self._finish("a message was returned (unroutable)"))
        ch.confirm_delivery(ack_nack_callback=self._on_confirm, callback=lambda _: self._start())

    def _start(self) -> None:
        self.t0 = time.perf_counter()
        self._pump()

    def _publish(self, number: int) -> None:
        """The same 2 KB body every time (what raw pika measures: the transport)."""
        props = pika.BasicProperties(delivery_mode=2, message_id=message_id(self.tag, number), type=COMMAND,
                                     content_type="application/xml")
        self.pub.basic_publish(self.exchange, self.key, self.documents[0], props, mandatory=True)

    def _pump(self) -> None:
        while self.sent < self.n and len(self.outstanding) < self.window:
            self._publish(self.sent)
            self.sent += 1
            self.outstanding[self.sent] = None

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        if not isinstance(method, pika.spec.Basic.Ack):
            self._finish("the broker nacked a publish")
            return
        if method.multiple:
            while self.outstanding and next(iter(self.outstanding)) <= method.delivery_tag:
                del self.outstanding[next(iter(self.outstanding))]
                self.confirmed += 1
        elif self.outstanding.pop(method.delivery_tag, 0) is None:
            self.confirmed += 1
        self._pump()
        self._check_done()

    def _on_message(self, ch: Any, method: Any, _props: Any, _body: bytes) -> None:
        ch.basic_ack(method.delivery_tag)
        self.consumed += 1
        self._check_done()

    def _check_done(self) -> None:
        if self.consumed >= self.n and self.confirmed >= self.n and not self.t1:
            self.t1 = time.perf_counter()
            self._finish(None)

    def _finish(self, error: str | None) -> None:
        if error is not None and not self.t1:
            self.error = error
        if self.conn.is_open:
            self.conn.close()
        else:
            self.conn.ioloop.stop()


class ValidatedRawRun(RawRun):
    """``RawRun`` + ``DocumentValidator.validate_bytes`` on each (distinct) document before its publish."""

    def __init__(self, validator: DocumentValidator, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.validator = validator

    def _publish(self, number: int) -> None:
        document = self.documents[number]
        command = self.validator.validate_bytes(document, expected_set="workorder")
        props = pika.BasicProperties(delivery_mode=2, message_id=command.message_id, type=command.command_type,
                                     content_type="application/xml")
        self.pub.basic_publish(self.exchange, self.key, document, props, mandatory=True)
