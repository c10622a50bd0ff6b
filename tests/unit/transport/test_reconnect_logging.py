"""Failed reconnects are WARNING lines, throttled (audit 2, repro 02: they were DEBUG, so a worker retried
silently for ever), and a topology refused as inequivalent stops the retries with one ERROR naming the queue."""

from __future__ import annotations

import logging

import pytest

from hub.transport.amqp.io import IOThread
from hub.transport.amqp.nodes import ConnectionState, NodeAddresses
from hub.transport.errors import TopologyMismatchError

pytestmark = pytest.mark.unit


def io_thread() -> IOThread:
    io = IOThread(NodeAddresses(["amqp://guest:guest@127.0.0.1:1/%2F"]), ConnectionState(), prepare=lambda: None)
    io._first.set()  # it had connected once: these are reconnects
    return io


def test_failed_reconnects_are_one_warning_not_debug_lines(caplog: pytest.LogCaptureFixture) -> None:
    io = io_thread()
    with caplog.at_level(logging.DEBUG, logger="onepoint.transport"):
        for _ in range(20):
            io._open_failed(ConnectionRefusedError(111, "Connection refused"))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "Connection refused" in getattr(warnings[0], "error", "")


def test_an_inequivalent_queue_is_one_error_naming_it_and_ends_the_retries(caplog: pytest.LogCaptureFixture) -> None:
    io = io_thread()
    refusal = TopologyMismatchError("queue onepoint.bulletin", "PRECONDITION_FAILED - inequivalent arg "
                                    "'x-queue-type' for queue 'onepoint.bulletin' in vhost '/'")
    with caplog.at_level(logging.WARNING, logger="onepoint.transport"):
        io._failed(refusal)
    assert io.failure is refusal
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert getattr(error, "entity", None) == "queue onepoint.bulletin" and "x-queue-type" in error.reason
