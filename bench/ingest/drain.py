"""A queue drainer: consumes one queue with manual acks on its own pika connection and thread, counting ids."""

from __future__ import annotations

import threading
import time
from typing import Any

import pika
import pika.exceptions

__all__ = ["Drainer", "queue_depth"]


def queue_depth(url: str, queue: str) -> int:
    """Messages ready in ``queue`` (passive declare)."""
    conn = pika.BlockingConnection(pika.URLParameters(url))
    try:
        return int(conn.channel().queue_declare(queue, passive=True).method.message_count)
    finally:
        conn.close()


class Drainer:
    """Drains ``queue`` while a load runs (prefetch 1000, one multiple-ack per batch), remembering message ids."""

    def __init__(self, url: str, queue: str, prefetch: int = 1000, ack_every: int = 100) -> None:
        self.url = url
        self.queue = queue
        self.prefetch = prefetch
        self.ack_every = ack_every
        self.ids: set[str] = set()
        self.deliveries = 0
        self.error: BaseException | None = None
        self._last_tag = 0
        self._unacked = 0
        self._stop = threading.Event()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"drain-{queue}", daemon=True)

    def start(self) -> Drainer:
        self._thread.start()
        if not self._started.wait(30):
            raise RuntimeError(f"drainer of {self.queue} did not start")
        if self.error is not None:
            raise RuntimeError(f"drainer of {self.queue} failed: {self.error!r}")
        return self

    def _on_message(self, channel: Any, method: Any, props: pika.BasicProperties, _body: bytes) -> None:
        self.deliveries += 1
        if props.message_id:
            self.ids.add(props.message_id)
        self._last_tag = method.delivery_tag
        self._unacked += 1
        if self._unacked >= self.ack_every:
            channel.basic_ack(self._last_tag, multiple=True)
            self._unacked = 0

    def _run(self) -> None:
        try:
            conn = pika.BlockingConnection(pika.URLParameters(self.url))
        except BaseException as exc:  # reported by start()
            self.error = exc
            self._started.set()
            return
        try:
            channel = conn.channel()
            channel.basic_qos(prefetch_count=self.prefetch)
            channel.basic_consume(self.queue, self._on_message, auto_ack=False)
            self._started.set()
            while not self._stop.is_set():
                conn.process_data_events(time_limit=0.05)
                if self._unacked:  # idle for a moment: ack what we have
                    channel.basic_ack(self._last_tag, multiple=True)
                    self._unacked = 0
        except BaseException as exc:
            self.error = exc
        finally:
            try:
                if conn.is_open:
                    conn.close()
            except pika.exceptions.AMQPError:
                pass
            self._started.set()

    def wait_idle(self, quiet: float = 1.0, timeout: float = 60.0) -> None:
        """Return once no delivery arrived for ``quiet`` seconds (or after ``timeout``)."""
        deadline = time.monotonic() + timeout
        seen, since = self.deliveries, time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            if self.deliveries != seen:
                seen, since = self.deliveries, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
