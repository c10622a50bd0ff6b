"""The publisher's thread gives each listener turns of its own (real sockets on 127.0.0.1): a listener held at a
POST holds back no other one, a listener whose filter refuses most events walks the outbox without waiting the
interval, and stopping sends nothing more and does not wait for a POST under way."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import ExitStack
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.publisher import EventPublisher
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.listener_kit import create, register, to_close
from tests.unit.workflow.local_listener import LOOPBACK, Answer, local_listener

pytestmark = pytest.mark.unit


@pytest.fixture
def runtime(runtime: WorkflowRuntime) -> WorkflowRuntime:
    """The workflow's runtime with call-backs on loopback allowed: these listeners are on 127.0.0.1."""
    runtime.listener_settings = LOOPBACK
    return runtime


def _held_until(release: threading.Event) -> Answer:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        release.wait(30)
        handler.send_response(204)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return answer


def _event_ids(runtime: WorkflowRuntime, work_order_id: str) -> list[str]:
    return [e.event_id for e in runtime.store.events_after(0, 10_000) if e.work_order_id == work_order_id]


def _advance(runtime: WorkflowRuntime) -> None:
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(seconds=1))


@pytest.mark.parametrize("held", [1, 5])
def test_listeners_held_at_a_post_hold_back_no_other_listener(client: WorkerTestClient, runtime: WorkflowRuntime,
                                                               held: int) -> None:
    """One listener held at its POST, or five: every listener shared 4 delivery threads, so four answering slowly
    (within the deadline) kept them all busy and every other listener's POSTs queued behind theirs (an audit: 7.6 s
    for 16 events). The events of a work order created while they are held reach the others all the same."""
    release = threading.Event()
    with ExitStack() as stack:
        slow = [stack.enter_context(local_listener(_held_until(release))) for _ in range(held)]
        fast = stack.enter_context(local_listener())
        for listener in slow:
            register(client, listener.url)
            _advance(runtime)
        register(client, fast.url)
        first = create(client)
        publisher = EventPublisher(runtime.store, runtime.clock, settings=LOOPBACK, interval=0.01,
                                   read_timeout=60).start()
        try:
            assert all(listener.wait_for_count(1) for listener in slow)  # each held at its first event
            later = create(client)  # written while the slow listeners' POSTs are still under way
            for event_id in _event_ids(runtime, first) + _event_ids(runtime, later):
                assert fast.wait_for(event_id)
            assert not release.is_set() and [len(listener.received) for listener in slow] == [1] * held
        finally:
            release.set()
            publisher.stop()


def test_past_delivery_threads_a_listener_waits_for_a_thread_and_a_warning_says_so(
        client: WorkerTestClient, runtime: WorkflowRuntime, caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()
    with ExitStack() as stack:
        held = [stack.enter_context(local_listener(_held_until(release))) for _ in range(2)]
        third = stack.enter_context(local_listener())
        for listener in [*held, third]:
            register(client, listener.url)
            _advance(runtime)
        work_order_id = create(client)
        settings = replace(LOOPBACK, delivery_threads=2)
        with caplog.at_level(logging.WARNING, logger="onepoint.workflow.publisher"):
            publisher = EventPublisher(runtime.store, runtime.clock, settings=settings, interval=0.01,
                                       read_timeout=60).start()
            try:
                assert all(listener.wait_for_count(1) for listener in held)
                assert _logged(caplog, "every event delivery thread is busy")
                assert third.received == []  # both threads are held: its POST waits for one of them
                release.set()
                for event_id in _event_ids(runtime, work_order_id):
                    assert third.wait_for(event_id) and all(listener.wait_for(event_id) for listener in held)
                assert publisher._senders.started == 2
            finally:
                release.set()
                publisher.stop()


def _logged(caplog: pytest.LogCaptureFixture, message: str, *, limit: float = 20.0) -> bool:
    """True once a record with ``message`` was logged (by the publisher's thread), False after ``limit`` seconds."""
    until = time.monotonic() + limit
    while time.monotonic() < until:
        if any(message in record.getMessage() for record in list(caplog.records)):
            return True
        time.sleep(0.01)
    return False


def test_a_listener_whose_filter_refuses_most_events_walks_the_outbox_without_waiting_the_interval(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    with local_listener() as listener:
        register(client, listener.url, event_types=("TroubleTicketCloseEvent",))
        first = create(client)
        with runtime.store.transaction() as tx:  # batches of refused events ahead of the wanted one
            for _ in range(60):
                tx.add_event(first, "TroubleTicketStatusChangeEvent", "{}", at=runtime.clock.now())
        to_close(client, first)
        close_event = _event_ids(runtime, first)[-1]
        publisher = EventPublisher(runtime.store, runtime.clock, settings=LOOPBACK, interval=3600, batch=10).start()
        try:
            assert listener.wait_for(close_event)  # within the first look: the interval is an hour
            assert listener.received == [close_event]
        finally:
            publisher.stop()


def test_stop_sends_nothing_more_and_does_not_wait_for_a_post_under_way(
        client: WorkerTestClient, runtime: WorkflowRuntime, caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()
    with local_listener(_held_until(release)) as slow:
        listener_id = register(client, slow.url)
        for _ in range(3):
            create(client)
        publisher = EventPublisher(runtime.store, runtime.clock, settings=LOOPBACK, interval=0.01,
                                   read_timeout=60).start()
        try:
            assert slow.wait_for_count(1)
            with caplog.at_level(logging.INFO, logger="onepoint.workflow.publisher"):
                publisher.stop()  # the POST under way is still held
            assert "event-publisher" not in {thread.name for thread in threading.enumerate()}
            assert not release.is_set() and len(slow.received) == 1
            assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
        finally:
            release.set()
    stored = runtime.store.listener(listener_id)
    assert stored is not None and stored.failures == 0  # not recorded: that event goes again (at least once)
