"""``IOThread.stop()`` (a broker's ``close()``) from another thread while ``start()`` still waits for the first
connection: ``start()`` returns as soon as the stop began, raising ``TransportClosedError``, instead of waiting out its
own timeout (30 s by default), whether the first attempt is in its AMQP handshake or still declaring the topology (the
declaration is not waited out: the thread ends by itself after it, connecting no more).
The nodes are ``silent_relay()``s: they accept TCP and never answer AMQP (no RabbitMQ needed)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from hub.transport.amqp.io import IOThread
from hub.transport.amqp.nodes import ConnectionState, NodeAddresses
from hub.transport.errors import TransportClosedError
from tests.support.tcp_relay import TcpRelay, silent_relay
from tests.support.unclosed_sockets import unclosed_sockets

pytestmark = [pytest.mark.integration]

WAIT = 30.0  # seconds before a wait gives up (a failure, never an assertion on speed)
START_TIMEOUT = 25.0
PROMPT = 5.0  # "returns as soon as the stop began": well below start()'s own timeout


@pytest.fixture
def nodes() -> Iterator[list[TcpRelay]]:
    """Two hung nodes: the first attempt's failure is not yet the last address's, so it does not end start()."""
    with ExitStack() as stack:
        yield [stack.enter_context(silent_relay()) for _ in range(2)]


class Starting:
    """``io.start()`` on a thread of its own; what it raised, and when it returned."""

    def __init__(self, io: IOThread) -> None:
        self.raised: BaseException | None = None
        self.returned_at = 0.0
        self._thread = threading.Thread(target=self._start, args=(io,), name="test-start", daemon=True)
        self._thread.start()

    def _start(self, io: IOThread) -> None:
        try:
            io.start(START_TIMEOUT)
        except BaseException as exc:
            self.raised = exc
        self.returned_at = time.monotonic()

    def join(self) -> None:
        self._thread.join(WAIT)
        assert not self._thread.is_alive()


def stop_while_starting(io: IOThread, started: Callable[[], bool]) -> tuple[Starting, float]:
    starting = Starting(io)
    deadline = time.monotonic() + WAIT
    while not started():
        assert time.monotonic() < deadline, "the first attempt never began"
        time.sleep(0.01)
    time.sleep(0.2)
    stop_began = time.monotonic()
    stopper = threading.Thread(target=io.stop, name="test-stop", daemon=True)
    stopper.start()
    starting.join()
    stopper.join(WAIT)
    return starting, stop_began


def test_stop_during_the_first_handshake_ends_start_at_once(nodes: list[TcpRelay]) -> None:
    with unclosed_sockets(nodes[0].port) as unclosed:
        io = IOThread(NodeAddresses([node.url() for node in nodes]), ConnectionState(), prepare=lambda: None)
        starting, stop_began = stop_while_starting(io, nodes[0].accepted.is_set)
        assert isinstance(starting.raised, TransportClosedError), repr(starting.raised)
        assert "closed" in str(starting.raised)
        assert starting.returned_at - stop_began < PROMPT
        assert nodes[0].closed_by_client(5.0), "the attempt's socket was left open"
        assert not nodes[1].accepted.is_set(), "a connection was made after stop()"
    assert unclosed == []


def test_stop_while_the_first_attempt_declares_ends_start_at_once(nodes: list[TcpRelay]) -> None:
    declaring = threading.Event()

    def slow_declaration() -> None:  # a declaration on a node that takes its time to answer
        declaring.set()
        time.sleep(1.0)

    io = IOThread(NodeAddresses([nodes[0].url()]), ConnectionState(), prepare=slow_declaration)
    before = set(threading.enumerate())
    starting, stop_began = stop_while_starting(io, declaring.is_set)
    assert isinstance(starting.raised, TransportClosedError), repr(starting.raised)
    assert starting.returned_at - stop_began < PROMPT
    for thread in [t for t in threading.enumerate() if t not in before and t.name == "amqp-io"]:
        thread.join(WAIT)  # stop() does not wait out a declaration: the thread ends by itself after it
        assert not thread.is_alive()
    assert not nodes[0].accepted.is_set(), "a connection was made after stop()"
