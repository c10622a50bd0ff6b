"""The minimal pipeline's consumer, in its own process, for ``bench/backbone.py`` (not run by hand).

    python bench/pipeline/minimal_worker.py URL QUEUE SQLITE_PATH PREFETCH

No hub code: one pika ``SelectConnection`` consuming QUEUE with manual acks. The deliveries of one socket read
are handled together once the read is done: their message ids go into a SQLite table with
``INSERT … ON CONFLICT DO NOTHING`` (the idempotency check: a row that already exists is a duplicate), one
commit, then one ``basic.ack(multiple=True)`` for the lot. That is the least a consumer that never repeats an
effect and acks only what is committed can do per message.

Protocol on stdin/stdout, one line each: it prints ``ready``; ``expect N`` → ``armed``, then
``done HANDLED DUPLICATES`` once N more deliveries were handled. EOF on stdin closes it.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from typing import Any

import pika


class MinimalConsumer:
    def __init__(self, url: str, queue: str, db: str, prefetch: int) -> None:
        self.queue, self.prefetch = queue, prefetch
        self.db = sqlite3.connect(db, check_same_thread=False)
        self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                              "CREATE TABLE IF NOT EXISTS processed (message_id TEXT PRIMARY KEY)")
        self.lock = threading.Lock()
        self.handled = self.duplicates = 0
        self.target = -1
        self.pending: list[tuple[int, str]] = []
        self.channel: Any = None
        self.conn = pika.SelectConnection(pika.URLParameters(url), on_open_callback=self._on_open,
                                          on_close_callback=lambda conn, _reason: conn.ioloop.stop())

    def _on_open(self, conn: Any) -> None:
        conn.channel(on_open_callback=self._on_channel)

    def _on_channel(self, ch: Any) -> None:
        self.channel = ch
        ch.basic_qos(prefetch_count=self.prefetch,
                     callback=lambda _: ch.basic_consume(self.queue, self._on_message, auto_ack=False,
                                                         callback=lambda _: print("ready", flush=True)))

    def _on_message(self, ch: Any, method: Any, props: Any, _body: bytes) -> None:
        if not self.pending:  # first of this read: handle the lot once the read is done
            self.conn.ioloop.call_later(0, self._flush)
        self.pending.append((method.delivery_tag, props.message_id))

    def _flush(self) -> None:
        batch, self.pending = self.pending, []
        before = self.db.total_changes
        self.db.executemany("INSERT INTO processed (message_id) VALUES (?) ON CONFLICT DO NOTHING",
                            [(mid,) for _, mid in batch])
        self.db.commit()
        inserted = self.db.total_changes - before
        self.channel.basic_ack(batch[-1][0], multiple=True)
        self._count(len(batch), len(batch) - inserted)

    def _count(self, handled: int, duplicates: int) -> None:
        with self.lock:
            before = self.handled
            self.handled += handled
            self.duplicates += duplicates
            if before < self.target <= self.handled:
                self.report()

    def report(self) -> None:
        print(f"done {self.handled} {self.duplicates}", flush=True)

    def expect(self, n: int) -> None:
        with self.lock:
            self.target = self.handled + n
            print("armed", flush=True)
            if self.handled >= self.target:
                self.report()

    def stop(self) -> None:
        self.conn.ioloop.add_callback_threadsafe(self.conn.close)


def main() -> None:
    url, queue, db, prefetch = sys.argv[1:5]
    consumer = MinimalConsumer(url, queue, db, int(prefetch))

    def control() -> None:
        for line in sys.stdin:
            word, _, number = line.partition(" ")
            if word == "expect":
                consumer.expect(int(number))
        consumer.stop()

    threading.Thread(target=control, daemon=True).start()
    consumer.conn.ioloop.start()
    consumer.db.close()


if __name__ == "__main__":
    main()
