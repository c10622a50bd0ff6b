"""``RabbitMQBroker.close()`` while its I/O thread reconnects (audit amqp-leak): whatever the reconnect is doing,
close leaves no socket open, no ``amqp-io`` thread running, and does not hang on a node that accepts TCP but never
speaks AMQP. A reconnect declaring the topology has the connection's own limits (pika's 15 s on a hung node): close
returns at once, no connection is made after it, and the thread ends by itself when the declaration gives up. The
node goes through a ``TcpRelay`` the test cuts (the connection is lost, as when a node goes) and turns silent (a hung
node)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from hub.transport import Broker, TopologyConfig, open_broker
from hub.transport.amqp.declarations import Declarations
from hub.transport.amqp.io import IOThread
from hub.transport.errors import TransportError
from tests.support.rabbitmq_server import RabbitMQServer
from tests.support.tcp_relay import TcpRelay, relay, silent_relay
from tests.support.topology_cleanup import delete_topology
from tests.support.unclosed_sockets import unclosed_sockets

pytestmark = [pytest.mark.integration]

WAIT = 30.0  # seconds before a wait gives up (a failure, never an assertion on speed)
PROMPT = 8.0  # "does not hang": well below the 10 s stop() waited, and the 15 s of pika's default handshake limit
THREAD_END = 40.0  # a thread left in its declaration ends by itself within pika's limits (10 s + 15 s at most)


@pytest.fixture
def config() -> TopologyConfig:
    return TopologyConfig(prefix=f"cr{uuid.uuid4().hex[:8]}", consumers=("workflow",))


@pytest.fixture
def declared(rabbitmq_server: RabbitMQServer, config: TopologyConfig) -> Iterator[TopologyConfig]:
    """``config``, its topology deleted from the broker afterwards."""
    yield config
    delete_topology(rabbitmq_server.url, config)


def io_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t not in before and t.name == "amqp-io"]


def ended_by_themselves(threads: list[threading.Thread]) -> bool:
    """Whether ``threads`` ended within ``THREAD_END`` (a declaration left to give up on a hung node)."""
    deadline = time.monotonic() + THREAD_END
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return not [t for t in threads if t.is_alive()]


def lose_the_node(node: TcpRelay) -> None:
    """The connected node goes, and whatever answers at its address from now on accepts TCP and never AMQP."""
    node.go_silent()
    node.cut()
    assert node.accepted.wait(WAIT), "the reconnect never reached the node"


@pytest.mark.rabbitmq
def test_close_while_a_reconnect_is_in_its_handshake_closes_the_socket(
    rabbitmq_server: RabbitMQServer, declared: TopologyConfig, caplog: pytest.LogCaptureFixture
) -> None:
    with relay(rabbitmq_server.port) as node, unclosed_sockets(node.port) as unclosed:
        before = set(threading.enumerate())
        broker = open_broker(node.url(), declared, declare=False)  # no declaration: the reconnect is its handshake
        try:
            lose_the_node(node)
        finally:
            broker.close()
        assert node.closed_by_client(5.0), "the attempt's socket was left open"
        assert not [t for t in io_threads(before) if t.is_alive()]
    assert unclosed == []
    # the attempt close() aborted is no failure to warn of (pika 1.4.4 raises an AssertionError on that path)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "attempt failed" in r.getMessage()]


@pytest.mark.parametrize("declare", [False, True], ids=["handshake", "declaration"])
def test_a_start_that_times_out_on_a_silent_node_leaves_no_socket_nor_thread(
    config: TopologyConfig, declare: bool
) -> None:
    with silent_relay() as node, unclosed_sockets(node.port) as unclosed:
        before = set(threading.enumerate())
        began = time.monotonic()
        with pytest.raises(TransportError, match="could not connect"):
            open_broker(node.url(), config, declare=declare, connect_timeout=2.0)
        took = time.monotonic() - began
        taken = node.taken
        assert node.accepted.is_set()
        assert took < PROMPT
        assert ended_by_themselves(io_threads(before)), "the I/O thread outlived its declaration"
        assert node.taken == taken, "a connection was made after close"
        assert node.closed_by_client(5.0), "the attempt's socket was left open"
    assert unclosed == []


@pytest.mark.rabbitmq
def test_close_while_a_reconnect_declares_on_a_silent_node_returns_promptly(
    rabbitmq_server: RabbitMQServer, declared: TopologyConfig
) -> None:
    with relay(rabbitmq_server.port) as node, unclosed_sockets(node.port) as unclosed:
        before = set(threading.enumerate())
        broker = open_broker(node.url(), declared)
        try:
            lose_the_node(node)  # the reconnect's declaration waits in its handshake
        finally:
            began = time.monotonic()
            broker.close()
            took = time.monotonic() - began
            taken = node.taken
        assert took < PROMPT
        assert ended_by_themselves(io_threads(before)), "the I/O thread outlived its declaration"
        assert node.taken == taken, "a connection was made after close"
        assert node.closed_by_client(5.0)
    assert unclosed == []


@pytest.mark.rabbitmq
def test_close_while_a_reconnect_declares_the_topology_leaves_no_connection(
    rabbitmq_server: RabbitMQServer, declared: TopologyConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    declare, stop = Declarations.declare, IOThread.stop
    reconnecting, declaring, closing = threading.Event(), threading.Event(), threading.Event()

    def declare_when_closing(self: Declarations) -> None:
        if reconnecting.is_set():
            declaring.set()
            closing.wait(WAIT)  # close() began: the declaration ends after it
        declare(self)

    def stop_announced(self: IOThread, timeout: float = 10.0) -> None:
        closing.set()
        stop(self, timeout)

    monkeypatch.setattr(Declarations, "declare", declare_when_closing)
    monkeypatch.setattr(IOThread, "stop", stop_announced)
    with relay(rabbitmq_server.port) as node:
        before = set(threading.enumerate())
        broker: Broker = open_broker(node.url(), declared)
        try:
            reconnecting.set()
            node.cut()
            assert declaring.wait(WAIT), "the reconnect never declared"
        finally:
            taken = node.taken  # the declaration waits for close() before it connects
            began = time.monotonic()
            broker.close()
            took = time.monotonic() - began
        assert took < PROMPT
        assert ended_by_themselves(io_threads(before)), "the I/O thread outlived its declaration"
        assert node.taken == taken + 1, "the I/O thread connected after close()"  # only the declaration's, closed
