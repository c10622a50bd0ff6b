"""The event publisher (issue 12 point 7) against listeners mocked with respx (no network): order, filters,
retries along the backbone's delay tiers on a ManualClock, a dead listener holding back only itself, unregistering,
stable event ids on redelivery, holes in the outbox's positions, the published mark."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
import respx

from hub.config.settings import HubSettings
from hub.config.workflow import WorkflowSettings
from hub.workers import WorkerTestClient
from hub.workflow import wiring
from hub.workflow.clock import ManualClock
from hub.workflow.publisher import EventPublisher
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.schema import work_order_events
from tests.unit.workflow.listener_kit import bodies, create, register, to_close, unregister

pytestmark = pytest.mark.unit

CRM = "http://crm.test/tmf621/events"
OA = "http://oa.test/events"
LIFE = ["TroubleTicketCreateEvent", "TroubleTicketStatusChangeEvent", "TroubleTicketStatusChangeEvent",
        "TroubleTicketStatusChangeEvent", "TroubleTicketInformationRequiredEvent", "TroubleTicketStatusChangeEvent",
        "TroubleTicketStatusChangeEvent", "TroubleTicketResolvedEvent", "TroubleTicketStatusChangeEvent",
        "TroubleTicketStatusChangeEvent", "TroubleTicketCloseEvent"]


def _clock(runtime: WorkflowRuntime) -> ManualClock:
    assert isinstance(runtime.clock, ManualClock)
    return runtime.clock


def test_a_listener_gets_every_event_of_a_work_order_in_order_once(
        client: WorkerTestClient, runtime: WorkflowRuntime, publisher: EventPublisher,
        mock: respx.MockRouter) -> None:
    route = mock.post(CRM).mock(return_value=httpx.Response(204))
    register(client, CRM)
    work_order_id = create(client)
    to_close(client, work_order_id)
    done = publisher.run_round()
    received = bodies(route.calls)
    assert [b["eventType"] for b in received] == LIFE
    outbox = runtime.store.events_after(0, 100)
    assert [b["eventId"] for b in received] == [e.event_id for e in outbox]
    assert [c.request.headers["X-Event-Id"] for c in route.calls] == [e.event_id for e in outbox]
    assert all(c.request.headers["Content-Type"] == "application/json" for c in route.calls)
    assert len(done.delivered) == len(LIFE) and not done.failed
    assert publisher.run_round().delivered == []  # nothing twice
    assert runtime.store.pending_events() == []  # every listener passed them: published


def test_a_listener_gets_only_the_events_written_after_it_registered(
        client: WorkerTestClient, publisher: EventPublisher, mock: respx.MockRouter) -> None:
    route = mock.post(CRM).mock(return_value=httpx.Response(200))
    before = create(client)
    register(client, CRM)
    after = create(client)
    publisher.run_round()
    assert [b["event"]["troubleTicket"]["id"] for b in bodies(route.calls)] == [after]
    assert before != after


def test_a_failed_delivery_is_retried_along_the_delay_tiers_with_the_same_event(
        client: WorkerTestClient, runtime: WorkflowRuntime, publisher: EventPublisher,
        mock: respx.MockRouter) -> None:
    clock = _clock(runtime)
    route = mock.post(CRM).mock(side_effect=[
        httpx.Response(500), httpx.ConnectError("refused"), httpx.Response(503), httpx.ReadTimeout("slow"),
        *[httpx.Response(200)] * 20])
    listener_id = register(client, CRM)
    work_order_id = create(client)
    to_close(client, work_order_id)
    waits = []
    for _ in range(4):  # 500, connection refused, 503, timeout: 5 s, 30 s, 5 min, 5 min (the longest stays)
        done = publisher.run_round()
        assert done.delivered == [] and len(done.failed) == 1
        listener = runtime.store.listener(listener_id)
        assert listener is not None and listener.next_attempt_at is not None
        waits.append(listener.next_attempt_at - clock.now())
        assert publisher.run_round().held_back == 1  # not before its time
        clock.advance(waits[-1] - timedelta(seconds=1))
        assert publisher.run_round().held_back == 1
        clock.advance(timedelta(seconds=1))
    assert waits == [timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=5), timedelta(minutes=5)]
    done = publisher.run_round()
    received = bodies(route.calls)
    first = received[0]["eventId"]
    assert [b["eventId"] for b in received[:5]] == [first] * 5  # the same event, the same id, each time
    assert [b["eventType"] for b in received[4:]] == LIFE  # then everything, in order
    listener = runtime.store.listener(listener_id)
    assert listener is not None and (listener.failures, listener.next_attempt_at, listener.last_error) == (
        0, None, None)
    assert len(done.delivered) == len(LIFE)


def test_a_dead_listener_holds_back_only_itself(
        client: WorkerTestClient, runtime: WorkflowRuntime, publisher: EventPublisher,
        mock: respx.MockRouter) -> None:
    dead = mock.post(OA).mock(side_effect=httpx.ConnectError("refused"))
    alive = mock.post(CRM).mock(return_value=httpx.Response(202))
    dead_id = register(client, OA)
    register(client, CRM)
    to_close(client, create(client))
    publisher.run_round()
    assert [b["eventType"] for b in bodies(alive.calls)] == LIFE
    assert dead.call_count == 1
    listener = runtime.store.listener(dead_id)
    assert listener is not None and listener.failures == 1 and "ConnectError" in (listener.last_error or "")
    assert len(runtime.store.pending_events()) == len(LIFE)  # not published while a listener has not passed them


def test_filters_choose_the_events(client: WorkerTestClient, runtime: WorkflowRuntime, publisher: EventPublisher,
                                   mock: respx.MockRouter) -> None:
    closing = mock.post("http://close.test/").mock(return_value=httpx.Response(200))
    category = mock.post("http://category.test/").mock(return_value=httpx.Response(200))
    elsewhere = mock.post("http://elsewhere.test/").mock(return_value=httpx.Response(200))
    register(client, "http://close.test/", event_types=("TroubleTicketCloseEvent", "TroubleTicketResolvedEvent"))
    register(client, "http://category.test/", category="01.02", event_types=("TroubleTicketCreateEvent",))
    elsewhere_id = register(client, "http://elsewhere.test/", area_code="020")
    to_close(client, create(client))
    publisher.run_round()
    assert [b["eventType"] for b in bodies(closing.calls)] == ["TroubleTicketResolvedEvent", "TroubleTicketCloseEvent"]
    assert [b["eventType"] for b in bodies(category.calls)] == ["TroubleTicketCreateEvent"]
    assert elsewhere.call_count == 0
    passed = runtime.store.listener(elsewhere_id)
    assert passed is not None and passed.delivered_position == runtime.store.outbox_end()  # filtered out: passed
    assert runtime.store.pending_events() == []


def test_an_unregistered_listener_gets_nothing_more(
        client: WorkerTestClient, publisher: EventPublisher, mock: respx.MockRouter) -> None:
    route = mock.post(CRM).mock(return_value=httpx.Response(200))
    listener_id = register(client, CRM)
    create(client)
    publisher.run_round()
    assert route.call_count == 1
    unregister(client, listener_id)
    to_close(client, create(client))
    publisher.run_round()
    assert route.call_count == 1


@pytest.mark.parametrize("answer", [500, 410])
def test_a_delivery_failing_after_its_listener_was_unregistered_says_it_is_gone(
        client: WorkerTestClient, runtime: WorkflowRuntime, publisher: EventPublisher, mock: respx.MockRouter,
        caplog: pytest.LogCaptureFixture, answer: int) -> None:
    """It said "the listener waits" (or "parked") of a listener no more there: nothing waits, nothing is parked."""
    listener_id = register(client, CRM)

    def unregistered_meanwhile(request: httpx.Request) -> httpx.Response:
        unregister(client, listener_id)
        return httpx.Response(answer)

    mock.post(CRM).mock(side_effect=unregistered_meanwhile)
    create(client)
    with caplog.at_level(logging.INFO, logger="onepoint.workflow.publisher"):
        done = publisher.run_round()
    assert len(done.failed) == 1 and done.parked == []
    said = [record.getMessage() for record in caplog.records]
    assert [m for m in said if "unregistered" in m] == [
        "event delivery failed after its listener was unregistered: nothing more goes to it"]
    assert not [m for m in said if "waits" in m or "parked" in m]
    assert runtime.store.listener(listener_id) is None


def test_a_crash_between_the_post_and_the_cursor_delivers_the_same_event_again(
        client: WorkerTestClient, runtime: WorkflowRuntime, publisher: EventPublisher,
        mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    route = mock.post(CRM).mock(return_value=httpx.Response(200))
    register(client, CRM)
    create(client)
    advance = runtime.store.advance_listener

    def crash(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("the process died before the cursor committed")

    monkeypatch.setattr(runtime.store, "advance_listener", crash)
    with pytest.raises(RuntimeError):
        publisher.run_round()
    publisher.stop()  # the process is gone, and with it its lock on PostgreSQL
    monkeypatch.setattr(runtime.store, "advance_listener", advance)
    restarted = EventPublisher(runtime.store, runtime.clock)
    try:
        assert len(restarted.run_round().delivered) == 1
        first, again = bodies(route.calls)
        assert first == again  # the same document, the same eventId
        assert restarted.run_round().delivered == []
    finally:
        restarted.stop()


def test_a_hole_in_the_positions_is_waited_for_then_passed(
        client: WorkerTestClient, runtime: WorkflowRuntime, publisher: EventPublisher,
        mock: respx.MockRouter) -> None:
    route = mock.post(CRM).mock(return_value=httpx.Response(200))
    register(client, CRM)
    work_order_id = create(client)
    [created] = runtime.store.events_after(0, 10)
    late = json.loads(created.payload) | {"eventId": "0f6c1d2e-0000-4000-8000-000000000001"}
    with runtime.store.engine.begin() as connection:  # as a transaction that took position +1 and has not committed
        connection.execute(work_order_events.insert().values(
            position=created.position + 2, event_id=late["eventId"], work_order_id=work_order_id, seq=2,
            kind=created.kind, payload=json.dumps(late), created_at=created.created_at))
    publisher.run_round()
    assert [b["eventId"] for b in bodies(route.calls)] == [created.event_id]
    if runtime.store.dialect == "postgresql":  # no open transaction can fill it: passed at the next look, at once
        publisher.run_round()
        assert [b["eventId"] for b in bodies(route.calls)] == [created.event_id, late["eventId"]]
        return
    _clock(runtime).advance(timedelta(seconds=59))
    assert publisher.run_round().delivered == []
    _clock(runtime).advance(timedelta(seconds=1))
    publisher.run_round()
    assert [b["eventId"] for b in bodies(route.calls)] == [created.event_id, late["eventId"]]


def test_with_no_listener_the_events_are_published_as_they_come(
        client: WorkerTestClient, runtime: WorkflowRuntime, publisher: EventPublisher) -> None:
    create(client)
    assert runtime.store.pending_events() != []
    done = publisher.run_round()
    assert (done.delivered, done.failed) == ([], [])
    assert runtime.store.pending_events() == []


def test_the_publisher_runs_beside_the_worker_and_stops_with_it(runtime: WorkflowRuntime) -> None:
    settings = replace(HubSettings(), workflow=WorkflowSettings(scheduler_interval_seconds=0,
                                                                publisher_interval_seconds=30))
    stop = wiring.background({"workflow": runtime}, outbound=None, settings=settings)
    running = {thread.name for thread in threading.enumerate()}
    assert "event-publisher" in running and "deadline-scheduler" not in running
    stop()
    assert "event-publisher" not in {thread.name for thread in threading.enumerate()}
    none = wiring.background({"workflow": runtime}, outbound=None, settings=replace(
        settings, workflow=WorkflowSettings(scheduler_interval_seconds=0, publisher_interval_seconds=0)))
    assert "event-publisher" not in {thread.name for thread in threading.enumerate()}
    none()


def test_a_delivery_ends_a_failure_streak_so_the_next_failure_waits_the_shortest_delay(
        client: WorkerTestClient, runtime: WorkflowRuntime, publisher: EventPublisher,
        mock: respx.MockRouter) -> None:
    clock = _clock(runtime)
    mock.post(CRM).mock(side_effect=[httpx.Response(500), httpx.Response(500), httpx.Response(200),
                                     httpx.Response(500)])
    listener_id = register(client, CRM)
    create(client)
    publisher.run_round()
    clock.advance(timedelta(seconds=5))
    publisher.run_round()
    create(client)
    clock.advance(timedelta(seconds=30))
    done = publisher.run_round()
    assert len(done.delivered) == 1 and len(done.failed) == 1
    listener = runtime.store.listener(listener_id)
    assert listener is not None and listener.failures == 1
    assert listener.next_attempt_at == clock.now() + timedelta(seconds=5)


@pytest.mark.parametrize("unreachable", ["http://a..b/events", "http://exämple..com/events"])
def test_a_call_back_httpx_cannot_send_to_fails_alone_and_holds_back_no_one(
        unreachable: str, client: WorkerTestClient, runtime: WorkflowRuntime, publisher: EventPublisher,
        mock: respx.MockRouter) -> None:
    alive = mock.post(CRM).mock(return_value=httpx.Response(204))
    # stored before registration refused such host names: the first listener of the round
    broken = runtime.store.add_listener(unreachable, None, runtime.clock.now(), source_system="CS")
    _clock(runtime).advance(timedelta(seconds=1))
    register(client, CRM)
    create(client)
    for _ in range(2):  # every round, not only the first
        done = publisher.run_round()
        assert [listener_id for listener_id, _event, _error in done.failed] == [broken.id]
        _clock(runtime).advance(timedelta(minutes=10))
    assert [b["eventType"] for b in bodies(alive.calls)] == ["TroubleTicketCreateEvent"]
    stored = runtime.store.listener(broken.id)
    assert stored is not None and stored.failures == 2 and stored.next_attempt_at is not None
    assert stored.delivered_position == broken.delivered_position
    assert "cannot be used" in (stored.last_error or "") and "idna" in (stored.last_error or "").lower()


def test_any_error_of_one_delivery_is_that_listeners_failure(
        client: WorkerTestClient, runtime: WorkflowRuntime, publisher: EventPublisher,
        mock: respx.MockRouter) -> None:
    mock.post(OA).mock(side_effect=RuntimeError("a bug below the client"))
    alive = mock.post(CRM).mock(return_value=httpx.Response(200))
    odd_id = register(client, OA)
    _clock(runtime).advance(timedelta(seconds=1))
    register(client, CRM)
    create(client)
    done = publisher.run_round()
    assert [b["eventType"] for b in bodies(alive.calls)] == ["TroubleTicketCreateEvent"]
    assert [failed[0] for failed in done.failed] == [odd_id]
    stored = runtime.store.listener(odd_id)
    assert stored is not None and stored.failures == 1 and "RuntimeError" in (stored.last_error or "")
