"""NSP's NetworkComplaintReply is a request (default_routes.toml, reply_timeout): the workflow answers it with its
verdict. Taken: ``NetworkComplaintReplyResponse`` (Ack COMPLETED); refused (``unknown-work-order``,
``wrong-ticket``, ``wrong-work-order``, ``stale-reply``, ``callback-not-expected``): the ``c:Error`` naming the code
and, in its Violation's Path, the field at fault (WorkOrderId, NspTicketId, the Header's CorrelationId), nothing
written. A reply whose caller stopped waiting (the ingress's 504 after the reply timeout) is still applied, once;
NSP's resend under the same MessageId is answered the recorded verdict, never applied twice."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.routing.broker_router import REPLY_BY
from hub.routing.codec import message_from_envelope
from hub.transport import routing_key
from hub.workers import SendResult, WorkerTestClient
from hub.workers.testing import REPLY_TO
from tests.unit.workflow.audit_kit import NSP, created, dispatch, history, state
from tests.unit.workflow.kit import EXAMPLES, C
from tests.unit.workflow.test_nsp_stale_reply import dispatch_ids, dispatched_twice
from tests.unit.workflow.test_nsp_withdrawal import cancel, withdrawals

pytestmark = pytest.mark.unit

TICKET, OTHER = "NSP20261123000417", "NSP20261123000999"
NS = {"nsp": NSP, "c": C}


def reply_envelope(work_order_id: str, ticket_id: str = TICKET, dispatch_id: str | None = None,
                   message_id: str | None = None) -> Envelope:
    document = etree.parse(str(EXAMPLES / "nsp" / "NetworkComplaintReply.valid.xml")).getroot()
    document.find(f"{{{NSP}}}WorkOrderId").text = work_order_id
    document.find(f"{{{NSP}}}NspTicketId").text = ticket_id
    header = document.find(f"{{{NSP}}}Header")
    correlation = header.find(f"{{{C}}}CorrelationId")
    if dispatch_id is None:
        header.remove(correlation)
    else:
        correlation.text = dispatch_id
    return Envelope(message_id or f"nsp-{uuid.uuid4().hex[:16]}", "nsp.NetworkComplaintReply", "NSP",
                    etree.tostring(document), correlation_id=dispatch_id)


def ask(client: WorkerTestClient, envelope: Envelope) -> etree._Element:
    result = client.request(envelope)
    assert result.processed and result.reply is not None, result.reason
    return etree.fromstring(result.reply)


def refusal(answer: etree._Element) -> tuple[str | None, str | None]:
    """(code, the Violation's Path) of a c:Error answer."""
    assert answer.tag == f"{{{C}}}Error", etree.tostring(answer)
    return answer.findtext("c:Code", namespaces=NS), answer.findtext("c:Violation/c:Path", namespaces=NS)


def test_a_reply_taken_is_answered_completed(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    (dispatch_id,) = dispatch_ids(client, work_order_id)
    answer = ask(client, reply_envelope(work_order_id, dispatch_id=dispatch_id))
    assert answer.tag == f"{{{NSP}}}NetworkComplaintReplyResponse", etree.tostring(answer)
    assert answer.findtext("nsp:Ack/c:Status", namespaces=NS) == "COMPLETED"
    assert answer.findtext("nsp:Ack/c:CorrelationId", namespaces=NS) == dispatch_id
    assert state(client, work_order_id) == "IN_PROGRESS"


def test_nsps_mistakes_are_answered_with_the_code_and_the_field(client: WorkerTestClient) -> None:
    assert refusal(ask(client, reply_envelope("WO20260101ZZZZZZZZ"))) == (
        "unknown-work-order", "/nsp:NetworkComplaintReply/nsp:WorkOrderId")
    work_order_id = created(client)
    assert refusal(ask(client, reply_envelope(work_order_id))) == (  # never dispatched
        "callback-not-expected", "/nsp:NetworkComplaintReply/nsp:WorkOrderId")
    dispatch(client, work_order_id)
    (dispatch_id,) = dispatch_ids(client, work_order_id)
    ask(client, reply_envelope(work_order_id, dispatch_id=dispatch_id))
    before = history(client, work_order_id)
    assert refusal(ask(client, reply_envelope(work_order_id, OTHER, dispatch_id))) == (
        "wrong-ticket", "/nsp:NetworkComplaintReply/nsp:NspTicketId")
    other = created(client)
    dispatch(client, other)
    assert refusal(ask(client, reply_envelope(other, TICKET, dispatch_id))) == (
        "wrong-work-order", "/nsp:NetworkComplaintReply/nsp:WorkOrderId")
    assert history(client, work_order_id) == before and state(client, other) == "DISPATCHED"


def test_a_late_answer_to_an_earlier_dispatch_names_the_correlation_id(client: WorkerTestClient) -> None:
    work_order_id, first, _second = dispatched_twice(client)
    assert refusal(ask(client, reply_envelope(work_order_id, dispatch_id=first))) == (
        "stale-reply", "/nsp:NetworkComplaintReply/nsp:Header/c:CorrelationId")


def test_a_reply_crossing_the_withdrawal_is_answered_completed(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    cancel(client, work_order_id)
    assert len(withdrawals(client)) == 1
    answer = ask(client, reply_envelope(work_order_id))  # noted on the cancelled work order as a late answer
    assert answer.findtext("nsp:Ack/c:Status", namespaces=NS) == "COMPLETED"
    assert state(client, work_order_id) == "CANCELLED"


def test_a_reply_whose_caller_stopped_waiting_is_applied_once(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    (dispatch_id,) = dispatch_ids(client, work_order_id)
    envelope = reply_envelope(work_order_id, dispatch_id=dispatch_id)
    gone = (datetime.now(UTC) - timedelta(seconds=30)).isoformat(timespec="milliseconds")
    message = message_from_envelope(envelope, routing_key(client.consumer, envelope.command_type), for_request=True)
    timed_out: SendResult = client.send(replace(message.with_headers(**{REPLY_BY: gone}), reply_to=REPLY_TO,
                                                correlation_id=envelope.message_id))
    assert timed_out.processed and timed_out.reply is not None, timed_out.reason
    assert state(client, work_order_id) == "IN_PROGRESS"
    applied = history(client, work_order_id)
    again = client.request(envelope)  # NSP's resend after its 504, the same MessageId
    assert again.final.duplicate and again.reply == timed_out.reply  # the recorded verdict
    assert history(client, work_order_id) == applied

