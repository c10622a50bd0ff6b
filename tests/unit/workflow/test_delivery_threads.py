"""The publisher's delivery threads on their own (no network): never more than ``delivery_threads`` of them, a POST
past that many waits for a thread, and the WARNING saying so comes once until half the threads are free again."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import wait

import pytest

from hub.workflow.delivery_threads import DeliveryThreads

pytestmark = pytest.mark.unit

BUSY = "every event delivery thread is busy"


def _held(release: threading.Event, started: threading.Semaphore) -> str:
    started.release()
    release.wait(30)
    return "done"


def _warnings(caplog: pytest.LogCaptureFixture) -> int:
    return sum(BUSY in record.getMessage() for record in caplog.records)


def test_past_the_most_threads_a_post_waits_and_a_warning_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    threads, release, running = DeliveryThreads(2), threading.Event(), threading.Semaphore(0)
    try:
        with caplog.at_level(logging.WARNING, logger="onepoint.workflow.publisher"):
            first = [threads.submit(_held, release, running) for _ in range(2)]
            assert running.acquire(timeout=20) and running.acquire(timeout=20)
            assert _warnings(caplog) == 0
            waiting = [threads.submit(_held, release, running) for _ in range(2)]
            assert _warnings(caplog) == 1  # once, not a line a POST
            assert not any(future.running() or future.done() for future in waiting)
            assert threads.started == 2
            release.set()
            wait(first + waiting, timeout=20)
            assert [future.result() for future in first + waiting] == ["done"] * 4
            release.clear()
            again = [threads.submit(_held, release, running) for _ in range(3)]
            assert _warnings(caplog) == 2  # the threads were free meanwhile: said again
            release.set()
            wait(again, timeout=20)
        assert threads.started == 2
    finally:
        release.set()
        threads.shutdown()


def test_no_thread_is_started_before_a_post_needs_one() -> None:
    threads = DeliveryThreads(1000)
    try:
        assert threads.started == 0
        assert threads.submit(str, 5).result(timeout=20) == "5"
        assert threads.started == 1
    finally:
        threads.shutdown()


def test_at_least_one_thread() -> None:
    with pytest.raises(ValueError, match="at least one delivery thread"):
        DeliveryThreads(0)
