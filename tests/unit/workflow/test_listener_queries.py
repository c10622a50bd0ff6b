"""QueryListeners: a system sees the listeners it registered (none of another system's), each with its state —
ACTIVE, RETRYING after a failed delivery, PARKED after a 410 Gone — its failures, last error, last delivery and
the outbox events after its cursor; or the one it names, refused as UnregisterListener refuses (respx stands in
for the listeners, a ManualClock for time)."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

import httpx
import pytest
import respx
from lxml import etree

from hub.validation import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.publisher import EventPublisher
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import START, WO, C, text
from tests.unit.workflow.listener_kit import create, query, register

pytestmark = pytest.mark.unit

OK = "http://ok.test/events"
FAILING = "http://failing.test/events"
GONE = "http://gone.test/events"
NS = {"wo": WO, "c": C}


@cache
def _schema() -> etree.XMLSchema:
    return CommandSetRegistry.installed().get("workorder").lxml_schema


def _listed(answer: etree._Element) -> dict[str, etree._Element]:
    """The answer's listeners by id, in order; the answer is valid against the XSD."""
    assert answer.tag == f"{{{WO}}}QueryListenersResponse", etree.tostring(answer)
    _schema().assertValid(answer)
    assert text(answer, "wo:Ack/c:Status") == "COMPLETED"
    return {str(text(e, "wo:ListenerId")): e for e in answer.findall("wo:Listener", NS)}


def test_a_system_sees_its_own_listeners_in_the_order_it_registered_them(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    first = register(client, OK, event_types=("TroubleTicketCloseEvent", "TroubleTicketCreateEvent"),
                     category="01.02", area_code="0755")
    clock.advance(timedelta(seconds=1))
    crm = register(client, "http://crm.test/events", source="CRM")
    clock.advance(timedelta(seconds=1))
    second = register(client, FAILING)

    listed = _listed(query(client))
    assert list(listed) == [first, second]  # CRM's is not shown to CS
    one = listed[first]
    assert text(one, "wo:Callback") == OK and text(one, "wo:RegisteredAt") == "2026-11-23T01:15:00.000+00:00"
    assert [e.text for e in one.findall("wo:Filter/wo:EventType", NS)] == [
        "TroubleTicketCloseEvent", "TroubleTicketCreateEvent"]
    assert (text(one, "wo:Filter/wo:Category"), text(one, "wo:Filter/wo:AreaCode")) == ("01.02", "0755")
    assert (text(one, "wo:State"), text(one, "wo:Failures"), text(one, "wo:EventsWaiting")) == ("ACTIVE", "0", "0")
    for absent in ("NextAttemptAt", "ParkedAt", "LastError", "LastDeliveredAt"):
        assert one.find(f"wo:{absent}", NS) is None
    assert listed[second].find("wo:Filter", NS) is None  # every event: no filter
    assert list(_listed(query(client, source="CRM"))) == [crm]
    assert _listed(query(client, source="NSP")) == {}  # none: the Ack alone


def test_events_waiting_counts_the_outbox_after_the_cursor_before_the_filter(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    listener_id = register(client, OK, area_code="020")  # no event of the complaint below passes it
    create(client)
    written = len(runtime.store.events_after(0, 1000))
    assert written > 0
    assert text(_listed(query(client))[listener_id], "wo:EventsWaiting") == str(written)


def test_each_listener_shows_whether_it_is_served_retried_or_parked(
        client: WorkerTestClient, runtime: WorkflowRuntime, mock: respx.MockRouter) -> None:
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    mock.post(OK).mock(return_value=httpx.Response(204))
    mock.post(FAILING).mock(return_value=httpx.Response(503))
    mock.post(GONE).mock(return_value=httpx.Response(410))
    active, retrying, parked = register(client, OK), register(client, FAILING), register(client, GONE)
    create(client)
    publisher = EventPublisher(runtime.store, clock)
    try:
        publisher.run_round()
    finally:
        publisher.stop()
    written = len(runtime.store.events_after(0, 1000))

    listed = _listed(query(client))
    served = listed[active]
    assert (text(served, "wo:State"), text(served, "wo:Failures"), text(served, "wo:EventsWaiting")) == (
        "ACTIVE", "0", "0")
    assert text(served, "wo:LastDeliveredAt") == "2026-11-23T01:15:00.000+00:00"

    retried = listed[retrying]
    assert (text(retried, "wo:State"), text(retried, "wo:Failures")) == ("RETRYING", "1")
    assert text(retried, "wo:LastError") == "HTTP 503" and text(retried, "wo:EventsWaiting") == str(written)
    stored = runtime.store.listener(retrying)
    assert stored is not None and stored.next_attempt_at is not None and stored.next_attempt_at > START
    assert text(retried, "wo:NextAttemptAt") == stored.next_attempt_at.isoformat(timespec="milliseconds")
    assert retried.find("wo:ParkedAt", NS) is None and retried.find("wo:LastDeliveredAt", NS) is None

    gone = listed[parked]
    assert (text(gone, "wo:State"), text(gone, "wo:LastError")) == ("PARKED", "HTTP 410 Gone")
    assert text(gone, "wo:ParkedAt") == "2026-11-23T01:15:00.000+00:00"
    assert gone.find("wo:NextAttemptAt", NS) is None and text(gone, "wo:EventsWaiting") == str(written)


def test_one_listener_by_its_id_and_only_the_callers(client: WorkerTestClient) -> None:
    mine, other = register(client, OK), register(client, FAILING)
    theirs = register(client, "http://crm.test/events", source="CRM")
    assert list(_listed(query(client, mine))) == [mine]
    assert list(_listed(query(client, other))) == [other]

    refused = query(client, theirs)
    assert refused.tag == f"{{{C}}}Error" and text(refused, "c:Code") == "not-your-listener"
    unknown = query(client, "00000000-0000-4000-8000-000000000000")
    assert unknown.tag == f"{{{C}}}Error" and text(unknown, "c:Code") == "unknown-listener"
    assert list(_listed(query(client, theirs, source="CRM"))) == [theirs]


def test_a_last_error_xml_cannot_carry_is_answered_fit_for_xml(client: WorkerTestClient,
                                                              runtime: WorkflowRuntime) -> None:
    """A kept error text with characters XML 1.0 cannot carry (an escape sequence, U+0001) does not fail the answer
    of every listener of the system: those characters are shown as U+FFFD."""
    listener_id = register(client, FAILING)
    with runtime.store.engine.begin() as connection:
        from hub.workflow.store.outbox import listener_failed

        listener_failed(connection, listener_id, 1, START + timedelta(minutes=5), "ConnectError: \x1b[31mno\x01")
    (found,) = _listed(query(client)).values()
    assert text(found, "wo:LastError") == "ConnectError: \ufffd[31mno\ufffd"
