"""A listener whose deliveries keep failing is parked after ``park_after_failures`` failures in a row at one event
(by default the backbone's delivery limit): it costs nothing more and holds nothing back, and its system resumes it
by registering it again (respx stands in for the listener, a ManualClock for time)."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
import pytest
import respx

from hub.config.settings import HubSettings
from hub.observability.metrics import Metrics
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.publisher import EventPublisher
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.listener_kit import create, register

pytestmark = pytest.mark.unit

GONE = "http://gone.test/events"
ALIVE = "http://alive.test/events"


def _clock(runtime: WorkflowRuntime) -> ManualClock:
    assert isinstance(runtime.clock, ManualClock)
    return runtime.clock


def test_the_default_is_the_backbones_delivery_limit() -> None:
    from hub.config.workflow import ListenerSettings  # here: the test above runs on a tree without it too

    assert ListenerSettings().park_after_failures == HubSettings().delivery_limit


def test_by_default_a_failing_listener_is_parked_after_the_backbones_delivery_limit(
        client: WorkerTestClient, runtime: WorkflowRuntime, mock: respx.MockRouter) -> None:
    clock, limit = _clock(runtime), HubSettings().delivery_limit
    publisher = EventPublisher(runtime.store, clock)
    gone = mock.post(GONE).mock(return_value=httpx.Response(503))
    listener_id = register(client, GONE)
    try:
        for _ in range(limit + 5):
            create(client)
            publisher.run_round()
            clock.advance(timedelta(minutes=10))
    finally:
        publisher.stop()
    assert gone.call_count == limit
    stored = runtime.store.listener(listener_id)
    assert stored is not None and stored.failures == limit and stored.next_attempt_at is None
    assert runtime.store.pending_events() == []  # the published mark does not wait for a parked listener


def test_a_failing_listener_is_parked_holds_nothing_back_and_resumes_when_registered_again(
        client: WorkerTestClient, runtime: WorkflowRuntime, mock: respx.MockRouter,
        caplog: pytest.LogCaptureFixture) -> None:
    from hub.config.workflow import ListenerSettings

    clock, metrics = _clock(runtime), Metrics()
    publisher = EventPublisher(runtime.store, clock, settings=ListenerSettings(park_after_failures=3),
                               metrics=metrics)
    gone = mock.post(GONE).mock(return_value=httpx.Response(500))
    alive = mock.post(ALIVE).mock(return_value=httpx.Response(204))
    listener_id = register(client, GONE)
    clock.advance(timedelta(seconds=1))
    register(client, ALIVE)
    create(client)
    try:
        with caplog.at_level(logging.WARNING, logger="onepoint.workflow.publisher"):
            rounds = []
            for _ in range(3):
                rounds.append(publisher.run_round())
                clock.advance(timedelta(minutes=10))
        assert [done.parked for done in rounds] == [[], [], [listener_id]]
        parked = runtime.store.listener(listener_id)
        assert parked is not None and parked.suspended_at is not None and parked.failures == 3
        assert parked.next_attempt_at is None and parked.last_error == "HTTP 500"
        [warning] = [r for r in caplog.records if r.getMessage().startswith("event listener parked")]
        assert warning.levelno == logging.WARNING and warning.__dict__["listener_id"] == listener_id
        assert metrics.value("onepoint_messages_dead_lettered_total", consumer="event-listeners",
                             kind="listener-parked") == 1

        for _ in range(3):  # parked: not tried again, and the published mark no longer waits for it
            create(client)
            done = publisher.run_round()
            assert done.failed == [] and done.held_back == 0
            clock.advance(timedelta(minutes=10))
        assert gone.call_count == 3 and alive.call_count > 3
        assert runtime.store.pending_events() == []

        gone.mock(return_value=httpx.Response(204))  # back: its system registers it again
        assert register(client, GONE) == listener_id
        resumed = runtime.store.listener(listener_id)
        assert resumed is not None and resumed.suspended_at is None and resumed.failures == 0
        missed = runtime.store.events_after(parked.delivered_position, 1000)
        done = publisher.run_round()
        assert [event for who, event in done.delivered if who == listener_id] == [e.event_id for e in missed]
    finally:
        publisher.stop()


def test_a_listener_answering_410_gone_is_parked_at_once_and_resumed_by_registering_again(
        client: WorkerTestClient, runtime: WorkflowRuntime, mock: respx.MockRouter) -> None:
    clock = _clock(runtime)
    publisher = EventPublisher(runtime.store, clock)
    gone = mock.post(GONE).mock(return_value=httpx.Response(410))
    listener_id = register(client, GONE)
    try:
        create(client)
        assert publisher.run_round().parked == [listener_id]
        for _ in range(3):  # not tried again
            create(client)
            clock.advance(timedelta(minutes=10))
            publisher.run_round()
        assert gone.call_count == 1
        parked = runtime.store.listener(listener_id)
        assert parked is not None and parked.suspended_at is not None and parked.last_error == "HTTP 410 Gone"
        assert runtime.store.pending_events() == []

        gone.mock(return_value=httpx.Response(204))
        assert register(client, GONE) == listener_id
        publisher.run_round()
        assert gone.call_count == 1 + 4  # every event since its cursor, the first one included
    finally:
        publisher.stop()
