"""``RabbitMQBroker`` on a real RabbitMQ when the broker refuses: a memory alarm (``connection.blocked``), a full
queue (``max_queue_length``: ``reject-publish``), a queue re-declared with other arguments while the hub ran
(audit 2, repro 01, 04 and 02). Each answer says what the broker did, at once."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pika
import pytest

from hub.transport import Broker, Message, PublisherUnavailableError, TopologyConfig, open_broker
from hub.transport.amqp import loop_publisher
from hub.transport.amqp.loop_publisher import LoopPublisher
from hub.transport.errors import PublishOutcomeUnknownError, QueueFullError, TopologyMismatchError
from tests.support.rabbitmq_server import RabbitMQServer
from tests.support.topology_cleanup import delete_topology

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]

WAIT = 30.0  # seconds before a wait gives up (a failure, never an assertion on speed)


@pytest.fixture
def config(request: pytest.FixtureRequest, rabbitmq_server: RabbitMQServer) -> Iterator[TopologyConfig]:
    config = TopologyConfig(prefix=f"rf{uuid.uuid4().hex[:8]}", consumers=("boss", "workflow"), max_length=3)
    yield config
    if rabbitmq_server.running:
        delete_topology(rabbitmq_server.url, config)


def drain(url: str, queue: str) -> list[str]:
    conn = pika.BlockingConnection(pika.URLParameters(url))
    try:
        ch, ids = conn.channel(), []
        while True:
            method, props, _ = ch.basic_get(queue, auto_ack=True)
            if method is None:
                return ids
            ids.append(props.message_id)
    finally:
        conn.close()


async def until(condition: Callable[[], bool], what: str) -> None:
    end = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def test_a_memory_alarm_makes_the_broker_unready_and_what_it_blocked_an_unknown_outcome(
    rabbitmq_server: RabbitMQServer, config: TopologyConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loop_publisher, "IDLE_PROBE_INTERVAL", 3600.0)  # no probe: a command is the first publish
    broker = open_broker(rabbitmq_server.url, config, publish_timeout=10.0)
    exchange, key = config.commands_exchange, "boss.workorder.CreateWorkOrder"

    async def main() -> None:
        await broker.start_loop()
        try:
            await broker.publish_async(exchange, Message(b"", key, message_id="before"), fail_fast=True)
            await asyncio.to_thread(rabbitmq_server.ctl, "set_vm_memory_high_watermark", "0.0001")
            try:
                await asyncio.sleep(1.0)  # RabbitMQ says "blocked" to a connection when it next publishes
                started = time.monotonic()
                with pytest.raises(PublishOutcomeUnknownError, match="low on memory"):
                    await asyncio.wait_for(
                        broker.publish_async(exchange, Message(b"", key, message_id="during"), fail_fast=True), 5.0)
                assert time.monotonic() - started < 3.0
                assert not broker.ready()
                assert broker.unready_reason() == ("publishing blocked by the broker: low on memory "
                                                   "(a memory or disk alarm)")
                with pytest.raises(PublisherUnavailableError, match="publishing blocked by the broker"):
                    await broker.publish_async(exchange, Message(b"", key, message_id="refused"), fail_fast=True)
            finally:
                await asyncio.to_thread(rabbitmq_server.ctl, "set_vm_memory_high_watermark", "0.4")
            await until(broker.ready, "the broker to unblock publishing")
            await broker.publish_async(exchange, Message(b"", key, message_id="after"), fail_fast=True)
        finally:
            await broker.stop_loop()

    try:
        asyncio.run(main())
    finally:
        broker.close()
    # "during" was read before the broker blocked: stored once the alarm cleared; "refused" was never written
    assert drain(rabbitmq_server.url, config.queue("boss")) == ["before", "during", "after"]


def test_an_idle_publisher_learns_of_a_memory_alarm_before_any_command_is_sacrificed(
    rabbitmq_server: RabbitMQServer, config: TopologyConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Audit 5 (repro 2): RabbitMQ blocks a connection only once it publishes. The ingress's idle publisher probes,
    so the broker is unready naming the alarm before a command comes, and the command is refused, never written
    (it was answered 504 as an unknown outcome, and only then /readyz turned 503)."""
    monkeypatch.setattr(loop_publisher, "IDLE_PROBE_INTERVAL", 0.5)
    broker = open_broker(rabbitmq_server.url, config, publish_timeout=10.0)
    exchange, key = config.commands_exchange, "boss.workorder.CreateWorkOrder"

    async def main() -> None:
        await broker.start_loop()
        try:
            await broker.publish_async(exchange, Message(b"", key, message_id="before"), fail_fast=True)
            await asyncio.to_thread(rabbitmq_server.ctl, "set_vm_memory_high_watermark", "0.0000001")
            try:
                await until(lambda: not broker.ready(), "the idle publisher to learn of the alarm")
                assert broker.unready_reason() == ("publishing blocked by the broker: low on memory "
                                                   "(a memory or disk alarm)")
                with pytest.raises(PublisherUnavailableError, match="low on memory"):
                    await broker.publish_async(exchange, Message(b"", key, message_id="refused"), fail_fast=True)
            finally:
                await asyncio.to_thread(rabbitmq_server.ctl, "set_vm_memory_high_watermark", "0.4")
            await until(broker.ready, "the broker to unblock publishing")
            await broker.publish_async(exchange, Message(b"", key, message_id="after"), fail_fast=True)
        finally:
            await broker.stop_loop()

    try:
        asyncio.run(main())
    finally:
        broker.close()
    assert drain(rabbitmq_server.url, config.queue("boss")) == ["before", "after"]  # probes are stored nowhere


def test_connections_the_alarm_blocks_are_dropped_on_close_not_left_waiting_for_it_to_clear(
    rabbitmq_server: RabbitMQServer, config: TopologyConfig, caplog: pytest.LogCaptureFixture
) -> None:
    """A blocked connection's ``Connection.Close`` is never answered (the broker reads nothing until the alarm
    clears): closing the broker and the loop publisher then drops their connections, so the I/O thread ends and the
    loop publisher's connection is gone, instead of both waiting 10 s and leaving them behind."""
    caplog.set_level(logging.WARNING, logger="onepoint.transport")
    before = set(threading.enumerate())
    broker = open_broker(rabbitmq_server.url, config, publish_timeout=10.0)
    exchange, key = config.commands_exchange, "boss.workorder.CreateWorkOrder"

    async def main() -> list[str]:
        publisher = LoopPublisher(rabbitmq_server.url, publish_timeout=10.0)
        await publisher.start()
        await asyncio.to_thread(rabbitmq_server.ctl, "set_vm_memory_high_watermark", "0.0001")
        try:
            broker.publish("", Message(b"", f"{config.prefix}.probe"), mandatory=False)  # blocked once it publishes
            await until(lambda: broker.unready_reason() is not None, "the broker to block the I/O thread's connection")
            with pytest.raises(PublishOutcomeUnknownError, match="low on memory"):
                await asyncio.wait_for(publisher.publish(exchange, Message(b"", key, message_id="blocked")), WAIT)
            await publisher.close()
            await asyncio.to_thread(broker.close)
            # alarm still on: the threads the close stopped end within moments (the publisher's deadline sweeper
            # notices its stop on its next tick); one waiting for a Close-Ok would wait for the alarm to clear
            ends = time.monotonic() + 5.0
            while (left := [t.name for t in set(threading.enumerate()) - before
                            if t.name.startswith("amqp") and t.is_alive()]) and time.monotonic() < ends:
                await asyncio.sleep(0.05)
            return left
        finally:
            await asyncio.to_thread(rabbitmq_server.ctl, "set_vm_memory_high_watermark", "0.4")

    try:
        left_running = asyncio.run(main())
    finally:
        broker.close()
    assert left_running == []  # the I/O thread ended with the alarm still on
    assert "broker connection did not close in time" not in caplog.text


def test_a_full_queue_refuses_at_once_without_recycling_and_other_queues_go_on(
    rabbitmq_server: RabbitMQServer, config: TopologyConfig
) -> None:
    broker = open_broker(rabbitmq_server.url, config, publish_timeout=20.0)
    exchange, full = config.commands_exchange, config.queue("boss")

    async def publish(key: str, mid: str) -> None:
        await asyncio.wait_for(broker.publish_async(exchange, Message(b"", key, message_id=mid), fail_fast=True), 5.0)

    async def main() -> Any:
        await broker.start_loop()
        try:
            for i in range(8):  # a 3.10 quorum queue takes max_length + 1
                try:
                    await publish("boss.workorder.CreateWorkOrder", f"fill-{i}")
                except QueueFullError:
                    break
            else:
                pytest.fail("the queue never refused a publish")
            started = time.monotonic()
            for i in range(3):
                with pytest.raises(QueueFullError, match=f"queue {full} is full"):
                    await publish("boss.workorder.CreateWorkOrder", f"more-{i}")
            assert time.monotonic() - started < 2.0
            assert broker.ready()
            await publish("workflow.workorder.CreateWorkOrder", "other-queue")
            return broker._loop_publisher.recycles  # type: ignore[attr-defined]
        finally:
            await broker.stop_loop()

    try:
        assert asyncio.run(main()) == 0  # the channel was kept: nothing in flight resent
    finally:
        broker.close()
    assert drain(rabbitmq_server.url, config.queue("workflow")) == ["other-queue"]


def close_connections_of(rabbitmq_server: RabbitMQServer, broker: Broker) -> None:
    """Close the broker's I/O-thread connection from the server's side (as a restart does, but only it)."""
    port = broker._io.connection._transport._sock.getsockname()[1]  # type: ignore[attr-defined]
    rows = rabbitmq_server.ctl("list_connections", "pid", "peer_port", "--quiet", "--no-table-headers")
    pids = [row.split()[0] for row in rows.splitlines() if row.split()[1:] == [str(port)]]
    assert pids, rows
    for pid in pids:
        rabbitmq_server.ctl("close_connection", pid, "test: reconnect")


def test_a_queue_redeclared_with_other_arguments_stops_the_broker_with_an_error_naming_it(
    rabbitmq_server: RabbitMQServer, config: TopologyConfig, caplog: pytest.LogCaptureFixture
) -> None:
    queue = config.queue("workflow")
    broker = open_broker(rabbitmq_server.url, config)
    try:
        conn = pika.BlockingConnection(pika.URLParameters(rabbitmq_server.url))
        ch = conn.channel()
        ch.queue_delete(queue)
        ch.queue_declare(queue, durable=True)  # classic, not quorum: an operator's mistake, another version
        conn.close()
        with caplog.at_level(logging.WARNING, logger="onepoint.transport"):
            close_connections_of(rabbitmq_server, broker)
            end = time.monotonic() + WAIT
            while broker.failure is None and time.monotonic() < end:
                time.sleep(0.05)
        failure = broker.failure
        assert isinstance(failure, TopologyMismatchError), failure
        assert failure.entity == f"queue {queue}" and "inequivalent arg" in failure.reason
        assert not broker.ready() and queue in (broker.unready_reason() or "")
        errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "onepoint.transport"]
        assert len(errors) == 1 and getattr(errors[0], "entity", None) == f"queue {queue}"
    finally:
        broker.close()
    with pytest.raises(TopologyMismatchError, match=f"queue {queue}: x-"):
        open_broker(rabbitmq_server.url, config)  # at start: the same refusal, raised


def test_changed_queue_settings_are_refused_at_start_naming_every_queue_argument_and_way_forward(
    rabbitmq_server: RabbitMQServer, config: TopologyConfig
) -> None:
    """Audit 3 (repro 5): delivery_limit and max_queue_length changed on a deployment whose queues exist. The
    refusal names every consumer queue, each with the first argument RabbitMQ named ("possibly more": no second
    declaration explores the others), and the remedies (it named only the first queue, and said nothing of what
    to do)."""
    open_broker(rabbitmq_server.url, config).close()
    changed = dataclasses.replace(config, delivery_limit=5, max_length=7)
    with pytest.raises(TopologyMismatchError) as refused:
        open_broker(rabbitmq_server.url, changed)
    text = str(refused.value)
    for consumer in config.consumers:  # RabbitMQ names the first argument that differs: one of the two, per queue
        queue = config.queue(consumer)
        named = [line for line in text.splitlines() if line.startswith(f"  queue {queue}: ")]
        assert named in ([f"  queue {queue}: x-delivery-limit is 10 on the broker, 5 in the settings ([broker] "
                          "delivery_limit)"],
                         [f"  queue {queue}: x-max-length is 3 on the broker, 7 in the settings ([broker] "
                          "max_queue_length)"]), text
    assert f"queue {config.dead_letter_queue('boss')}" not in text  # the DLQs did not change
    assert "drain" in text and "delete_queue" in text and "prefix" in text and "possibly more" in text, text
    assert "[broker] delivery_limit = 10" in text or "[broker] max_queue_length = 3" in text, text
    assert refused.value.entity == f"queue {config.queue('boss')}"
    open_broker(rabbitmq_server.url, config).close()  # the broker's queues untouched: the old settings still start


def _unroutable_dropped(server: RabbitMQServer) -> int:
    found = re.search(r"messages_unroutable_dropped_total\s*=>\s*(\d+)",
                      server.ctl("eval", "rabbit_global_counters:overview()."))
    assert found is not None
    return int(found.group(1))


def test_an_idle_publishers_probes_are_routed_and_dropped_never_counted_unroutable(
    rabbitmq_server: RabbitMQServer, config: TopologyConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review (repro 2): each idle probe went to no queue: RabbitMQ's messages_unroutable_dropped_total rose by one
    a second per idle ingress (86,400 a day), firing operators' unroutable alerts. Probes go to the topology's
    probe queue, which drops them: routed, counted nowhere, stored nowhere."""
    monkeypatch.setattr(loop_publisher, "IDLE_PROBE_INTERVAL", 0.2)
    broker = open_broker(rabbitmq_server.url, config, publish_timeout=10.0)
    before = _unroutable_dropped(rabbitmq_server)

    async def idle() -> None:
        await broker.start_loop()
        await asyncio.sleep(2.0)
        await broker.stop_loop()

    try:
        asyncio.run(idle())
        assert broker.message_count(config.probe_queue) == 0
    finally:
        broker.close()
    assert _unroutable_dropped(rabbitmq_server) == before
