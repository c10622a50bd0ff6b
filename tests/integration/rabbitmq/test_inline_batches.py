"""Inline batch consumers on RabbitMQ: handlers run on the connection's thread; closing mid-batch loses nothing."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from hub.store import SQLiteProcessedStore, process_batch_once
from hub.transport import Delivery, Message, TopologyConfig, open_broker
from tests.support.rabbitmq_server import RabbitMQServer

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]

TOTAL = 300


def test_inline_batches_run_on_the_io_thread_and_a_close_mid_batch_loses_nothing(
    rabbitmq_server: RabbitMQServer, tmp_path: Path
) -> None:
    config = TopologyConfig(prefix=f"i{uuid.uuid4().hex[:8]}", consumers=("workflow",))
    store = SQLiteProcessedStore(tmp_path / "processed.db")
    effects: Counter[str] = Counter()
    threads: set[str] = set()
    lock = threading.Lock()
    in_batch = threading.Event()

    def effect(m: Message) -> str:
        with lock:
            effects[m.message_id] += 1
        return "applied"

    def slow(batch: list[Delivery]) -> None:
        threads.add(threading.current_thread().name)
        in_batch.set()
        time.sleep(0.3)  # the close below arrives while this batch runs on the I/O thread
        process_batch_once(store, batch, effect)

    def fast(batch: list[Delivery]) -> None:
        threads.add(threading.current_thread().name)
        process_batch_once(store, batch, effect)

    broker = open_broker(rabbitmq_server.url, config)
    try:
        queue = config.queue("workflow")
        sent = [Message(body=b"<x/>", routing_key=f"workflow.t.T{i}", type="workorder.CreateWorkOrder")
                for i in range(TOTAL)]
        for future in [broker.publish(config.commands_exchange, m) for m in sent]:
            future.result(30)
        first = broker.consume_batches(queue, slow, max_batch=32, prefetch=64, inline=True)
        assert in_batch.wait(30)
        first.close()  # waits for the running batch; what was not handed to it goes back to the queue
        with broker.consume_batches(queue, fast, max_batch=32, prefetch=64, inline=True):
            end = time.monotonic() + 60
            while len(effects) < TOTAL and time.monotonic() < end:
                time.sleep(0.05)
        assert set(effects) == {m.message_id for m in sent}
        assert max(effects.values()) == 1  # every effect exactly once
        assert threads == {"amqp-io"}  # no worker thread was involved
        assert broker.message_count(queue) == 0
    finally:
        broker.close()
        store.close()
