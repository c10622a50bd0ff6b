"""Broker contract: the same behaviour from ``memory://`` and RabbitMQ."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import replace

import pytest

from hub.transport import (
    Broker,
    Delivery,
    Message,
    PublishNackedError,
    TopologyConfig,
    TransportError,
    UnroutableError,
)


def cmd(key: str, body: bytes = b"<x/>", **fields: object) -> Message:
    return Message(body=body, routing_key=key, type="workorder.CreateWorkOrder", **fields)  # type: ignore[arg-type]


def test_publish_consume_ack_preserves_the_message(broker: Broker, config: TopologyConfig, inbox) -> None:
    sent = cmd("boss.workorder.CreateWorkOrder", b"<a>1</a>", correlation_id="c-1", headers={"x-source": "crm"})
    broker.publish(config.commands_exchange, sent).result(10)
    box = inbox()
    with broker.consume(config.queue("boss"), box):
        got = box.get().message
        # Acked: the next delivery on the queue is the next message, never the acked one again.
        broker.publish(config.commands_exchange, cmd("boss.x.Marker")).result(10)
        assert box.get().message.routing_key == "boss.x.Marker"
    assert (got.body, got.message_id, got.correlation_id) == (sent.body, sent.message_id, "c-1")
    assert got.type == "workorder.CreateWorkOrder"
    assert got.routing_key == "boss.workorder.CreateWorkOrder"
    assert got.exchange == config.commands_exchange
    assert got.headers["x-source"] == "crm"
    assert not got.redelivered
    assert got.delivery_count == 0
    assert broker.message_count(config.queue("boss")) == 0


def test_routing_key_addresses_one_consumer(broker: Broker, config: TopologyConfig) -> None:
    broker.publish(config.commands_exchange, cmd("crm.workorder.CreateWorkOrder")).result(10)
    assert broker.message_count(config.queue("crm")) == 1
    assert broker.message_count(config.queue("boss")) == 0
    assert broker.message_count(config.queue("nsp")) == 0


def test_nack_requeue_redelivers(broker: Broker, config: TopologyConfig, inbox) -> None:
    seen: list[Delivery] = []

    def nack_first(d: Delivery) -> None:
        seen.append(d)
        if len(seen) == 1:
            d.nack(requeue=True)
        else:
            d.ack()

    sent = cmd("boss.workorder.CreateWorkOrder")
    broker.publish(config.commands_exchange, sent).result(10)
    box = inbox(nack_first)
    with broker.consume(config.queue("boss"), box):
        first, second = box.get().message, box.get().message
    assert first.message_id == second.message_id == sent.message_id
    assert (first.redelivered, first.delivery_count) == (False, 0)
    assert (second.redelivered, second.delivery_count) == (True, 1)


def test_a_requeued_message_is_delivered_again_first(broker: Broker, config: TopologyConfig, inbox) -> None:
    """A 3.10 quorum queue serves a nacked-and-requeued message before the others; the twin does the same."""
    sent = [cmd("boss.workorder.CreateWorkOrder") for _ in range(3)]
    for message in sent:
        broker.publish(config.commands_exchange, message).result(10)
    order: list[str] = []

    def nack_the_first_once(d: Delivery) -> None:
        order.append(d.message.message_id)
        if d.message.message_id == sent[0].message_id and not d.message.redelivered:
            d.nack(requeue=True)
        else:
            d.ack()

    box = inbox(nack_the_first_once)
    with broker.consume(config.queue("boss"), box, prefetch=1):
        for _ in range(4):
            box.get()
    assert order == [sent[0].message_id, sent[0].message_id, sent[1].message_id, sent[2].message_id]


def test_unsettled_deliveries_return_when_the_consumer_closes(
    broker: Broker, config: TopologyConfig, inbox
) -> None:
    sent = cmd("nsp.x.Y")
    broker.publish(config.commands_exchange, sent).result(10)
    entered, release = threading.Event(), threading.Event()

    def hold(delivery: Delivery) -> None:  # returns without settling, once the consumer is closing
        entered.set()
        release.wait(10)

    consumer = broker.consume(config.queue("nsp"), hold)
    assert entered.wait(10)
    closer = threading.Thread(target=consumer.close)
    closer.start()
    deadline = time.monotonic() + 10
    while not consumer.closed and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()  # the Consumer requeues what the handler left unsettled; the closing consumer gets none of it
    closer.join(10)
    box = inbox()
    with broker.consume(config.queue("nsp"), box):
        again = box.get().message
    assert again.message_id == sent.message_id
    assert again.redelivered


def test_handler_exception_requeues(broker: Broker, config: TopologyConfig, inbox) -> None:
    calls: list[Delivery] = []

    def flaky(d: Delivery) -> None:
        calls.append(d)
        if len(calls) == 1:
            raise RuntimeError("backend down")
        d.ack()

    broker.publish(config.commands_exchange, cmd("boss.x.Y")).result(10)
    box = inbox(flaky)
    with broker.consume(config.queue("boss"), box):
        box.get()  # the call that raised is not put in the box: this is the redelivery
    assert len(calls) == 2
    assert calls[1].message.redelivered


def test_reject_dead_letters_with_reason(broker: Broker, config: TopologyConfig, inbox) -> None:
    sent = cmd("crm.workorder.CreateWorkOrder", headers={"x-source": "oa"})
    broker.publish(config.commands_exchange, sent).result(10)
    box = inbox(lambda d: d.reject("schema invalid"))
    with broker.consume(config.queue("crm"), box):
        box.get()
    dlq = inbox()
    with broker.consume(config.dead_letter_queue("crm"), dlq):
        dead = dlq.get().message
    assert dead.message_id == sent.message_id
    assert dead.body == sent.body
    assert dead.death_reason == "rejected"
    assert dead.death_queue == config.queue("crm")
    assert dead.headers["x-source"] == "oa"
    assert dead.headers["x-death"][0]["count"] == 1
    assert broker.message_count(config.queue("crm")) == 0


def test_settlements_from_many_threads_out_of_order(broker: Broker, config: TopologyConfig) -> None:
    """Four handler threads finish in any order and mix acks with nacks and rejects: the broker coalesces
    acks where it can, yet every message ends settled exactly as its handler said, none held back."""
    sent = [cmd("crm.x.Settle", body=str(i).encode()) for i in range(120)]
    for f in [broker.publish(config.commands_exchange, m) for m in sent]:
        f.result(10)
    lock = threading.Lock()
    acked: set[str] = set()
    rejected: set[str] = set()
    all_done = threading.Event()

    def handle(d: Delivery) -> None:
        i = int(d.message.body)
        time.sleep((i * 7 % 5) / 1000)  # finish out of delivery order
        if i % 11 == 0:
            d.reject("poison")
            outcome = rejected
        elif i % 7 == 0 and not d.message.redelivered:
            d.nack(requeue=True)
            return
        else:
            d.ack()
            outcome = acked
        with lock:
            outcome.add(d.message.message_id)
            if len(acked) + len(rejected) == len(sent):
                all_done.set()

    with broker.consume(config.queue("crm"), handle, prefetch=32, concurrency=4):
        assert all_done.wait(30)
    assert len(rejected) == 11 and len(acked) == len(sent) - 11
    assert broker.message_count(config.queue("crm")) == 0  # an ack left unsent would be back in the queue
    deadline = time.monotonic() + 10
    while broker.message_count(config.dead_letter_queue("crm")) < 11 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert broker.message_count(config.dead_letter_queue("crm")) == 11


def test_delivery_limit_dead_letters_a_poison_message(broker: Broker, config: TopologyConfig, inbox) -> None:
    broker.publish(config.commands_exchange, cmd("boss.x.Poison")).result(10)
    box = inbox(lambda d: d.nack(requeue=True))
    dlq = inbox()
    with broker.consume(config.queue("boss"), box), broker.consume(config.dead_letter_queue("boss"), dlq):
        dead = dlq.get().message
    counts = []
    while not box.deliveries.empty():
        counts.append(box.deliveries.get_nowait().message.delivery_count)
    assert counts == list(range(config.delivery_limit + 1))
    assert dead.death_reason == "delivery_limit"


@pytest.mark.parametrize("tier", ["short", "long"])
def test_delay_tier_round_trip(broker: Broker, config: TopologyConfig, inbox, tier: str) -> None:
    # The routing key of a broadcast reaches several queues; the retry must come back to the one that asked.
    sent = cmd("ignored-by-fanout")
    broker.publish(config.broadcast_exchange, sent).result(10)

    def retry_once(d: Delivery) -> None:
        if d.message.retry_count == 0:
            d.retry(tier)
        else:
            d.ack()

    box = inbox(retry_once)
    with broker.consume(config.queue("crm"), box):
        first, back = box.get().message, box.get().message
    assert first.retry_count == 0
    assert back.message_id == sent.message_id
    assert back.body == sent.body
    assert back.retry_count == 1
    assert back.origin_routing_key == "ignored-by-fanout"
    assert back.death_reason == "expired"
    assert back.death_queue == config.delay_exchange(tier)
    # Only crm's queue got the retry; boss and nsp still hold just their own broadcast copy.
    assert broker.message_count(config.queue("boss")) == 1
    assert broker.message_count(config.queue("nsp")) == 1


def test_unroutable_publish_raises(broker: Broker, config: TopologyConfig) -> None:
    future = broker.publish(config.commands_exchange, cmd("nobody.workorder.CreateWorkOrder"))
    with pytest.raises(UnroutableError) as err:
        future.result(10)
    assert err.value.routing_key == "nobody.workorder.CreateWorkOrder"
    # The publisher keeps working after a return.
    broker.publish(config.commands_exchange, cmd("boss.x.Y")).result(10)
    assert broker.message_count(config.queue("boss")) == 1


def test_publish_to_an_unknown_exchange_fails(broker: Broker) -> None:
    with pytest.raises(TransportError):
        broker.publish("no-such-exchange", cmd("boss.x.Y")).result(10)


def test_fanout_reaches_every_queue(broker: Broker, config: TopologyConfig, inbox) -> None:
    notice = Message(body=b"<outage/>", type="broadcast.OutageNotice")
    broker.publish(config.broadcast_exchange, notice).result(10)
    for consumer in config.consumers:
        box = inbox()
        with broker.consume(config.queue(consumer), box):
            assert box.get().message.message_id == notice.message_id


def test_confirmed_means_stored_with_many_in_flight(broker: Broker, config: TopologyConfig) -> None:
    def burst(n: int) -> list:
        return [broker.publish(config.commands_exchange, cmd(f"nsp.x.M{i}")) for i in range(n)]

    with ThreadPoolExecutor(4) as pool:
        futures = [f for chunk in pool.map(burst, [150] * 4) for f in chunk]
    done, not_done = wait(futures, timeout=30)
    assert not not_done
    assert all(f.exception() is None for f in done)
    assert broker.message_count(config.queue("nsp")) == 600


def test_publish_is_awaitable_from_asyncio(broker: Broker, config: TopologyConfig) -> None:
    async def main() -> None:
        results = await asyncio.gather(
            *(asyncio.wrap_future(broker.publish(config.commands_exchange, cmd("boss.a.B"))) for _ in range(50))
        )
        assert results == [None] * 50

    asyncio.run(main())
    assert broker.message_count(config.queue("boss")) == 50


def test_full_queue_nacks_the_publish(make_broker, config: TopologyConfig) -> None:
    # x-max-length + reject-publish: RabbitMQ nacks; the publisher recycles its channel and resends until
    # the deadline, then fails the Future. Other publishes keep working.
    broker = make_broker(replace(config, max_length=2), publish_timeout=1.0)
    for i in range(3):  # a 3.10 quorum queue checks the limit before enqueueing: max_length + 1 fit
        broker.publish(config.commands_exchange, cmd(f"boss.x.{i}")).result(10)
    with pytest.raises(PublishNackedError):
        broker.publish(config.commands_exchange, cmd("boss.x.overflow")).result(20)
    broker.publish(config.commands_exchange, cmd("crm.x.fine")).result(10)
    assert broker.message_count(config.queue("boss")) == 3
    assert broker.message_count(config.queue("crm")) == 1
