"""A 3-node RabbitMQ cluster: the hub's quorum queue leaders are spread over the nodes, and when the node the hub
is connected to is killed (kill -9) under load, the hub moves to the next address, accepts commands again, and
every command it accepted is in its queue (RabbitMQ confirmed it)."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from hub.envelope import Envelope
from hub.routing import BrokerRouter, RoutingTable
from hub.routing.broker_router import BrokerUnavailableError
from hub.transport import Broker, DelayTier, Delivery, TopologyConfig, TransportError, open_broker
from tests.support.rabbitmq_server import BrokerStartError, RabbitMQCluster

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]

COMMAND = "workorder.CreateWorkOrder"
BEFORE_KILL = 1_500  # commands accepted before the kill
LOAD_AFTER_KILL = 2.0  # seconds the load goes on after the kill: the hub must accept again within them
PRODUCERS = 32  # concurrent routes, as an ingress has concurrent requests


@pytest.fixture(scope="module")
def cluster() -> Iterator[RabbitMQCluster]:
    cluster = RabbitMQCluster()
    try:
        cluster.start()
    except BrokerStartError as exc:
        cluster.close()
        pytest.fail(f"private RabbitMQ cluster did not start:\n{exc}", pytrace=False)
    try:
        yield cluster
    finally:
        cluster.close()


def config() -> TopologyConfig:
    return TopologyConfig(prefix=f"c{uuid.uuid4().hex[:8]}", consumers=("workflow", "boss"),
                          delay_tiers=(DelayTier("short", 200),))


def leaders(cluster: RabbitMQCluster, prefix: str, via: int) -> dict[str, str]:
    """Queue name -> leader node of the quorum queues of ``prefix``, asked of node ``via``."""
    out = cluster.nodes[via].ctl("list_queues", "name", "leader", "--quiet", "--no-table-headers")
    rows = (line.split() for line in out.splitlines())
    return {row[0]: row[1] for row in rows if len(row) == 2 and row[0].startswith(f"{prefix}.")}


def test_quorum_queue_leaders_are_spread_over_the_nodes(cluster: RabbitMQCluster) -> None:
    topology = config()
    open_broker(cluster.url, topology).close()  # declares the topology through the first node
    placed = leaders(cluster, topology.prefix, via=0)
    assert len(placed) == 6  # workflow, boss, their dead-letter queues, the delay queue, the probe queue
    assert len(set(placed.values())) > 1, placed


def test_killing_the_connected_node_moves_the_hub_to_the_next_address_and_loses_nothing(
    cluster: RabbitMQCluster,
) -> None:
    topology = config()
    table = RoutingTable.from_mapping({"routes": [{"name": "all", "commands": "workorder.*", "to": "workflow"}]},
                                      "test", consumers=set(topology.consumers), command_types=[COMMAND])
    broker = open_broker(cluster.url, topology, publish_timeout=60.0)
    try:
        accepted, killed_at, resumed_at, refused = asyncio.run(load_and_kill(broker, table, cluster))
        print(f"\naccepted {len(accepted)}, refused {refused}; first command accepted after the kill: "
              f"{resumed_at - killed_at:.2f} s after it")
        # Commands were accepted again before the load ended: routes that began after the kill were confirmed.
        assert any(started >= killed_at for started in accepted.values())
        assert set(accepted) <= consumed(broker, topology.queue("workflow"), set(accepted))
        assert broker.reconnects >= 1  # type: ignore[attr-defined]  # the I/O thread moved too (consumed above)
    finally:
        broker.close()


async def load_and_kill(
    broker: Broker, table: RoutingTable, cluster: RabbitMQCluster
) -> tuple[dict[str, float], float, float, int]:
    """Route commands from ``PRODUCERS`` concurrent callers; kill the first node (the one the hub connects to
    first) after ``BEFORE_KILL`` were accepted; stop ``LOAD_AFTER_KILL`` seconds after the kill.
    Returns when each accepted command began, the kill's time, the first acceptance of a command begun after
    it, and how many routes were refused (callers retry those, with new ids here)."""
    await broker.start_loop()
    router = BrokerRouter(broker, table)
    loop = asyncio.get_running_loop()
    accepted: dict[str, float] = {}
    ids = itertools.count()
    killed_at = resumed_at = float("inf")
    refused = 0
    done = asyncio.Event()

    async def producer() -> None:
        nonlocal refused, resumed_at, killed_at
        while not done.is_set():
            message_id = f"m-{next(ids):012d}"
            started = loop.time()
            try:
                await router.route(Envelope(message_id, COMMAND, "CS", b"<x/>", headers={"ingress": "test"}))
            except (BrokerUnavailableError, TransportError):
                refused += 1
                await asyncio.sleep(0.01)  # the caller retries a little later
                continue
            accepted[message_id] = started
            if started >= killed_at:
                resumed_at = min(resumed_at, loop.time())
            elif len(accepted) >= BEFORE_KILL and killed_at == float("inf"):
                killed_at = loop.time()
                cluster.nodes[0].kill()

    tasks = [asyncio.create_task(producer()) for _ in range(PRODUCERS)]
    try:
        deadline = time.monotonic() + 60.0
        while killed_at == float("inf") or loop.time() < killed_at + LOAD_AFTER_KILL:
            if any(task.done() for task in tasks):
                break  # a producer failed: gather raises its error
            if time.monotonic() > deadline:
                pytest.fail(f"{BEFORE_KILL} commands were not accepted before the kill (accepted {len(accepted)})")
            await asyncio.sleep(0.05)
        done.set()
        # Routes still waiting for a confirm finish (a publish is resent until its deadline).
        await asyncio.wait_for(asyncio.gather(*tasks), 60.0)
    finally:
        done.set()
        for task in tasks:
            task.cancel()
        await broker.stop_loop()
    return accepted, killed_at, resumed_at, refused


def consumed(broker: Broker, queue: str, expected: set[str]) -> set[str]:
    """Message ids delivered from ``queue`` until every expected one came (or 60 s passed)."""
    seen: set[str] = set()
    complete = threading.Event()
    lock = threading.Lock()

    def handler(delivery: Delivery) -> None:
        with lock:
            seen.add(delivery.message.message_id)
            if expected <= seen:
                complete.set()
        delivery.ack()

    consumer = broker.consume(queue, handler, prefetch=500)
    try:
        complete.wait(60)
    finally:
        consumer.close()
    with lock:
        return set(seen)
