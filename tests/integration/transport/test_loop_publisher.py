"""``LoopPublisher`` on a real RabbitMQ: confirmed means stored, failures are raised, nothing confirmed is lost."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pika
import pytest
import uvloop

from hub.transport import (
    Message,
    PublishNackedError,
    PublishTimeoutError,
    TopologyConfig,
    TransportClosedError,
    TransportError,
    UnroutableError,
    open_broker,
)
from hub.transport.amqp.loop_publisher import LoopPublisher, PublisherUnavailableError
from hub.transport.errors import PublishOutcomeUnknownError
from tests.support.rabbitmq_server import RabbitMQServer, free_port
from tests.support.topology_cleanup import delete_topology

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]

DEADLINE = 180.0  # seconds before a wait gives up (a failure, never an assertion on speed)
KEY = "boss.workorder.CreateWorkOrder"
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], uv: bool = False) -> T:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop if uv else None) as runner:
        return runner.run(coro)


async def until(condition: Callable[[], bool], what: str) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE
    while not condition():
        if loop.time() > end:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.fixture
def config(rabbitmq_server: RabbitMQServer) -> Iterator[TopologyConfig]:
    """A fresh topology (unique prefix), declared by the hub's Broker, which is then closed."""
    config = TopologyConfig(prefix=f"lp{uuid.uuid4().hex[:8]}", consumers=("boss",))
    open_broker(rabbitmq_server.url, config).close()
    yield config
    if rabbitmq_server.running:  # drop what this test declared (the session broker is shared)
        delete_topology(rabbitmq_server.url, config, extra_queues=(f"{config.prefix}.tiny",))


def drain(url: str, queue: str) -> list[tuple[Any, bytes]]:
    """Take (and ack) every ready message of ``queue``: [(properties, body)]."""
    conn = pika.BlockingConnection(pika.URLParameters(url))
    try:
        ch = conn.channel()
        out = []
        while True:
            method, props, body = ch.basic_get(queue)
            if method is None:
                return out
            out.append((props, body))
            ch.basic_ack(method.delivery_tag)
    finally:
        conn.close()


def message_count(url: str, queue: str) -> int:
    conn = pika.BlockingConnection(pika.URLParameters(url))
    try:
        return int(conn.channel().queue_declare(queue, passive=True).method.message_count)
    finally:
        conn.close()


@pytest.mark.parametrize("uv", [False, True], ids=["asyncio", "uvloop"])
def test_confirmed_message_is_in_the_queue_with_its_properties(
    rabbitmq_server: RabbitMQServer, config: TopologyConfig, uv: bool
) -> None:
    message = Message(
        b"<wo/>", KEY, message_id="m-1", type="workorder.CreateWorkOrder", correlation_id="c-1",
        content_type="application/xml", headers={"caller": "cs", "x-n": 7},
    )

    async def main() -> None:
        publisher = LoopPublisher(rabbitmq_server.url)
        await publisher.start()
        assert publisher.ready
        await publisher.publish(config.commands_exchange, message)
        # not mandatory: an unroutable message is confirmed (and dropped) without an error
        await publisher.publish(config.commands_exchange, Message(b"x", "nobody.x.Y"), mandatory=False)
        await publisher.close()

    run(main(), uv)
    [(props, body)] = drain(rabbitmq_server.url, config.queue("boss"))
    assert body == b"<wo/>"
    assert (props.message_id, props.type, props.correlation_id) == ("m-1", "workorder.CreateWorkOrder", "c-1")
    assert props.content_type == "application/xml"
    assert {k: v for k, v in props.headers.items() if k != "x-delivery-count"} == {"caller": "cs", "x-n": 7}
    assert props.delivery_mode == 2  # persistent


def test_two_thousand_concurrent_publishes_are_all_confirmed_and_stored(
    rabbitmq_server: RabbitMQServer, config: TopologyConfig
) -> None:
    ids = [f"n{i:05d}" for i in range(2_000)]

    async def main() -> int:
        publisher = LoopPublisher(rabbitmq_server.url, max_in_flight=128)  # most of them wait for a slot
        await publisher.start()
        try:
            results = await asyncio.gather(
                *(publisher.publish(config.commands_exchange, Message(b"<wo/>", KEY, message_id=i)) for i in ids)
            )
            assert results == [None] * len(ids)
            return publisher.unconfirmed()
        finally:
            await publisher.close()

    assert run(main()) == 0
    stored = drain(rabbitmq_server.url, config.queue("boss"))
    assert sorted(props.message_id for props, _ in stored) == ids


def test_unroutable_mandatory_publish_raises_and_others_are_unaffected(
    rabbitmq_server: RabbitMQServer, config: TopologyConfig
) -> None:
    async def main() -> list[BaseException | None]:
        publisher = LoopPublisher(rabbitmq_server.url, exchanges={config.commands_exchange})
        await publisher.start()
        try:
            messages = [Message(b"x", KEY if i % 3 else "nobody.x.Y", message_id=f"u{i}") for i in range(30)]
            futures = [publisher.publish(config.commands_exchange, m) for m in messages]
            futures.append(publisher.publish("no-such-exchange", Message(b"x", KEY)))  # refused, channel intact
            return await asyncio.gather(*futures, return_exceptions=True)
        finally:
            await publisher.close()

    outcomes = run(main())
    *routed, unknown = outcomes
    for i, outcome in enumerate(routed):
        if i % 3:
            assert outcome is None
        else:
            assert isinstance(outcome, UnroutableError)
            assert (outcome.message_id, outcome.routing_key) == (f"u{i}", "nobody.x.Y")
    assert isinstance(unknown, TransportError)
    stored = drain(rabbitmq_server.url, config.queue("boss"))
    assert sorted(props.message_id for props, _ in stored) == sorted(f"u{i}" for i in range(30) if i % 3)


def test_nack_recycles_the_channel_and_resends_until_the_deadline(
    rabbitmq_server: RabbitMQServer, config: TopologyConfig
) -> None:
    """A nack for a queue the publisher does not know to be bounded (here: a queue outside its topology) is taken for
    the 3.10 failover fault: new channel, resend; confirmed once there is room, else raised."""
    tiny = f"{config.prefix}.tiny"
    conn = pika.BlockingConnection(pika.URLParameters(rabbitmq_server.url))
    conn.channel().queue_declare(tiny, durable=True, arguments={"x-max-length": 1, "x-overflow": "reject-publish"})
    conn.close()

    def purge() -> None:
        c = pika.BlockingConnection(pika.URLParameters(rabbitmq_server.url))
        c.channel().queue_purge(tiny)
        c.close()

    async def main() -> tuple[int, int]:
        impatient = LoopPublisher(rabbitmq_server.url, publish_timeout=1.0)
        publisher = LoopPublisher(rabbitmq_server.url, publish_timeout=DEADLINE)
        await impatient.start()
        await publisher.start()
        try:
            await publisher.publish("", Message(b"first", tiny))  # fills the queue
            # refused at its deadline (a resend caught in flight then is an unknown outcome: it may be stored)
            with pytest.raises((PublishNackedError, PublishOutcomeUnknownError)):
                await impatient.publish("", Message(b"refused", tiny))
            assert impatient.recycles >= 1
            second = publisher.publish("", Message(b"second", tiny))
            await until(lambda: publisher.recycles >= 2, "the nacked publish to be resent on a new channel")
            assert not second.done()
            await asyncio.to_thread(purge)
            await second  # confirmed on a later channel once the queue has room
            assert publisher.ready
            return publisher.recycles, publisher.resent
        finally:
            await impatient.close()
            await publisher.close()

    recycles, _ = run(main())
    assert recycles >= 2
    assert [body for _, body in drain(rabbitmq_server.url, tiny)] == [b"second"]


def test_broker_killed_mid_stream_every_publish_is_confirmed_and_stored_or_raised(
    rabbitmq_server: RabbitMQServer, config: TopologyConfig
) -> None:
    workers, per_worker = 16, 150
    total = workers * per_worker
    outcomes: dict[str, BaseException | None] = {}
    settled_after_kill: set[str] = set()
    killed = False

    async def main() -> int:
        nonlocal killed
        publisher = LoopPublisher(rabbitmq_server.url, publish_timeout=DEADLINE, max_in_flight=64)
        other = LoopPublisher(rabbitmq_server.url)
        await publisher.start()
        await other.start()

        async def produce(worker: int) -> None:
            for i in range(per_worker):
                mid = f"k{worker:02d}-{i:04d}"
                try:
                    await publisher.publish(config.commands_exchange, Message(b"<wo/>", KEY, message_id=mid))
                    outcomes[mid] = None
                except TransportError as exc:
                    outcomes[mid] = exc
                if killed:
                    settled_after_kill.add(mid)

        try:
            tasks = [asyncio.create_task(produce(w)) for w in range(workers)]
            await until(lambda: len(outcomes) >= total // 3, "a third of the publishes to be confirmed")
            killed = True
            await asyncio.to_thread(rabbitmq_server.stop, hard=True)  # kill -9 with confirms in flight
            await until(lambda: not publisher.ready and not other.ready, "the publishers to notice")
            with pytest.raises(PublisherUnavailableError):
                await publisher.publish(config.commands_exchange, Message(b"x", KEY), fail_fast=True)
            stranded = other.publish(config.commands_exchange, Message(b"x", KEY, message_id="stranded"))
            await other.close(drain_timeout=0)  # closing while disconnected fails what waits
            with pytest.raises(TransportClosedError):
                await stranded
            await asyncio.to_thread(rabbitmq_server.start)
            await asyncio.gather(*tasks)
            assert publisher.ready
            return publisher.reconnects
        finally:
            await publisher.close()
            await other.close()

    reconnects = run(main())
    assert reconnects >= 1
    assert len(outcomes) == total  # every publish returned or raised
    failed = {mid: exc for mid, exc in outcomes.items() if exc is not None}
    # RabbitMQ 3.10 accepts connections before its quorum queues are back and returns what it cannot route yet:
    # the publisher sends it again for RECOVERY_GRACE seconds after the reconnect, then raises UnroutableError
    # (stored nowhere; the ingress answers 503 "retry later"). Only after the kill, never before.
    unroutable = {mid for mid, exc in failed.items() if isinstance(exc, UnroutableError)}
    assert unroutable <= settled_after_kill, sorted(unroutable - settled_after_kill)[:5]
    assert all(isinstance(exc, PublishTimeoutError | PublishNackedError | UnroutableError)
               for exc in failed.values()), failed
    confirmed = {mid for mid, exc in outcomes.items() if exc is None}
    stored = [props.message_id for props, _ in drain(rabbitmq_server.url, config.queue("boss"))]
    assert confirmed <= set(stored), sorted(confirmed - set(stored))[:5]  # no confirmed message missing
    assert "stranded" not in stored
    assert set(stored) <= set(outcomes)  # nothing else; duplicates (resent after a lost confirm) may occur


def test_close_drains_in_flight_publishes_then_refuses(rabbitmq_server: RabbitMQServer, config: TopologyConfig) -> None:
    async def main() -> None:
        publisher = LoopPublisher(rabbitmq_server.url)
        await publisher.start()
        messages = [Message(b"x", KEY, message_id=f"c{i}") for i in range(500)]
        futures = [publisher.publish(config.commands_exchange, m) for m in messages]
        await publisher.close(drain_timeout=DEADLINE)
        assert all(f.done() and f.exception() is None for f in futures)
        assert not publisher.ready
        with pytest.raises(TransportClosedError):
            await publisher.publish(config.commands_exchange, Message(b"x", KEY))
        await publisher.close()  # idempotent

    run(main())
    assert message_count(rabbitmq_server.url, config.queue("boss")) == 500


def test_start_fails_when_nothing_listens() -> None:
    async def main() -> None:
        publisher = LoopPublisher(f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F")
        with pytest.raises(TransportError):
            await publisher.start()
        assert not publisher.ready

    run(main())
