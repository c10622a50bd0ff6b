"""Broker contract for batch consumers: the same behaviour from ``memory://`` and RabbitMQ."""

from __future__ import annotations

import threading
import time

import pytest

from hub.store import MemoryProcessedStore, process_batch_once
from hub.transport import Broker, Delivery, Message, TopologyConfig


def cmd(key: str, number: int) -> Message:
    return Message(body=str(number).encode(), routing_key=key, type="workorder.CreateWorkOrder")


def publish(broker: Broker, config: TopologyConfig, key: str, count: int) -> list[Message]:
    sent = [cmd(key, i) for i in range(count)]
    for future in [broker.publish(config.commands_exchange, m) for m in sent]:
        future.result(10)
    return sent


@pytest.mark.parametrize("inline", [False, True], ids=["worker-thread", "inline"])
def test_batches_take_what_is_waiting_and_every_message_takes_effect_once(
    broker: Broker, config: TopologyConfig, inline: bool
) -> None:
    sent = publish(broker, config, "boss.x.Batch", 60)
    store = MemoryProcessedStore()
    sizes: list[int] = []
    effects: list[str] = []
    done = threading.Event()

    def handle(batch: list[Delivery]) -> None:
        time.sleep(0.01)  # let more deliveries wait behind this one
        sizes.append(len(batch))
        process_batch_once(store, batch, lambda m: effects.append(m.message_id) or "ok")
        if len(effects) >= len(sent):
            done.set()

    with broker.consume_batches(config.queue("boss"), handle, max_batch=16, prefetch=32, inline=inline):
        assert done.wait(20)
    assert sorted(effects) == sorted(m.message_id for m in sent)
    assert max(sizes) > 1 and max(sizes) <= 16
    assert broker.message_count(config.queue("boss")) == 0


@pytest.mark.parametrize("inline", [False, True], ids=["worker-thread", "inline"])
def test_what_a_batch_handler_leaves_unsettled_or_raises_on_is_requeued(
    broker: Broker, config: TopologyConfig, inline: bool
) -> None:
    sent = publish(broker, config, "crm.x.Batch", 4)
    lock = threading.Lock()
    seen: dict[str, int] = {}
    all_acked = threading.Event()
    acked: set[str] = set()

    def handle(batch: list[Delivery]) -> None:
        for d in batch:
            with lock:
                seen[d.message.message_id] = seen.get(d.message.message_id, 0) + 1
                first = seen[d.message.message_id] == 1
            n = int(d.message.body)
            if first and n == 1:
                continue  # left unsettled: requeued by the consumer
            if first and n == 2:
                raise RuntimeError("backend down")  # the rest of this batch is requeued too
            d.ack()
            acked.add(d.message.message_id)
        if len(acked) == len(sent):
            all_acked.set()

    with broker.consume_batches(config.queue("crm"), handle, max_batch=8, inline=inline):
        assert all_acked.wait(20)
    assert set(seen) == {m.message_id for m in sent}
    assert seen[sent[1].message_id] >= 2 and seen[sent[2].message_id] >= 2
    assert broker.message_count(config.queue("crm")) == 0
