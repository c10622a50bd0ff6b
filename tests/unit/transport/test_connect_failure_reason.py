"""A broker that cannot be reached is named with its reason: ``onepoint dlq`` said only "Error: broker error: could
not connect to the broker: " (pika's ``AMQPConnectionError`` has an empty ``str()``); the I/O thread's start now
says the error under pika's wrappers (``failure_reason``), connection refused or a name that does not resolve."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner
from pika.adapters.utils.connection_workflow import AMQPConnectionWorkflowFailed, AMQPConnectorSocketConnectError
from pika.exceptions import AMQPConnectionError

from hub.cli.dlq import dlq
from hub.transport.amqp.io import IOThread
from hub.transport.amqp.nodes import ConnectionState, NodeAddresses, failure_reason
from hub.transport.errors import TransportError

pytestmark = pytest.mark.unit

REFUSED = ConnectionRefusedError(111, "Connection refused")


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_reason_is_the_error_under_pikas_wrappers() -> None:
    wrapped = AMQPConnectionError(AMQPConnectionWorkflowFailed([AMQPConnectorSocketConnectError(REFUSED)]))
    assert str(wrapped) == ""  # what was printed
    assert failure_reason(wrapped) == "ConnectionRefusedError: [Errno 111] Connection refused"
    unresolved = AMQPConnectionWorkflowFailed([socket.gaierror(-2, "Name or service not known")])
    assert failure_reason(unresolved) == "gaierror: [Errno -2] Name or service not known"


def test_a_wrapper_with_nothing_inside_is_named_by_its_repr() -> None:
    assert failure_reason(AMQPConnectionError()) == "AMQPConnectionError: ()"
    assert failure_reason(AMQPConnectionError("no route")) == "AMQPConnectionError: no route"


def test_starting_against_a_closed_port_says_connection_refused() -> None:
    io = IOThread(NodeAddresses([f"amqp://guest:guest@127.0.0.1:{closed_port()}/%2F"]), ConnectionState(),
                  prepare=lambda: None)
    with pytest.raises(TransportError) as raised:
        io.start(timeout=30)
    assert str(raised.value) == ("could not connect to the broker: ConnectionRefusedError: [Errno 111] "
                                 "Connection refused")


def test_dlq_says_why_it_could_not_connect() -> None:
    port = closed_port()
    result = CliRunner().invoke(dlq, ["list", "--broker", f"amqp://guest:guest@127.0.0.1:{port}/%2F"])
    assert result.exit_code == 1
    assert result.output.strip().endswith(f"broker amqp://guest:***@127.0.0.1:{port}/%2F: could not connect to the "
                                          "broker: ConnectionRefusedError: [Errno 111] Connection refused; is "
                                          "RabbitMQ running there?"), result.output
