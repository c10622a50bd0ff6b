"""``CoalescingAsyncioConnection``: the frames of one loop iteration leave with one transport write, in order."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import pika
import pytest
from pika.adapters.asyncio_connection import AsyncioConnection
from pika.adapters.utils.connection_workflow import AMQPConnectionWorkflowAborted, AMQPConnectionWorkflowFailed

from hub.transport.amqp.aborted import workflow_outcome
from hub.transport.amqp.loop_connection import CoalescingAsyncioConnection

pytestmark = pytest.mark.unit


class RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)


def _connection(loop: asyncio.AbstractEventLoop) -> CoalescingAsyncioConnection:
    # No connection workflow: nothing connects; the test stands in for the transport pika would have made.
    return CoalescingAsyncioConnection(pika.ConnectionParameters(host="127.0.0.1"), custom_ioloop=loop,
                                       internal_connection_workflow=False)


async def _next_iteration() -> None:
    await asyncio.sleep(0)


def test_frames_of_one_iteration_leave_in_one_write_in_order() -> None:
    async def scenario() -> list[bytes]:
        connection = _connection(asyncio.get_running_loop())
        transport = RecordingTransport()
        connection._transport = transport
        for frame in (b"method-1", b"header-1", b"body-1", b"method-2"):
            connection._adapter_emit_data(frame)
        assert transport.writes == []  # nothing leaves before the iteration ends
        await _next_iteration()
        connection._adapter_emit_data(b"alone")
        await _next_iteration()
        return transport.writes

    assert asyncio.run(scenario()) == [b"method-1header-1body-1method-2", b"alone"]


def test_output_for_a_lost_transport_is_dropped_like_pikas_own() -> None:
    async def scenario() -> None:
        connection = _connection(asyncio.get_running_loop())
        connection._transport = None
        connection._adapter_emit_data(b"frame")
        await _next_iteration()  # no error: the connection is lost, and its output with it
        transport = RecordingTransport()
        connection._transport = transport
        connection._adapter_emit_data(b"after")
        await _next_iteration()
        assert transport.writes == [b"after"]

    asyncio.run(scenario())


def _publish_bytes(connection: CoalescingAsyncioConnection, send: Any, *publishes: tuple[str, str, bytes]) -> bytes:
    transport = RecordingTransport()
    connection._transport = transport
    for exchange, key, body in publishes:
        properties = pika.BasicProperties(message_id=f"m-{len(body)}", delivery_mode=2, headers={"k": "v"})
        send(1, pika.spec.Basic.Publish(exchange=exchange, routing_key=key, mandatory=True), (properties, body))
    connection._write_pending()
    return b"".join(transport.writes)


@pytest.mark.parametrize("body_size", [0, 1, 2048, 131_064, 131_065, 300_000])
def test_publishes_go_out_as_exactly_pikas_bytes(body_size: int) -> None:
    async def scenario() -> tuple[bytes, bytes]:
        connection = _connection(asyncio.get_running_loop())
        connection._body_max_length = 131_072 - 8  # as negotiated with RabbitMQ's default frame_max
        publishes = [("x.commands", "workflow.a.B", b"x" * body_size), ("x.commands", "boss.a.B", b"y" * 7),
                     ("x.commands", "workflow.a.B", b"z" * body_size), ("x.broadcast", "a.B", b"")]
        ours = _publish_bytes(connection, connection._send_message, *publishes)
        pikas = _publish_bytes(connection, partial(AsyncioConnection._send_message, connection), *publishes)
        return ours, pikas

    ours, pikas = asyncio.run(scenario())
    assert ours == pikas


def test_other_methods_with_content_are_left_to_pika() -> None:
    async def scenario() -> None:
        connection = _connection(asyncio.get_running_loop())
        connection._body_max_length = 131_064
        transport = RecordingTransport()
        connection._transport = transport
        reply = pika.spec.Basic.Return(reply_code=312, reply_text="NO_ROUTE", exchange="x", routing_key="k")
        connection._send_message(1, reply, (pika.BasicProperties(), b"body"))
        connection._write_pending()
        assert connection._publish_frames == {}
        assert transport.writes and transport.writes[0].endswith(b"body\xce")

    asyncio.run(scenario())


def test_an_attempt_aborted_by_close_is_told_to_pika_as_the_instance_it_means() -> None:
    # pika 1.4.4 passes the class (connection_workflow.py:911); its workflow callback asserts on anything else
    assert isinstance(workflow_outcome(AMQPConnectionWorkflowAborted), AMQPConnectionWorkflowAborted)
    failure = AMQPConnectionWorkflowFailed([ConnectionRefusedError(111, "Connection refused")])
    assert workflow_outcome(failure) is failure  # a real failure passes unchanged
    assert workflow_outcome(AMQPConnectionWorkflowFailed) is AMQPConnectionWorkflowFailed
