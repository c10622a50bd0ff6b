"""Event listeners (issue 12 point 7): registered and removed through the workflow's handlers, and the events the
engine writes for each change, in TMF621's shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.config.workflow import parse_workflow
from hub.workers import WorkerTestClient
from hub.workflow.events import event_document
from hub.workflow.listeners import ListenerFilter, callback_problem
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import START, C, answer, command, envelope, text
from tests.unit.workflow.listener_kit import create, dispatch, register, to_close, unregister

pytestmark = pytest.mark.unit

URL = "http://listener.test/events"


def test_a_listener_is_registered_with_its_filter_from_the_end_of_the_outbox(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    create(client)
    end = len(runtime.store.pending_events(limit=1000))
    listener_id = register(client, URL, event_types=("TroubleTicketCloseEvent",), category="01.02",
                           area_code="0755")
    [listener] = runtime.store.listeners()
    assert (listener.id, listener.callback_url, listener.source_system) == (listener_id, URL, "CS")
    assert listener.delivered_position == end > 0  # it gets only what is written after it registered
    assert ListenerFilter.from_text(listener.filter) == ListenerFilter(
        frozenset({"TroubleTicketCloseEvent"}), "01.02", "0755")


def test_only_http_call_backs_are_taken(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    for url in ("ftp://listener.test/events", "http:///no-host"):
        refused = answer(client.request(envelope(*command("RegisterListener.valid-no-filter.xml", Callback=url))))
        assert refused.tag == f"{{{C}}}Error" and text(refused, "c:Code") == "bad-callback"
    assert runtime.store.listeners() == []


@pytest.mark.parametrize("url", ["http://a..b/events", "http://exämple..com/events", "http://.listener.test/",
                                 f"http://{'a' * 64}.test/events",
                                 "http://listener.test:103607/hook"])  # delivered to port 38071 before
def test_a_call_back_whose_host_name_cannot_be_encoded_is_refused(
        url: str, client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    refused = answer(client.request(envelope(*command("RegisterListener.valid-no-filter.xml", Callback=url))))
    assert refused.tag == f"{{{C}}}Error" and text(refused, "c:Code") == "bad-callback"
    assert runtime.store.listeners() == []


@pytest.mark.parametrize(("url", "reason"), [
    ("http://xn--ls8h.la/events", "host name 'xn--ls8h.la' is not valid IDNA (Codepoint U+1F4A9"),  # dead-lettered
    ("http://xn--/events", "host name 'xn--' is not valid IDNA (Malformed A-label"),                # before (502)
    ("http://a%00b/events", "host name 'a%00b' has characters no host name has"),
    ("http://a|b/events", "host name 'a|b' has characters no host name has"),
])
def test_a_call_back_whose_host_name_no_resolver_takes_is_refused_naming_it(
        url: str, reason: str, client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    assert (callback_problem(url) or "").startswith(reason)
    refused = answer(client.request(envelope(*command("RegisterListener.valid-no-filter.xml", Callback=url))))
    assert refused.tag == f"{{{C}}}Error" and text(refused, "c:Code") == "bad-callback"
    assert reason in (text(refused, "c:Message") or "")
    assert runtime.store.listeners() == []


@pytest.mark.parametrize("url", ["http://[::1]:8080/events", "http://203.0.113.7/events", "http://cs_frontend/events",
                                 "https://exämple.test/events", "http://xn--exmple-cua.test/events"])
def test_addresses_and_host_names_a_resolver_takes_pass(url: str) -> None:
    assert callback_problem(url) is None


def test_an_international_host_name_is_taken(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    register(client, "https://exämple.test:8443/events?system=crm")
    assert [li.callback_url for li in runtime.store.listeners()] == ["https://exämple.test:8443/events?system=crm"]


def test_unregister_removes_only_the_registering_systems_listener(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    listener_id = register(client, URL)
    refused = unregister(client, listener_id, source="CRM")
    assert refused.tag == f"{{{C}}}Error" and text(refused, "c:Code") == "not-your-listener"
    assert text(unregister(client, listener_id), "wo:ListenerId") == listener_id
    assert runtime.store.listeners() == []
    gone = unregister(client, listener_id)
    assert text(gone, "c:Code") == "unknown-listener"


def test_each_change_writes_its_tmf621_events_in_order(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = create(client)
    to_close(client, work_order_id)
    events = runtime.store.pending_events(limit=100)
    assert [e.kind for e in events] == [
        "TroubleTicketCreateEvent",
        "TroubleTicketStatusChangeEvent",  # DISPATCH
        "TroubleTicketStatusChangeEvent",  # START
        "TroubleTicketStatusChangeEvent", "TroubleTicketInformationRequiredEvent",  # PEND
        "TroubleTicketStatusChangeEvent",  # SUPPLY_INFO
        "TroubleTicketStatusChangeEvent", "TroubleTicketResolvedEvent",  # REPLY
        "TroubleTicketStatusChangeEvent",  # RETURN_VISIT
        "TroubleTicketStatusChangeEvent", "TroubleTicketCloseEvent",  # CLOSE
    ]
    assert [e.seq for e in events] == list(range(1, 12))
    documents = [json.loads(e.payload) for e in events]
    assert [d["eventId"] for d in documents] == [e.event_id for e in events]
    assert [d["eventType"] for d in documents] == [e.kind for e in events]
    tickets = [d["event"]["troubleTicket"] for d in documents]
    assert [t["status"] for t in tickets] == ["acknowledged", "inProgress", "inProgress", "pending", "pending",
                                              "inProgress", "resolved", "resolved", "resolved", "closed", "closed"]
    assert tickets[3]["statusChangeDetail"]["action"] == "PEND"
    assert tickets[3]["statusChangeDetail"]["previousState"] == "IN_PROGRESS"
    assert {t["id"] for t in tickets} == {work_order_id}
    assert tickets[0]["ticketType"] == "complaint" and tickets[0]["category"] == "01.02.03"
    assert tickets[0]["area"]["areaCode"] == "0755" and tickets[0]["priority"] == "1"
    assert tickets[0]["relatedParty"] == [{"role": "customer", "id": "*******8000"}]
    assert all("13800138000" not in e.payload for e in events)  # the customer's number stays in the hub


def test_filters_match_event_type_category_prefix_and_area() -> None:
    ticket = {"event": {"troubleTicket": {"category": "01.02.03", "area": {"areaCode": "0755"}}}}
    assert ListenerFilter().matches("TroubleTicketCreateEvent", ticket)
    assert ListenerFilter(category="01.02").matches("TroubleTicketCreateEvent", ticket)
    assert ListenerFilter(category="01.02.03").matches("TroubleTicketCreateEvent", ticket)
    assert not ListenerFilter(category="01.0").matches("TroubleTicketCreateEvent", ticket)
    assert not ListenerFilter(category="01.03").matches("TroubleTicketCreateEvent", ticket)
    assert not ListenerFilter(area_code="020").matches("TroubleTicketCreateEvent", ticket)
    closing = ListenerFilter(frozenset({"TroubleTicketCloseEvent"}))
    assert closing.matches("TroubleTicketCloseEvent", ticket)
    assert not closing.matches("TroubleTicketCreateEvent", ticket)
    assert ListenerFilter.from_text(closing.to_text()) == closing
    assert ListenerFilter().to_text() is None
    assert not ListenerFilter.from_text("{not json").matches("TroubleTicketCreateEvent", ticket)


def test_a_reason_quoting_a_number_travels_masked() -> None:
    row = {"id": "WO20261123A7K2M9Q1", "state": "PENDING", "msisdn": "13800138000", "priority": 1}
    document = event_document("e-1", "TroubleTicketStatusChangeEvent", row, START, action="PEND",
                              reason="call back on 13912345678 after six")
    change = document["event"]["troubleTicket"]["statusChangeDetail"]
    assert "13912345678" not in change["reason"] and change["reason"].endswith("5678 after six")
    assert document["event"]["troubleTicket"]["relatedParty"] == [{"role": "customer", "id": "*******8000"}]


def test_a_number_written_into_the_phenomenon_or_district_travels_masked() -> None:
    """The desk's free text: "only its last four digits travel" held for reasons, not for the ticket's name and
    district (an audit: the full number reached every listener)."""
    row = {"id": "WO20261123A7K2M9Q1", "state": "ACCEPTED", "msisdn": "13800138000", "priority": 1,
           "phenomenon": "13912345678 cannot originate calls", "area_code": "0755", "district": "near 13912345678"}
    ticket = event_document("e-1", "TroubleTicketCreateEvent", row, START)["event"]["troubleTicket"]
    assert "13912345678" not in str(ticket)
    assert ticket["name"].endswith("5678 cannot originate calls") and ticket["area"]["district"].endswith("5678")


def test_no_more_of_the_customers_or_contact_number_than_its_last_four_digits_travels() -> None:
    """"Only its last four digits travel" held for relatedParty alone: the ticket's name, district, reasons and
    changed values kept seven digits of a mobile number (138****8000) and a fixed-line contact number whole (an
    audit: every listener got them)."""
    row = {"id": "WO20261123A7K2M9Q1", "state": "CANCELLED", "msisdn": "13800138000", "priority": 1,
           "contact_number": "0755-83765432", "phenomenon": "Customer 13800138000 cannot call out",
           "area_code": "0755", "district": "next to 139 1234 5678"}
    reason = "customer 13800138000 withdrew, call back on 0755-83765432 or (0755) 8376 5432"
    status = event_document("e-1", "TroubleTicketStatusChangeEvent", row, START, action="CANCEL", reason=reason)
    change = event_document("e-2", "TroubleTicketAttributeValueChangeEvent", row, START,
                            attribute_change={"fieldPath": "escalationLevel", "value": 2, "reason": reason})
    for document in (status, change):
        ticket = document["event"]["troubleTicket"]
        assert ticket["name"] == "Customer *******8000 cannot call out"
        assert ticket["area"]["district"] == "next to *******5678"
        assert ticket["relatedParty"] == [{"role": "customer", "id": "*******8000"}]
    expected = "customer *******8000 withdrew, call back on ********5432 or ********5432"
    assert status["event"]["troubleTicket"]["statusChangeDetail"] == {"action": "CANCEL", "reason": expected}
    assert change["event"]["troubleTicket"]["attributeValueChange"] == {
        "fieldPath": "escalationLevel", "value": 2, "reason": expected}
    written = event_document("e-3", "TroubleTicketStatusChangeEvent", row, START, action="CANCEL",  # numerals,
                             reason="回电 一三八零零一三八零零零 或 １３８００１３８０００")  # full-width digits
    assert written["event"]["troubleTicket"]["statusChangeDetail"]["reason"] == "回电 *******8000 或 *******8000"


def test_the_publishers_settings(tmp_path: Path) -> None:
    source = str(tmp_path / "hub.toml")
    parsed = parse_workflow({"publisher_interval_seconds": 0, "listener_gap_seconds": 5,
                             "listener_connect_timeout_seconds": 2}, source)
    assert (parsed.publisher_interval_seconds, parsed.listener_gap_seconds) == (0.0, 5.0)
    assert (parsed.listener_connect_timeout_seconds, parsed.listener_read_timeout_seconds) == (2.0, 10.0)
    with pytest.raises(ValueError, match="listener_read_timeout_seconds"):
        parse_workflow({"listener_read_timeout_seconds": 0}, source)


def test_a_status_change_carries_tmf621s_status_change_reason_and_the_hubs_detail_under_its_own_name() -> None:
    """TMF621 v5's ``statusChangeReason`` is set; the hub's object is ``statusChangeDetail``, not ``statusChange``,
    TMF621 v4's name of a StatusChange[] array (generated v4 clients failed to read the hub's object there)."""
    row = {"id": "WO20261123A7K2M9Q1", "state": "PENDING", "msisdn": "13800138000", "priority": 1}
    given = event_document("e-1", "TroubleTicketStatusChangeEvent", row, START, action="PEND",
                           previousState="IN_PROGRESS", previousStatus="inProgress",
                           reason="call back on 13912345678 after six")["event"]["troubleTicket"]
    assert "statusChange" not in given
    assert given["statusChangeReason"] == "call back on *******5678 after six"
    assert given["statusChangeDetail"] == {"action": "PEND", "previousState": "IN_PROGRESS",
                                           "previousStatus": "inProgress",
                                           "reason": "call back on *******5678 after six"}
    none_given = event_document("e-2", "TroubleTicketStatusChangeEvent", row, START, action="DISPATCH",
                                previousState="ACCEPTED", previousStatus="acknowledged", reason=None)
    assert none_given["event"]["troubleTicket"]["statusChangeReason"] == "DISPATCH"  # no words: the action


@pytest.mark.parametrize(("written", "resolved"), [("true", True), ("false", False)])
def test_a_replys_events_say_whether_it_resolved_the_complaint(
        written: str, resolved: bool, client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """A Reply with ``Resolved`` false is still REPLIED (TMF621 ``resolved``, a TroubleTicketResolvedEvent): its
    events carry the ``replyResolved`` characteristic, and only a resolving reply sets ``resolutionDate``."""
    work_order_id = create(client)
    dispatch(client, work_order_id)
    document, message_id = command("WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)
    document.find("{urn:onepoint:workorder:1}Reply/{urn:onepoint:workorder:1}Resolved").text = written
    assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "REPLIED"
    events = runtime.store.pending_events(limit=100)[-2:]
    assert [e.kind for e in events] == ["TroubleTicketStatusChangeEvent", "TroubleTicketResolvedEvent"]
    for event in events:
        document_sent = json.loads(event.payload)
        ticket = document_sent["event"]["troubleTicket"]
        assert ticket["status"] == "resolved"
        assert ticket["characteristic"] == [{"name": "replyResolved", "value": written}]
        assert ticket.get("resolutionDate") == (document_sent["eventTime"] if resolved else None)
