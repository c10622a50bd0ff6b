"""``LoopPublisher.close()`` (the ingress's ``stop_loop()``) while its connection is re-made: the attempt's handshake
is aborted quietly (pika 1.4.4 raised an AssertionError on that path, which asyncio logged as "Exception in
callback" with a traceback) and its socket closed; a failed attempt while the publisher is not closing is still
reported as before. The node goes through a ``TcpRelay`` the test cuts and turns silent (a hung node)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from hub.transport.amqp.loop_publisher import LoopPublisher
from tests.support.rabbitmq_server import RabbitMQServer
from tests.support.tcp_relay import TcpRelay, relay
from tests.support.unclosed_sockets import unclosed_sockets

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]

WAIT = 30.0  # seconds before a wait gives up (a failure, never an assertion on speed)


async def lose_the_node(publisher: LoopPublisher, node: TcpRelay) -> None:
    """The connected node goes; whatever answers at its address from now on accepts TCP and never AMQP."""
    await asyncio.wait_for(until_ready(publisher), WAIT)
    node.go_silent()
    node.cut()
    assert await asyncio.to_thread(node.accepted.wait, WAIT), "the reconnect never reached the node"
    await asyncio.sleep(0.2)  # the attempt is in its AMQP handshake (the protocol header sent, nothing answered)


async def until_ready(publisher: LoopPublisher) -> None:
    while not publisher.ready:
        await asyncio.sleep(0.01)


def loop_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What asyncio's exception handler logged (a callback's exception, with its traceback)."""
    return [r.getMessage() for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.ERROR]


def test_close_while_the_loop_publisher_reconnects_aborts_its_handshake_quietly(
    rabbitmq_server: RabbitMQServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="onepoint.transport")
    with relay(rabbitmq_server.port) as node, unclosed_sockets(node.port) as unclosed:
        async def scenario() -> None:
            publisher = LoopPublisher(node.url())
            await publisher.start()
            try:
                await lose_the_node(publisher, node)
            finally:
                await publisher.close()
            await asyncio.sleep(0.2)  # what the loop still runs of the aborted attempt

        asyncio.run(scenario())
        assert node.closed_by_client(5.0), "the attempt's socket was left open"
    assert unclosed == []
    assert loop_errors(caplog) == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "Assertion" in r.getMessage()]
    assert [r for r in caplog.records if r.levelno == logging.DEBUG and r.getMessage().endswith("ended by close")]


def test_a_failed_attempt_while_not_closing_is_still_reported(
    rabbitmq_server: RabbitMQServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures: list[BaseException] = []
    reconnect_later = LoopPublisher._reconnect_later

    def recorded(self: LoopPublisher, why: BaseException) -> None:
        failures.append(why)
        reconnect_later(self, why)

    monkeypatch.setattr(LoopPublisher, "_reconnect_later", recorded)
    with relay(rabbitmq_server.port) as node:
        async def scenario() -> None:
            publisher = LoopPublisher(node.url() + "?stack_timeout=0.5")
            await publisher.start()
            try:
                await lose_the_node(publisher, node)
                await asyncio.sleep(1.5)  # the silent node's handshake times out: a failed attempt
            finally:
                await publisher.close()

        asyncio.run(scenario())
    # pika aborts a handshake that outlived stack_timeout with its own close(): the reason names the timeout
    assert any("Timeout while setting up AMQP" in str(why) for why in failures), [str(w) for w in failures]
    assert loop_errors(caplog) == []
