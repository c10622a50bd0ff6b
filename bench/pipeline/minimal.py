"""The minimal pipeline of the backbone benchmark: the hub's stages written by hand, with no hub code but the validator.

Producer (this process): raw pika's confirm loop (``ValidatedRawRun``: each document through the hub's
``DocumentValidator`` right before its publish, up to ``window`` unconfirmed), with no consuming channel.
Consumer (``minimal_worker.py``, its own process, as the hub's worker): pika, message ids into SQLite with
``INSERT … ON CONFLICT DO NOTHING`` and one commit per socket read, then one multiple ack. The figure runs from
the first publish until the consumer has handled all N.

It is the pipeline the issue asks the hub to run (validate → publish confirmed → consume → idempotency check →
ack) at its cheapest, without routing table, envelope, properties, retries, reconnection or metrics: what any
implementation of it could hope for on this machine, measured in the same run as raw pika.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.pipeline.process import WorkerProcess
from bench.pipeline.raw import BenchFailure, ValidatedRawRun

__all__ = ["MinimalPipeline"]


class _PublishOnly(ValidatedRawRun):
    """The validating confirm loop, without the consuming channel: done when every publish is confirmed."""

    def _on_open(self, conn: Any) -> None:
        conn.channel(on_open_callback=self._publisher_open)

    def _check_done(self) -> None:
        if self.confirmed >= self.n and not self.t1:
            self.t1 = time.perf_counter()
            self._finish(None)


class MinimalPipeline:
    """The consumer process, opened once for all rounds; ``run`` publishes one round and waits for its consumption."""

    def __init__(self, url: str, exchange: str, key: str, queue: str, workdir: Path, *, window: int,
                 prefetch: int) -> None:
        self.url, self.exchange, self.key, self.queue = url, exchange, key, queue
        self.window, self.prefetch = window, prefetch
        self.consumer = WorkerProcess("minimal_worker.py", url, queue, str(workdir / "minimal.db"), str(prefetch))

    def run(self, validator: Any, documents: list[bytes], timeout: float) -> float:
        n = len(documents)
        self.consumer.expect(n)
        producer = _PublishOnly(validator, self.url, self.exchange, self.key, self.queue, documents, "", self.window,
                                self.prefetch, timeout)
        producer.run()
        _handled, duplicates = self.consumer.wait(max(1.0, timeout - (time.perf_counter() - producer.t0)))
        t1 = time.perf_counter()
        if duplicates:
            raise BenchFailure(f"minimal pipeline: {duplicates} deliveries were duplicates")
        return n / (t1 - producer.t0)

    def close(self) -> None:
        self.consumer.close()
