"""``LargeReadSelectConnection``: its transport reads 16 KiB per ``recv()``; pika's class constant is untouched."""

from __future__ import annotations

import pika
import pytest
from pika.adapters.utils.io_services_utils import _AsyncPlaintextTransport, _AsyncTransportBase

from hub.transport.amqp.reads import READ_BYTES, LargeReadSelectConnection, enlarge_reads

pytestmark = pytest.mark.unit


class RecordingTransport:
    _MAX_RECV_BYTES = 4096

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)


def test_pika_still_has_the_read_size_this_relies_on() -> None:
    # If a pika upgrade renames it, enlarge_reads would only log a warning: this test says so first.
    assert _AsyncTransportBase._MAX_RECV_BYTES == 4096
    assert issubclass(_AsyncPlaintextTransport, _AsyncTransportBase)


def test_enlarge_reads_sets_the_transport_only() -> None:
    transport = object.__new__(_AsyncPlaintextTransport)  # pika's real class; no socket needed for this
    assert enlarge_reads(transport)
    assert transport._MAX_RECV_BYTES == READ_BYTES == 16 * 1024
    assert _AsyncPlaintextTransport._MAX_RECV_BYTES == 4096  # every other pika connection keeps pika's value


def test_a_transport_without_the_attribute_is_left_alone() -> None:
    class Other:
        pass

    other = Other()
    assert not enlarge_reads(other)
    assert not hasattr(other, "_MAX_RECV_BYTES")


def test_the_connection_enlarges_its_transport_when_the_stream_connects() -> None:
    connection = LargeReadSelectConnection(pika.ConnectionParameters(host="127.0.0.1"),
                                           internal_connection_workflow=False)
    transport = RecordingTransport()
    connection._proto_connection_made(transport)
    assert transport._MAX_RECV_BYTES == READ_BYTES
    assert transport.writes and transport.writes[0].startswith(b"AMQP")  # pika's handshake went on as usual
    connection.ioloop.close()
