"""Broker contract + store: a redelivered or duplicated message never repeats its effect."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.store import ProcessedStore, process_once
from hub.transport import Broker, Delivery, Message, TopologyConfig
from tests.support.processed_stores import POSTGRES, opened_store


@pytest.fixture(params=["sqlite", "memory", POSTGRES])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProcessedStore]:
    opened = opened_store(request, tmp_path)
    yield opened
    opened.close()


def test_redelivery_after_a_lost_ack_does_not_repeat_the_effect(
    broker: Broker, config: TopologyConfig, store: ProcessedStore, inbox
) -> None:
    effects: list[str] = []
    outcomes: list[bool] = []

    def effect(m: Message) -> str:
        effects.append(m.message_id)
        return "created"

    def handler(d: Delivery) -> None:
        if not d.message.redelivered:
            # The effect commits, then the "process dies" before its ack: the broker redelivers.
            store.run_once(d.message.message_id, lambda: effect(d.message))
            d.nack(requeue=True)
        else:
            outcomes.append(process_once(store, d, effect))

    sent = Message(b"<w/>", "boss.workorder.CreateWorkOrder")
    broker.publish(config.commands_exchange, sent).result(10)
    box = inbox(handler)
    with broker.consume(config.queue("boss"), box):
        box.get()
        box.get()
    assert effects == [sent.message_id]
    assert outcomes == [False]
    assert store.outcome(sent.message_id) == "created"


def test_duplicate_publishes_take_effect_once(
    broker: Broker, config: TopologyConfig, store: ProcessedStore, inbox
) -> None:
    effects: list[str] = []
    lock = threading.Lock()

    def effect(m: Message) -> str:
        with lock:
            effects.append(m.message_id)
        return "ok"

    ids = [f"id-{i}" for i in range(20)]
    for _ in range(3):  # the same 20 commands, three times (a caller's retries)
        for mid in ids:
            broker.publish(config.commands_exchange, Message(b"<w/>", "boss.x.Create", message_id=mid)).result(10)
    box = inbox(lambda d: process_once(store, d, effect))
    with broker.consume(config.queue("boss"), box, concurrency=4):
        for _ in range(60):
            box.get()
    assert sorted(effects) == sorted(ids)
    assert store.count() == 20
