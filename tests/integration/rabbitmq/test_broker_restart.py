"""RabbitMQ restarted in the middle of 2,000 messages: every confirmed message is processed exactly once."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import Future
from pathlib import Path

import pytest

from hub.store import SQLiteProcessedStore, process_once
from hub.transport import Delivery, Message, TopologyConfig, open_broker
from tests.support.rabbitmq_server import RabbitMQServer

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]

TOTAL = 2_000
DEADLINE = 180.0  # seconds before the test gives up waiting (a failure, never an assertion on speed)


def _wait_for(condition: object, what: str) -> None:
    end = time.monotonic() + DEADLINE
    while not condition():  # type: ignore[operator]
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("hard", [False, True], ids=["graceful-restart", "kill-9-restart"])
def test_restart_mid_stream_loses_nothing_and_repeats_nothing(
    rabbitmq_server: RabbitMQServer, tmp_path: Path, hard: bool
) -> None:
    config = TopologyConfig(prefix=f"r{uuid.uuid4().hex[:8]}", consumers=("boss",))
    store = SQLiteProcessedStore(tmp_path / "processed.db")
    effects: Counter[str] = Counter()
    deliveries: Counter[str] = Counter()
    lock = threading.Lock()

    def effect(m: Message) -> str:
        with lock:
            effects[m.message_id] += 1
        return "applied"

    def handler(d: Delivery) -> None:
        with lock:
            deliveries[d.message.message_id] += 1
        process_once(store, d, effect)

    broker = open_broker(rabbitmq_server.url, config, publish_timeout=120.0)
    try:
        consumer = broker.consume(config.queue("boss"), handler, prefetch=100, concurrency=4)
        futures: dict[str, Future[None]] = {}
        restarted = threading.Event()

        def restart_when_half_confirmed() -> None:
            _wait_for(lambda: sum(f.done() for f in list(futures.values())) >= TOTAL // 2, "half confirmed")
            rabbitmq_server.restart(hard=hard)
            restarted.set()

        restarter = threading.Thread(target=restart_when_half_confirmed)
        restarter.start()
        for i in range(TOTAL):
            msg = Message(f"<wo n='{i}'/>".encode(), "boss.workorder.CreateWorkOrder", message_id=f"m{i:05d}")
            futures[msg.message_id] = broker.publish(config.commands_exchange, msg)
            if i == TOTAL * 3 // 4:
                # Keep a quarter of the publishes for the time the broker is down or coming back.
                _wait_for(lambda: restarted.is_set() or not rabbitmq_server.running, "the restart to begin")
        restarter.join(DEADLINE)
        assert restarted.is_set()

        confirmed = set()
        for mid, future in futures.items():
            future.exception(timeout=DEADLINE)
            if future.exception() is None:
                confirmed.add(mid)
        assert len(confirmed) == TOTAL  # the publisher resends everything unconfirmed after the reconnect

        _wait_for(lambda: confirmed <= set(effects), "every confirmed message to be processed")
        _wait_for(lambda: broker.message_count(config.queue("boss")) == 0, "the queue to drain")
        consumer.close()
        assert broker.reconnects >= 1  # type: ignore[attr-defined]
        assert all(count == 1 for count in effects.values()), effects.most_common(3)
        assert store.count() == TOTAL
        assert broker.message_count(config.dead_letter_queue("boss")) == 0
        assert sum(deliveries.values()) >= TOTAL
    finally:
        broker.close()
        store.close()
