"""``CoalescingAsyncioConnection``: the frames of one loop iteration leave with one transport write, in order."""

from __future__ import annotations

import asyncio

import pika
import pytest

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
