"""Registering a listener again (the same system, call-back and filter, e.g. a client retrying after a timeout
under a new message id) gives the ListenerId it has; a system holds at most ``max_per_system`` listeners."""

from __future__ import annotations

import httpx
import pytest
import respx
from lxml import etree

from hub.envelope import Envelope
from hub.workers import WorkerTestClient
from hub.workflow.publisher import EventPublisher
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import WO, C, answer, command, envelope, text
from tests.unit.workflow.listener_kit import create, register

pytestmark = pytest.mark.unit

URL = "http://crm.test/events"


def test_the_same_registration_again_gives_the_listener_it_has_and_each_event_goes_once(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    first = register(client, URL)
    assert {register(client, URL) for _ in range(5)} == {first}
    assert [li.id for li in runtime.store.listeners()] == [first]
    other_filter = register(client, URL, event_types=("TroubleTicketCloseEvent",))
    other_system = register(client, URL, source="OA")
    assert len({first, other_filter, other_system}) == 3
    assert register(client, URL, event_types=("TroubleTicketCloseEvent",)) == other_filter
    with respx.mock(assert_all_mocked=True) as mock:
        route = mock.post(URL).mock(return_value=httpx.Response(204))
        create(client)  # one event, a TroubleTicketCreateEvent
        publisher = EventPublisher(runtime.store, runtime.clock)
        try:
            publisher.run_round()
        finally:
            publisher.stop()
    assert route.call_count == 2  # the CS listener without a filter and the OA one


def test_a_system_holding_the_most_listeners_is_refused_another(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    from hub.config.workflow import ListenerSettings  # here: the test above runs on a tree without it too

    most = ListenerSettings().max_per_system
    for number in range(most):
        register(client, f"http://crm.test/events/{number}")
    refused = answer(client.request(envelope(*command("RegisterListener.valid-no-filter.xml",
                                                      Callback="http://crm.test/events/one-more"))))
    assert refused.tag == f"{{{C}}}Error" and text(refused, "c:Code") == "too-many-listeners"
    assert f"holds {most} listeners" in " ".join(refused.itertext())
    assert register(client, "http://crm.test/events/0") is not None  # registering one it has is no new one
    assert register(client, "http://oa.test/events", source="OA") is not None  # another system's count
    assert len(runtime.store.listeners()) == most + 1


def test_a_category_the_taxonomy_does_not_hold_is_refused(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    document, message_id = command("RegisterListener.valid-no-filter.xml", Callback="http://crm.test/events")
    wanted = etree.SubElement(document, f"{{{WO}}}Filter")
    etree.SubElement(wanted, f"{{{WO}}}Category").text = "99"  # a typo: no event would ever match it
    refused = answer(client.request(Envelope(message_id, "workorder.RegisterListener", "CS",
                                             etree.tostring(document))))
    assert refused.tag == f"{{{C}}}Error" and text(refused, "c:Code") == "bad-filter"
    assert "no category 99 in the taxonomy" in " ".join(refused.itertext())
    assert runtime.store.listeners() == []
    assert register(client, "http://crm.test/events", category="01.02") is not None  # one it holds is taken
